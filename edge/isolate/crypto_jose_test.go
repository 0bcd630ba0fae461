package isolate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// joseSign is what jose does for a compact JWS: import the JWK as given,
// sign header.payload, verify it with the public JWK, and the key exports
// back to the JWK it came from.
const joseSign = `
const enc = (o) => b64u(utf8(JSON.stringify(o)));
async function roundTrip(jwk, pubJWK, alg, params, usagesPriv = ["sign"]) {
	const priv = await subtle.importKey("jwk", jwk, params, true, usagesPriv);
	const pub = await subtle.importKey("jwk", pubJWK, params, true, ["verify"]);
	const input = enc({alg}) + "." + enc({sub: "1234567890", iat: 1516239022});
	const sig = await subtle.sign(params, priv, utf8(input));
	const ok = await subtle.verify(params, pub, sig, utf8(input));
	const tampered = await subtle.verify(params, pub, sig, utf8(input + "x"));
	const back = await subtle.exportKey("jwk", priv);
	const same = Object.keys(jwk).every((m) => JSON.stringify(back[m]) === JSON.stringify(jwk[m]));
	return [ok, tampered, same, back.ext, back.key_ops.join("+")].join();
}
`

func TestCryptoJoseFlows(t *testing.T) {
	m := hmac.New(sha256.New, []byte("secret"))
	m.Write([]byte("hono"))
	cookieSig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	cryptoRun(t, []webapiCase{
		{"HS256", joseSign + `return roundTrip({...` + hmacJWK + `, ext: true, key_ops: ["sign", "verify"]}, ` + hmacJWK + `, "HS256", {name: "HMAC", hash: "SHA-256"}, ["sign", "verify"])`,
			"true,false,true,true,sign+verify"},
		// RFC 7515 appendix A.3's key pair.
		{"ES256", joseSign + `const pub = {kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"};
			return roundTrip({...pub, d: "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}, pub, "ES256", {name: "ECDSA", namedCurve: "P-256", hash: "SHA-256"})`,
			"true,false,true,true,sign"},
		{"EdDSA", joseSign + `const pub = {kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"};
			return roundTrip({...pub, d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}, pub, "EdDSA", {name: "Ed25519"})`,
			"true,false,true,true,sign"},
		{"ES512GeneratedThenJWK", joseSign + `const params = {name: "ECDSA", namedCurve: "P-521", hash: "SHA-512"};
			const {privateKey} = await subtle.generateKey(params, true, ["sign", "verify"]);
			const {key_ops, ext, ...jwk} = await subtle.exportKey("jwk", privateKey);
			const {d, ...pub} = jwk;
			return [jwk.d.length, await roundTrip(jwk, pub, "ES512", params)].join()`, "88,true,false,true,true,sign"},
		{"RS256AndPS256GeneratedThenJWK", joseSign + `const out = [];
			for (const [alg, name, extra] of [["RS256", "RSASSA-PKCS1-v1_5", {}], ["PS256", "RSA-PSS", {saltLength: 32}]]) {
				const params = {name, hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), ...extra};
				const {privateKey} = await subtle.generateKey(params, true, ["sign", "verify"]);
				const {key_ops, ext, ...jwk} = await subtle.exportKey("jwk", privateKey);
				const {d, p, q, dp, dq, qi, ...pub} = jwk;
				out.push(jwk.alg, await roundTrip(jwk, pub, alg, params));
			}
			return out.join(" ")`, "RS256 true,false,true,true,sign PS256 true,false,true,true,sign"},
		{"RS256IsDeterministic", `const params = {name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1])};
			const {privateKey} = await subtle.generateKey(params, false, ["sign"]);
			const a = await subtle.sign(params, privateKey, utf8("x")), b = await subtle.sign(params, privateKey, utf8("x"));
			return [a.byteLength, hex(a) === hex(b)].join()`, "256,true"},
		{"SignedCookie", `// Hono's signed cookies: HMAC-SHA-256 over the value, base64.
			const k = await subtle.importKey("raw", utf8("secret"), {name: "HMAC", hash: {name: "SHA-256"}}, false, ["sign", "verify"]);
			const sig = await subtle.sign("HMAC", k, utf8("hono"));
			return btoa(String.fromCharCode(...new Uint8Array(sig)))`, cookieSig},
	})
}

func TestCryptoFormatsRoundTrip(t *testing.T) {
	cryptoRun(t, []webapiCase{
		{"SpkiAndPkcs8", `const out = [];
			const algs = [[{name: "ECDSA", namedCurve: "P-256"}, ["sign", "verify"]], [{name: "ECDH", namedCurve: "P-384"}, ["deriveBits"]],
				["Ed25519", ["sign", "verify"]], ["X25519", ["deriveBits"]],
				[{name: "RSA-OAEP", hash: "SHA-256", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1])}, ["encrypt", "decrypt"]]];
			for (const [alg, usages] of algs) {
				const {publicKey, privateKey} = await subtle.generateKey(alg, true, usages);
				const spki = await subtle.exportKey("spki", publicKey), pkcs8 = await subtle.exportKey("pkcs8", privateKey);
				const pub = await subtle.importKey("spki", spki, alg, true, publicKey.usages);
				const priv = await subtle.importKey("pkcs8", pkcs8, alg, true, privateKey.usages);
				const a = await subtle.exportKey("jwk", pub), b = await subtle.exportKey("jwk", publicKey);
				const c = await subtle.exportKey("jwk", priv), d = await subtle.exportKey("jwk", privateKey);
				out.push(JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(c) === JSON.stringify(d) && hex(await subtle.exportKey("spki", pub)) === hex(spki));
			}
			return out.join()`, "true,true,true,true,true"},
		{"RawECPoint", `const {publicKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-521"}, true, ["sign"]);
			const raw = new Uint8Array(await subtle.exportKey("raw", publicKey));
			const back = await subtle.importKey("raw", raw, {name: "ECDSA", namedCurve: "P-521"}, true, ["verify"]);
			return [raw.length, raw[0], hex(await subtle.exportKey("spki", back)) === hex(await subtle.exportKey("spki", publicKey))].join()`, "133,4,true"},
	})
}

func TestCryptoWrapAndDerive(t *testing.T) {
	cryptoRun(t, []webapiCase{
		{"WrapJWKWithAESGCM", `const kek = await subtle.generateKey({name: "AES-GCM", length: 256}, false, ["wrapKey", "unwrapKey", "decrypt"]);
			const {privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign"]);
			const alg = {name: "AES-GCM", iv: new Uint8Array(12)};
			const wrapped = await subtle.wrapKey("jwk", privateKey, kek, alg);
			const back = await subtle.unwrapKey("jwk", wrapped, kek, alg, {name: "ECDSA", namedCurve: "P-256"}, false, ["sign"]);
			const plain = JSON.parse(new TextDecoder().decode(await subtle.decrypt(alg, kek, wrapped)));
			return [back.type, back.extractable, plain.kty, plain.d === (await subtle.exportKey("jwk", privateKey)).d].join()`, "private,false,EC,true"},
		{"WrapWithRSAOAEP", `const {publicKey, privateKey} = await subtle.generateKey({name: "RSA-OAEP", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1])}, false, ["wrapKey", "unwrapKey"]);
			const key = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-CTR", true, ["encrypt"]);
			const alg = {name: "RSA-OAEP", label: utf8("L")};
			const wrapped = await subtle.wrapKey("raw", key, publicKey, alg);
			const back = await subtle.unwrapKey("raw", wrapped, privateKey, alg, "AES-CTR", true, ["encrypt"]);
			return [hex(await subtle.exportKey("raw", back)), await outcome(subtle.unwrapKey("raw", wrapped, privateKey, {name: "RSA-OAEP", label: utf8("M")}, "AES-CTR", true, ["encrypt"])),
				await outcome(subtle.wrapKey("raw", key, privateKey, alg))].join()`, "00112233445566778899aabbccddeeff,OperationError,InvalidAccessError"},
		{"WrapNeedsExtractable", `const kek = await subtle.generateKey({name: "AES-KW", length: 128}, false, ["wrapKey"]);
			const key = await subtle.generateKey({name: "AES-GCM", length: 128}, false, ["encrypt"]);
			return outcome(subtle.wrapKey("raw", key, kek, "AES-KW"))`, "InvalidAccessError"},
		{"PBKDF2ToAESGCM", `const base = await subtle.importKey("raw", utf8("correct horse"), "PBKDF2", false, ["deriveKey"]);
			const alg = {name: "PBKDF2", salt: utf8("NaCl"), iterations: 1000, hash: "SHA-256"};
			const k = await subtle.deriveKey(alg, base, {name: "AES-GCM", length: 256}, true, ["encrypt", "decrypt"]);
			const bits = await subtle.deriveBits(alg, await subtle.importKey("raw", utf8("correct horse"), "PBKDF2", false, ["deriveBits"]), 256);
			return [JSON.stringify(k.algorithm), hex(await subtle.exportKey("raw", k)) === hex(bits), await outcome(subtle.deriveBits(alg, base, 256))].join(" ")`,
			`{"name":"AES-GCM","length":256} true InvalidAccessError`},
		{"HKDFToHMAC", `const base = await subtle.importKey("raw", new Uint8Array(32), "HKDF", false, ["deriveKey"]);
			const alg = {name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: utf8("v1")};
			const a = await subtle.deriveKey(alg, base, {name: "HMAC", hash: "SHA-384"}, true, ["sign"]);
			const b = await subtle.deriveKey(alg, base, {name: "HMAC", hash: "SHA-256", length: 128}, true, ["sign"]);
			return [a.algorithm.length, (await subtle.exportKey("raw", a)).byteLength, b.algorithm.length, await outcome(subtle.deriveKey(alg, base, {name: "AES-GCM", length: 64}, true, ["encrypt"]))].join()`,
			"1024,128,128,OperationError"},
		{"ECDHBothSidesAgree", `const alg = {name: "ECDH", namedCurve: "P-256"};
			const a = await subtle.generateKey(alg, false, ["deriveKey", "deriveBits"]), b = await subtle.generateKey(alg, false, ["deriveKey"]);
			const ka = await subtle.deriveKey({name: "ECDH", public: b.publicKey}, a.privateKey, {name: "AES-GCM", length: 128}, false, ["encrypt"]);
			const kb = await subtle.deriveKey({name: "ECDH", public: a.publicKey}, b.privateKey, {name: "AES-GCM", length: 128}, false, ["decrypt"]);
			const iv = new Uint8Array(12), c = await subtle.encrypt({name: "AES-GCM", iv}, ka, utf8("hi"));
			const other = await subtle.generateKey({name: "ECDH", namedCurve: "P-384"}, false, ["deriveBits"]);
			return [new TextDecoder().decode(await subtle.decrypt({name: "AES-GCM", iv}, kb, c)),
				(await subtle.deriveBits({name: "ECDH", public: b.publicKey}, a.privateKey, null)).byteLength,
				await outcome(subtle.deriveBits({name: "ECDH", public: b.publicKey}, a.privateKey, 264)),
				await outcome(subtle.deriveBits({name: "ECDH", public: other.publicKey}, a.privateKey, 128)),
				await outcome(subtle.deriveBits({name: "ECDH", public: b.privateKey}, a.privateKey, 128)),
				await outcome(subtle.deriveBits({name: "ECDH", public: {}}, a.privateKey, 128))].join()`,
			"hi,32,OperationError,InvalidAccessError,InvalidAccessError,TypeError(not a DOMException)"},
		{"RSAOAEPRoundTrip", `const {publicKey, privateKey} = await subtle.generateKey({name: "RSA-OAEP", hash: "SHA-1", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1])}, false, ["encrypt", "decrypt"]);
			const c = await subtle.encrypt({name: "RSA-OAEP"}, publicKey, utf8("attack at dawn"));
			const c2 = await subtle.encrypt({name: "RSA-OAEP"}, publicKey, utf8("attack at dawn"));
			return [c.byteLength, hex(c) !== hex(c2), new TextDecoder().decode(await subtle.decrypt({name: "RSA-OAEP"}, privateKey, c)),
				await outcome(subtle.encrypt({name: "RSA-OAEP"}, publicKey, new Uint8Array(300)))].join()`, "256,true,attack at dawn,OperationError"},
		{"RSABounds", `const e = new Uint8Array([1, 0, 1]);
			return [await outcome(subtle.generateKey({name: "RSA-PSS", hash: "SHA-256", modulusLength: 8192, publicExponent: e}, true, ["sign"])),
				await outcome(subtle.generateKey({name: "RSA-PSS", hash: "SHA-256", modulusLength: 512, publicExponent: e}, true, ["sign"])),
				await outcome(subtle.generateKey({name: "RSA-PSS", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([3])}, true, ["sign"]))].join()`,
			"OperationError,OperationError,OperationError"},
	})
}
