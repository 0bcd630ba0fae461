// crypto: getRandomValues, randomUUID and subtle.digest (SHA-1, SHA-256,
// SHA-384, SHA-512). The other SubtleCrypto methods are not provided.
// Built on first use (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  const domException = host.domException, load = host.load, encoding = host.encoding;
  const cryptoHooks = host.cryptoHooks;

  host.lazy("crypto", () => {
    const { bytes, typedArrayTag: taTag, typedArrayLength: taLength } = load(encoding);
    const { randomFill, randomUUID, digest } = cryptoHooks();
    const INTEGER = {
      __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1,
      Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1,
    };
    // Keyed by the lower-cased name: lower-casing maps no non-ASCII letter
    // onto these, so the match is ASCII case-insensitive as Web Crypto asks.
    const DIGESTS = { __proto__: null, "sha-1": "SHA-1", "sha-256": "SHA-256", "sha-384": "SHA-384", "sha-512": "SHA-512" };

    const subtle = Object.create({
      digest(algorithm, data) {
        try {
          const name = typeof algorithm === "object" && algorithm !== null ? algorithm.name : algorithm;
          if (name === undefined) throw new TypeError("digest: the algorithm needs a name");
          const alg = DIGESTS[`${name}`.toLowerCase()];
          if (alg === undefined) throw domException(`Unrecognized algorithm name: ${name}`, "NotSupportedError");
          const b = bytes(data);
          if (b === null) throw new TypeError("digest: data must be an ArrayBuffer or ArrayBufferView");
          return Promise.resolve(digest(alg, b));
        } catch (e) {
          return Promise.reject(e);
        }
      },
      get [Symbol.toStringTag]() { return "SubtleCrypto"; },
    });

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

    return { crypto };
  });
})(globalThis, globalThis.__vault);
