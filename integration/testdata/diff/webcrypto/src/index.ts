// crypto.subtle without a library, as Workers code calls it directly:
// digests, HMAC, AES-GCM/CBC/CTR with fixed keys and IVs, AES-KW, PBKDF2,
// HKDF, ECDH, Ed25519 and RSASSA-PKCS1-v1_5 (all deterministic, so their
// bytes are compared), and ECDSA, RSA-PSS and RSA-OAEP (randomised, so
// each round trip answers its outcome). Errors are compared by their
// DOMException names, not their messages.
import { ecAlice, ecBob, edPrivate, rsaPkcs8, rsaSpki } from "./keys";

const subtle = crypto.subtle;
const enc = new TextEncoder();
const hex = (b: ArrayBuffer | Uint8Array) =>
  Array.from(b instanceof Uint8Array ? b : new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i * 7) & 0xff);
// pem decodes a PEM body with a loop; the common one-liner,
// Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), has a route of its
// own (/webcrypto/from-string), so a failure there does not hide the keys.
const pem = (text: string) => {
  const bin = atob(text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
};
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

// outcome runs f and answers its value, or the name of what it threw.
async function outcome<T>(f: () => Promise<T>): Promise<T | { threw: string }> {
  try {
    return await f();
  } catch (err) {
    return { threw: (err as Error).name };
  }
}

// sorted copies a plain object with its keys in order. The order of a
// KeyAlgorithm's members differs between implementations (Deno gives HMAC's
// length before hash, WebIDL's dictionary order is hash first) and no code
// depends on it; their values are compared.
function sorted(v: unknown): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sorted(o[k])]));
}

const describe = (k: CryptoKey) => ({ type: k.type, extractable: k.extractable, algorithm: sorted(k.algorithm), usages: k.usages });

const routes: Record<string, () => Promise<unknown>> = {
  async "from-string"() {
    // How Workers code most often turns base64 into bytes: a string is
    // iterable, so %TypedArray%.from takes it with a map function.
    const bin = atob(rsaSpki.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const plain = Uint8Array.from("AZ");
    return { length: bytes.length, head: hex(bytes.slice(0, 8)), plain: Array.from(plain) };
  },
  async digest() {
    const data = enc.encode("abc");
    const out: Record<string, string> = {};
    for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) out[alg] = hex(await subtle.digest(alg, data));
    return out;
  },
  async hmac() {
    const key = await subtle.importKey("raw", enc.encode("key"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
    const msg = enc.encode("The quick brown fox jumps over the lazy dog");
    const sig = await subtle.sign("HMAC", key, msg);
    return {
      key: describe(key),
      sig: hex(sig),
      verifies: await subtle.verify("HMAC", key, sig, msg),
      tampered: await subtle.verify("HMAC", key, sig, enc.encode("the quick brown fox")),
      jwk: await subtle.exportKey("jwk", key),
    };
  },
  async aes() {
    const raw = bytes(32, 1);
    const gcm = await subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    const cbc = await subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]);
    const ctr = await subtle.importKey("raw", raw, "AES-CTR", false, ["encrypt", "decrypt"]);
    const iv = bytes(12, 3);
    const text = enc.encode("attack at dawn, bring snacks");
    const sealed = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode("hdr") }, gcm, text);
    const broken = new Uint8Array(sealed).slice(); // a copy: a view would tamper with sealed too
    broken[0] ^= 1;
    const cbcOut = await subtle.encrypt({ name: "AES-CBC", iv: bytes(16, 5) }, cbc, text);
    const ctrOut = await subtle.encrypt({ name: "AES-CTR", counter: bytes(16, 9), length: 64 }, ctr, text);
    return {
      gcm: hex(sealed),
      gcmOpened: new TextDecoder().decode(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("hdr") }, gcm, sealed)),
      gcmTampered: await outcome(() => subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("hdr") }, gcm, broken)),
      cbc: hex(cbcOut),
      cbcOpened: new TextDecoder().decode(await subtle.decrypt({ name: "AES-CBC", iv: bytes(16, 5) }, cbc, cbcOut)),
      ctr: hex(ctrOut),
      badIv: await outcome(() => subtle.encrypt({ name: "AES-CBC", iv: bytes(8) }, cbc, text)),
    };
  },
  async wrap() {
    const kek = await subtle.importKey("raw", bytes(16, 2), "AES-KW", false, ["wrapKey", "unwrapKey"]);
    const key = await subtle.importKey("raw", bytes(32, 4), "AES-GCM", true, ["encrypt"]);
    const wrapped = await subtle.wrapKey("raw", key, kek, "AES-KW");
    const back = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
    return { wrapped: hex(wrapped), unwrapped: describe(back), same: hex(await subtle.exportKey("raw", back)) === hex(bytes(32, 4)) };
  },
  async derive() {
    const pw = await subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
    const pbkdf2 = await subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1000, hash: "SHA-256" }, pw, 256);
    const ikm = await subtle.importKey("raw", bytes(22, 11), "HKDF", false, ["deriveBits"]);
    const hkdf = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: bytes(13), info: enc.encode("context") }, ikm, 336);
    const aes = await subtle.deriveKey(
      { name: "PBKDF2", salt: enc.encode("salt"), iterations: 10, hash: "SHA-1" },
      pw,
      { name: "AES-GCM", length: 128 },
      true,
      ["encrypt"],
    );
    return { pbkdf2: hex(pbkdf2), hkdf: hex(hkdf), derivedKey: describe(aes), derivedRaw: hex(await subtle.exportKey("raw", aes)) };
  },
  async ecdh() {
    const alg = { name: "ECDH", namedCurve: "P-256" };
    const a = await subtle.importKey("jwk", ecAlice, alg, false, ["deriveBits"]);
    const b = await subtle.importKey("jwk", ecBob, alg, false, ["deriveBits"]);
    const { d: _a, ...alicePub } = ecAlice;
    const { d: _b, ...bobPub } = ecBob;
    const aPub = await subtle.importKey("jwk", alicePub, alg, true, []);
    const bPub = await subtle.importKey("jwk", bobPub, alg, true, []);
    const ab = await subtle.deriveBits({ name: "ECDH", public: bPub }, a, 256);
    const ba = await subtle.deriveBits({ name: "ECDH", public: aPub }, b, 256);
    return { secret: hex(ab), agree: hex(ab) === hex(ba), spki: hex(await subtle.exportKey("spki", aPub)), raw: hex(await subtle.exportKey("raw", aPub)) };
  },
  async signatures() {
    const msg = enc.encode("signed by both peers");
    const ed = await subtle.importKey("jwk", edPrivate, "Ed25519", false, ["sign"]);
    const { d: _d, ...edPub } = edPrivate;
    const edVerify = await subtle.importKey("jwk", edPub, "Ed25519", true, ["verify"]);
    const edSig = await subtle.sign("Ed25519", ed, msg);
    const ecdsa = { name: "ECDSA", namedCurve: "P-256" };
    const ecPriv = await subtle.importKey("jwk", ecAlice, ecdsa, false, ["sign"]);
    const { d: _e, ...ecPubJwk } = ecAlice;
    const ecPub = await subtle.importKey("jwk", ecPubJwk, ecdsa, false, ["verify"]);
    const ecSig = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ecPriv, msg);
    const pkcs1 = await subtle.importKey("pkcs8", pem(rsaPkcs8), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
    const pkcs1Pub = await subtle.importKey("spki", pem(rsaSpki), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    const rsaSig = await subtle.sign("RSASSA-PKCS1-v1_5", pkcs1, msg);
    const pss = await subtle.importKey("pkcs8", pem(rsaPkcs8), { name: "RSA-PSS", hash: "SHA-256" }, false, ["sign"]);
    const pssPub = await subtle.importKey("spki", pem(rsaSpki), { name: "RSA-PSS", hash: "SHA-256" }, false, ["verify"]);
    const pssSig = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pss, msg);
    return {
      ed25519: hex(edSig),
      ed25519Verifies: await subtle.verify("Ed25519", edVerify, edSig, msg),
      ed25519Public: await subtle.exportKey("jwk", edVerify),
      ecdsaLength: ecSig.byteLength,
      ecdsaVerifies: await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPub, ecSig, msg),
      ecdsaOtherMessage: await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPub, ecSig, enc.encode("x")),
      rsaPkcs1: hex(rsaSig),
      rsaPkcs1Verifies: await subtle.verify("RSASSA-PKCS1-v1_5", pkcs1Pub, rsaSig, msg),
      rsaPublic: describe(pkcs1Pub),
      pssVerifies: await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pssPub, pssSig, msg),
    };
  },
  async oaep() {
    const priv = await subtle.importKey("pkcs8", pem(rsaPkcs8), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["decrypt"]);
    const pub = await subtle.importKey("spki", pem(rsaSpki), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
    const sealed = await subtle.encrypt({ name: "RSA-OAEP", label: enc.encode("l") }, pub, enc.encode("for your eyes"));
    return {
      length: sealed.byteLength,
      opened: new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP", label: enc.encode("l") }, priv, sealed)),
      wrongLabel: await outcome(() => subtle.decrypt({ name: "RSA-OAEP" }, priv, sealed)),
    };
  },
  async generate() {
    const aes = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
    const hmac = await subtle.generateKey({ name: "HMAC", hash: "SHA-384" }, false, ["sign"]);
    const ec = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign", "verify"]);
    const ed = await subtle.generateKey("Ed25519", true, ["sign", "verify"]);
    return {
      aes: describe(aes as CryptoKey),
      aesRawBytes: (await subtle.exportKey("raw", aes as CryptoKey)).byteLength,
      hmac: describe(hmac as CryptoKey),
      ecPublic: describe((ec as CryptoKeyPair).publicKey),
      ecPrivate: describe((ec as CryptoKeyPair).privateKey),
      edPublic: describe((ed as CryptoKeyPair).publicKey),
      random: crypto.getRandomValues(new Uint8Array(16)).length,
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
    };
  },
  async errors() {
    const hmac = await subtle.importKey("raw", bytes(16), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    return {
      unknownAlgorithm: await outcome(() => subtle.digest("MD5", bytes(4))),
      wrongUsage: await outcome(() => subtle.sign("HMAC", hmac, bytes(4))),
      notExtractable: await outcome(() => subtle.exportKey("raw", hmac)),
      badKeyLength: await outcome(() => subtle.importKey("raw", bytes(15), "AES-GCM", false, ["encrypt"])),
      badJwk: await outcome(() => subtle.importKey("jwk", { kty: "oct" }, "AES-GCM", false, ["encrypt"])),
      emptyUsages: await outcome(() => subtle.generateKey({ name: "AES-GCM", length: 128 }, false, [])),
    };
  },
};

export default {
  async fetch(request: Request): Promise<Response> {
    const name = new URL(request.url).pathname.replace(/^\/webcrypto\//, "");
    const route = Object.hasOwn(routes, name) ? routes[name] : undefined;
    if (!route) return json({ error: "no such route" }, 404);
    try {
      return json(await route());
    } catch (err) {
      return json({ error: (err as Error).name, message: String(err) }, 500);
    }
  },
};
