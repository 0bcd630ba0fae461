// crypto and SubtleCrypto (W3C Web Cryptography API), with CryptoKey.
// This file does the spec's generic steps: WebIDL conversion of the
// arguments, "normalize an algorithm" into a plain object of checked
// members, and the checks of a key's algorithm, usages and
// extractability. The per-algorithm steps and all cryptography are Go's
// (crypto*.go); a CryptoKey holds only an opaque Go handle, kept in a
// private field user code cannot reach, so its secret never becomes a JS
// value.
// All three globals are one group, built on first use (see host.lazy in
// 05-dom.js): one group costs an isolate less than two.
(function (g, host) {
  "use strict";
  const domException = host.domException, load = host.load, encoding = host.encoding;
  const cryptoHooks = host.cryptoHooks, utf8Buffer = host.utf8Buffer, decodeUTF8 = host.decodeUTF8;

  host.lazy("crypto CryptoKey SubtleCrypto", () => {
    const { bytes, typedArrayTag: taTag, typedArrayLength: taLength } = load(encoding);
    const hooks = cryptoHooks(), randomFill = hooks.randomFill, randomUUID = hooks.randomUUID;
    // Taken now, so that user code replacing a global cannot change how
    // these steps run.
    const U8 = Uint8Array, isArray = Array.isArray, from = Array.from;
    const P = Promise, resolve = P.resolve.bind(P), reject = P.reject.bind(P);
    const stringify = JSON.stringify, parse = JSON.parse, trunc = Math.trunc, toNumber = Number, finite = Number.isFinite;
    const TOKEN = Symbol("CryptoKey");
    // slotsOf is a CryptoKey's internal slots (see makeKey), or undefined
    // for anything else: a private field of the class, which costs less
    // than a WeakMap (goja registers a GC cleanup for every key set in one).
    let slotsOf;
    const USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
    const FORMATS = ["raw", "spki", "pkcs8", "jwk"];
    // A set of usages is also a mask of these bits (1 << index in USAGES):
    // a key's private copy of its usages, which user code cannot change.
    const USAGE_BIT = { __proto__: null };
    USAGES.forEach((u, i) => { USAGE_BIT[u] = 1 << i; });
    const usageList = (mask) => {
      const out = [];
      for (let i = 0; i < USAGES.length; i++) if (mask & (1 << i)) out.push(USAGES[i]);
      return out;
    };
    const ARRAY_VALUES = Array.prototype[Symbol.iterator], ARRAY_ITERATOR = Object.getPrototypeOf([][Symbol.iterator]());
    const ARRAY_NEXT = ARRAY_ITERATOR.next;

    // --- WebIDL conversions of dictionary members ---
    const fail = (msg) => { throw new TypeError(msg); };
    // enforce is [EnforceRange] for an unsigned integer type of max.
    const enforce = (max) => (v) => {
      const n = toNumber(v);
      if (!finite(n)) fail(`${v} is not a finite number`);
      const t = trunc(n);
      if (t < 0 || t > max) fail(`${v} is out of range (0 to ${max})`);
      return t;
    };
    const copy = (v) => {
      const b = bytes(v);
      if (b === null) fail("expected an ArrayBuffer or ArrayBufferView");
      return new U8(taTag.call(b) === "Uint8Array" ? b : new U8(b)); // a copy, as the spec asks
    };
    const bigInteger = (v) => taTag.call(v) === "Uint8Array" ? new U8(v) : fail("publicExponent must be a Uint8Array");
    const str = (v) => (typeof v === "string" ? v : `${v}`);
    const handleOf = (v) => {
      const s = slotsOf(v);
      if (s === undefined) fail("expected a CryptoKey");
      return s.handle;
    };
    const hash = (v) => (typeof v === "string" ? registeredName("digest", v, v) : nameOf("digest", dictOf(v)));
    const U32 = enforce(0xffffffff), U16 = enforce(0xffff), U8R = enforce(0xff);

    // Dictionaries: [member, conversion, required], flattened below into
    // triples so that normalize walks them with an index, not an iterator.
    const DICTS = {
      Algorithm: [],
      HmacImportParams: [["hash", hash, true], ["length", U32, false]],
      AesKeyGenParams: [["length", U16, true]],
      AesGcmParams: [["additionalData", copy, false], ["iv", copy, true], ["tagLength", U8R, false]],
      AesCbcParams: [["iv", copy, true]],
      AesCtrParams: [["counter", copy, true], ["length", U8R, true]],
      RsaHashedKeyGenParams: [["hash", hash, true], ["modulusLength", U32, true], ["publicExponent", bigInteger, true]],
      RsaHashedImportParams: [["hash", hash, true]],
      RsaPssParams: [["saltLength", U32, true]],
      RsaOaepParams: [["label", copy, false]],
      EcKeyParams: [["namedCurve", str, true]],
      EcdsaParams: [["hash", hash, true]],
      EcdhKeyDeriveParams: [["public", handleOf, true]],
      HkdfParams: [["hash", hash, true], ["info", copy, true], ["salt", copy, true]],
      Pbkdf2Params: [["hash", hash, true], ["iterations", U32, true], ["salt", copy, true]],
    };
    for (const d in DICTS) DICTS[d] = DICTS[d].flat();
    const RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"], AES = ["AES-CTR", "AES-CBC", "AES-GCM"];
    const each = (names, dict) => Object.fromEntries(names.map((n) => [n, dict]));
    // The registered algorithms of each operation, with their dictionary.
    const OPS = {
      digest: each(["SHA-1", "SHA-256", "SHA-384", "SHA-512"], "Algorithm"),
      encrypt: { "RSA-OAEP": "RsaOaepParams", "AES-CTR": "AesCtrParams", "AES-CBC": "AesCbcParams", "AES-GCM": "AesGcmParams" },
      sign: { "RSASSA-PKCS1-v1_5": "Algorithm", "RSA-PSS": "RsaPssParams", ECDSA: "EcdsaParams", Ed25519: "Algorithm", HMAC: "Algorithm" },
      generateKey: {
        ...each(RSA, "RsaHashedKeyGenParams"), ECDSA: "EcKeyParams", ECDH: "EcKeyParams", Ed25519: "Algorithm",
        X25519: "Algorithm", ...each([...AES, "AES-KW"], "AesKeyGenParams"), HMAC: "HmacImportParams",
      },
      deriveBits: { ECDH: "EcdhKeyDeriveParams", X25519: "EcdhKeyDeriveParams", HKDF: "HkdfParams", PBKDF2: "Pbkdf2Params" },
      importKey: {
        ...each(RSA, "RsaHashedImportParams"), ECDSA: "EcKeyParams", ECDH: "EcKeyParams", Ed25519: "Algorithm",
        X25519: "Algorithm", ...each([...AES, "AES-KW"], "Algorithm"), HMAC: "HmacImportParams", HKDF: "Algorithm", PBKDF2: "Algorithm",
      },
      wrapKey: { "AES-KW": "Algorithm" },
      keyLength: { ...each([...AES, "AES-KW"], "AesKeyGenParams"), HMAC: "HmacImportParams", HKDF: "Algorithm", PBKDF2: "Algorithm" },
    };
    OPS.decrypt = OPS.encrypt; OPS.verify = OPS.sign; OPS.unwrapKey = OPS.wrapKey;
    // Names match ASCII case-insensitively: only A-Z fold, so no
    // non-ASCII letter (the Kelvin sign lower-cases to "k") matches.
    const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
    // NAMES[op] maps each lower-cased name to the registered one; EXACT[op]
    // each registered name to itself, so that a name given as registered
    // (as nearly every caller gives it) is found without lower-casing.
    const NAMES = {}, EXACT = {};
    for (const op in OPS) {
      NAMES[op] = { __proto__: null };
      EXACT[op] = { __proto__: null };
      for (const name in OPS[op]) {
        NAMES[op][asciiLower(name)] = name;
        EXACT[op][name] = name;
      }
    }

    // dictOf is an algorithm given as a string made the object the spec
    // makes of it.
    const dictOf = (alg) => {
      if (typeof alg === "object" && alg !== null) return alg;
      if (typeof alg === "function") fail("an algorithm must be an object or a string");
      return { name: str(alg) };
    };
    // nameOf is the registered name of op's algorithm dict.
    const nameOf = (op, dict) => {
      const given = dict.name;
      if (given === undefined) fail(`${op}: the algorithm needs a name`);
      return registeredName(op, typeof given === "string" ? given : str(given), given);
    };
    // registeredName is op's registered name for s, the string given
    // converts to (a given object is converted again for the message, as
    // the spec's steps would).
    const registeredName = (op, s, given) => {
      const name = EXACT[op][s] ?? NAMES[op][asciiLower(s)];
      if (name === undefined) throw domException(`Unrecognized algorithm name: ${typeof given === "string" ? given : str(given)}`, "NotSupportedError");
      return name;
    };

    // normalize is the spec's "normalize an algorithm": the registered
    // name and the converted members of its dictionary.
    function normalize(op, alg) {
      const dict = dictOf(alg), name = nameOf(op, dict), members = DICTS[OPS[op][name]], out = { name };
      for (let i = 0; i < members.length; i += 3) {
        const member = members[i], v = dict[member];
        if (v === undefined) {
          if (members[i + 2]) fail(`${op}: ${name} needs the ${member} member`);
          continue;
        }
        out[member] = members[i + 1](v);
      }
      return out;
    }

    // usagesOf converts keyUsages (a sequence<KeyUsage>) to the usages it
    // names, each once, in USAGES' order. An array whose iteration user
    // code has not replaced is read by index, which reads the same
    // properties in the same order as iterating it, without an iterator.
    const usageBit = (u) => {
      u = str(u);
      const bit = USAGE_BIT[u];
      if (bit === undefined) fail(`'${u}' is not a valid key usage`);
      return bit;
    };
    const usagesOf = (v) => {
      if (v === null || typeof v !== "object") fail("keyUsages must be a sequence");
      const iterator = v[Symbol.iterator];
      if (typeof iterator !== "function") fail("keyUsages must be a sequence");
      let mask = 0;
      if (iterator === ARRAY_VALUES && ARRAY_ITERATOR.next === ARRAY_NEXT && isArray(v)) {
        for (let i = 0; i < v.length; i++) mask |= usageBit(v[i]);
      } else {
        from(v, (u) => { mask |= usageBit(u); });
      }
      return usageList(mask);
    };
    const formatOf = (v) => (FORMATS.includes(str(v)) ? str(v) : fail(`'${str(v)}' is not a valid key format`));
    const keyOf = (v, what) => slotsOf(v) || fail(`${what} is not a CryptoKey`);
    // dataOf is a copy of a BufferSource argument, as an ArrayBuffer made in
    // Go (a Uint8Array made here costs a typed array and the charging
    // Proxy's construct trap, alloc.go).
    const dataOf = (v, what) => {
      const b = bytes(v);
      return b === null ? fail(`${what} must be an ArrayBuffer or ArrayBufferView`) : hooks.copy(b);
    };
    // check is a key's part of the spec's generic steps: the algorithm
    // must be the key's, and the key must allow the usage.
    const check = (key, alg, usage) => {
      if (alg.name !== key.name) throw domException(`the key is a ${key.name} key, not ${alg.name}`, "InvalidAccessError");
      if (!(key.usages & USAGE_BIT[usage])) throw domException(`the key's usages do not include ${usage}`, "InvalidAccessError");
    };
    const toJWK = (v) => {
      if (v === undefined || v === null) v = {};
      else if (typeof v !== "object" || bytes(v) !== null) fail("a jwk key must be a JsonWebKey object");
      const out = {};
      for (const m of ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"]) {
        if (v[m] !== undefined) out[m] = str(v[m]);
      }
      if (v.key_ops !== undefined) {
        if (typeof v.key_ops !== "object" || v.key_ops === null) fail("key_ops must be a sequence");
        out.key_ops = from(v.key_ops, str);
      }
      if (v.ext !== undefined) out.ext = !!v.ext;
      if (v.oth !== undefined) out.oth = true;
      return out;
    };
    // When Go work returns a promise (slow work), then continues on it.
    const then = (v, f) => (v instanceof P ? v.then(f) : f(v));
    // settle is a method's promise of what f returns or throws. The
    // methods jose and Hono call on every request (digest, sign, verify,
    // importKey) inline it instead, to make no closure per call.
    const settle = (f) => {
      try {
        return resolve(f());
      } catch (e) {
        return reject(e);
      }
    };

    class CryptoKey {
      #slots;
      constructor(token, slots) {
        if (token !== TOKEN) fail("Illegal constructor");
        this.#slots = slots;
      }
      static {
        slotsOf = (v) => {
          try {
            return v.#slots;
          } catch (_) {
            return undefined; // not a CryptoKey
          }
        };
      }
      get type() { return keyOf(this, "this").type; }
      get extractable() { return keyOf(this, "this").extractable; }
      get algorithm() { return keyOf(this, "this").algorithm; }
      get usages() { return keyOf(this, "this").usageList; }
    }
    Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: "CryptoKey", configurable: true });

    // makeKey makes a CryptoKey of a Go record, which becomes its slots
    // with private copies of the name and usages (usages as a mask) that
    // the checks read: user code may change the algorithm and usages
    // objects it is given.
    const makeKey = (rec) => {
      const algorithm = rec.algorithm, list = rec.usageList;
      if (algorithm.publicExponent !== undefined) algorithm.publicExponent = new U8(algorithm.publicExponent);
      let mask = 0;
      for (let i = 0; i < list.length; i++) mask |= USAGE_BIT[list[i]];
      rec.name = algorithm.name;
      rec.usages = mask;
      return new CryptoKey(TOKEN, rec);
    };
    // keyWithUsages is makeKey, failing as the spec asks for a secret or
    // private key without usages.
    const keyWithUsages = (rec) => {
      const key = makeKey(rec);
      if ((rec.type === "secret" || rec.type === "private") && rec.usages === 0) {
        throw domException(`a ${rec.type} key needs at least one usage`, "SyntaxError");
      }
      return key;
    };
    const imported = (format, data, alg, extractable, usages) =>
      keyWithUsages(hooks.importKey(format, alg, data, !!extractable, usages));
    const exported = (format, key) => {
      if (key.name === "PBKDF2" || key.name === "HKDF") throw domException(`${key.name} keys cannot be exported`, "NotSupportedError");
      if (!key.extractable) throw domException("the key is not extractable", "InvalidAccessError");
      const out = hooks.exportKey(format, key.handle);
      if (format !== "jwk") return out;
      out.key_ops = usageList(key.usages);
      out.ext = key.extractable;
      return out;
    };
    // crypt is encrypt and decrypt: the same steps, but the operation.
    const crypt = (op, algorithm, key, data) => {
      const k = keyOf(key, "key"), d = dataOf(data, "data"), alg = normalize(op, algorithm);
      check(k, alg, op);
      return hooks[op](alg, k.handle, d);
    };
    // normalizeWrap normalises for wrapKey/unwrapKey, falling back on
    // encrypt/decrypt as the spec does.
    const normalizeWrap = (op, fallback, alg) => {
      try {
        return normalize(op, alg);
      } catch (_) {
        return normalize(fallback, alg);
      }
    };

    class SubtleCrypto {
      constructor(token) {
        if (token !== TOKEN) fail("Illegal constructor");
      }
      digest(algorithm, data) {
        try {
          const d = dataOf(data, "data"), alg = normalize("digest", algorithm);
          return resolve(hooks.digest(alg.name, d));
        } catch (e) {
          return reject(e);
        }
      }
      encrypt(algorithm, key, data) { return settle(() => crypt("encrypt", algorithm, key, data)); }
      decrypt(algorithm, key, data) { return settle(() => crypt("decrypt", algorithm, key, data)); }
      sign(algorithm, key, data) {
        try {
          const k = keyOf(key, "key"), d = dataOf(data, "data"), alg = normalize("sign", algorithm);
          check(k, alg, "sign");
          return resolve(hooks.sign(alg, k.handle, d));
        } catch (e) {
          return reject(e);
        }
      }
      verify(algorithm, key, signature, data) {
        try {
          const k = keyOf(key, "key"), sig = dataOf(signature, "signature"), d = dataOf(data, "data");
          const alg = normalize("verify", algorithm);
          check(k, alg, "verify");
          return resolve(hooks.verify(alg, k.handle, sig, d));
        } catch (e) {
          return reject(e);
        }
      }
      generateKey(algorithm, extractable, keyUsages) {
        return settle(() => {
          const usages = usagesOf(keyUsages), alg = normalize("generateKey", algorithm);
          return then(hooks.generateKey(alg, !!extractable, usages), (rec) => {
            if (rec.handle !== undefined) return keyWithUsages(rec);
            return { publicKey: makeKey(rec.publicKey), privateKey: keyWithUsages(rec.privateKey) };
          });
        });
      }
      deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
        return settle(() => {
          const k = keyOf(baseKey, "baseKey"), usages = usagesOf(keyUsages);
          const alg = normalize("deriveBits", algorithm), importAlg = normalize("importKey", derivedKeyType);
          const length = hooks.keyLength(normalize("keyLength", derivedKeyType));
          check(k, alg, "deriveKey");
          return then(hooks.deriveBits(alg, k.handle, length), (bits) => imported("raw", new U8(bits), importAlg, extractable, usages));
        });
      }
      deriveBits(algorithm, baseKey, length) {
        return settle(() => {
          const k = keyOf(baseKey, "baseKey"), alg = normalize("deriveBits", algorithm);
          const n = length === undefined || length === null ? null : toNumber(length) >>> 0;
          check(k, alg, "deriveBits");
          return hooks.deriveBits(alg, k.handle, n);
        });
      }
      importKey(format, keyData, algorithm, extractable, keyUsages) {
        try {
          format = formatOf(format);
          let data;
          if (format === "jwk") data = toJWK(keyData);
          else data = dataOf(keyData, "keyData");
          const usages = usagesOf(keyUsages), alg = normalize("importKey", algorithm);
          return resolve(imported(format, data, alg, extractable, usages));
        } catch (e) {
          return reject(e);
        }
      }
      exportKey(format, key) {
        return settle(() => {
          format = formatOf(format);
          return exported(format, keyOf(key, "key"));
        });
      }
      wrapKey(format, key, wrappingKey, wrapAlgorithm) {
        return settle(() => {
          format = formatOf(format);
          const k = keyOf(key, "key"), w = keyOf(wrappingKey, "wrappingKey");
          const alg = normalizeWrap("wrapKey", "encrypt", wrapAlgorithm);
          check(w, alg, "wrapKey");
          let data = exported(format, k);
          if (format === "jwk") data = new U8(utf8Buffer(stringify(data)));
          return hooks.encrypt(alg, w.handle, new U8(data));
        });
      }
      unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
        return settle(() => {
          format = formatOf(format);
          const w = keyOf(unwrappingKey, "unwrappingKey"), d = dataOf(wrappedKey, "wrappedKey");
          const usages = usagesOf(keyUsages), alg = normalizeWrap("unwrapKey", "decrypt", unwrapAlgorithm);
          const importAlg = normalize("importKey", unwrappedKeyAlgorithm);
          check(w, alg, "unwrapKey");
          let data = new U8(hooks.decrypt(alg, w.handle, d));
          if (format === "jwk") {
            try {
              data = parse(decodeUTF8(data));
            } catch (_) {
              throw domException("the unwrapped key is not a JSON JWK", "DataError");
            }
            if (typeof data !== "object" || data === null || isArray(data)) throw domException("the unwrapped key is not a JWK", "DataError");
            data = toJWK(data);
          }
          return imported(format, data, importAlg, extractable, usages);
        });
      }
      get [Symbol.toStringTag]() { return "SubtleCrypto"; }
    }

    const subtle = new SubtleCrypto(TOKEN);

    const INTEGER = {
      __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1,
      Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1,
    };

    const crypto = Object.create({
      getRandomValues(array) {
        const tag = taTag.call(array);
        if (INTEGER[tag] !== 1) {
          if (ArrayBuffer.isView(array)) {
            throw domException("getRandomValues: the array must be an integer typed array", "TypeMismatchError");
          }
          throw new TypeError("getRandomValues: the argument must be an integer typed array");
        }
        if (taLength.call(array) > 65536) {
          throw domException("getRandomValues: the array is larger than 65536 bytes", "QuotaExceededError");
        }
        // bytes() of a typed array is a view over the same memory, so the
        // caller's array is filled in place.
        randomFill(bytes(array));
        return array;
      },
      randomUUID() { return randomUUID(); },
      get subtle() { return subtle; },
      get [Symbol.toStringTag]() { return "Crypto"; },
    });

    return { crypto, CryptoKey, SubtleCrypto };
  });
})(globalThis, globalThis.__vault);
