package isolate

import (
	"strings"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// cryptoPrologue gives every crypto case helpers: hex and base64url
// conversions, UTF-8 bytes, and what a promise settles to.
const cryptoPrologue = `
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array((s.match(/../g) || []).map((h) => parseInt(h, 16)));
const utf8 = (s) => new TextEncoder().encode(s);
const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64u = (s) => { const b = atob(s.replace(/-/g, "+").replace(/_/g, "/")), u = new Uint8Array(b.length); for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return u };
const outcome = (p) => p.then(() => "resolved", (e) => e.name + (e instanceof DOMException ? "" : "(not a DOMException)"));
const subtle = crypto.subtle;
`

// cryptoEval runs body as the body of an async function in an invocation,
// so that work done off the isolate (RSA key generation, PBKDF2) settles
// on the loop as in production. It gives what the body returned as a
// string, or "throws Name: message".
func cryptoEval(t *testing.T, body string) string {
	t.Helper()
	p := compile(t, cryptoPrologue+`return {default:{async fetch(){
		let out;
		try { out = String(await (async () => {`+body+"\n})()) } catch (e) { out = \"throws \" + e.name + \": \" + e.message }\n"+`
		return new Response(out) }}}`, schemas.Limits{WallMillis: 30000})
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return string(resp.Body)
}

// cryptoRun runs each case in its own program. A want ending in "*"
// matches any result it prefixes.
func cryptoRun(t *testing.T, cases []webapiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cryptoEval(t, c.body)
			if got != c.want && !(strings.HasSuffix(c.want, "*") && strings.HasPrefix(got, strings.TrimSuffix(c.want, "*"))) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

const hmacJWK = `{kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", alg: "HS256"}`

func TestCryptoKeyObject(t *testing.T) {
	cryptoRun(t, []webapiCase{
		{"InstanceAndTag", `const k = await subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
			return [k instanceof CryptoKey, k[Symbol.toStringTag], Object.prototype.toString.call(k)].join()`, "true,CryptoKey,[object CryptoKey]"},
		{"NotConstructible", `try { new CryptoKey(); return "constructed" } catch (e) { return e.name }`, "TypeError"},
		{"SubtleNotConstructible", `try { new SubtleCrypto(); return "constructed" } catch (e) { return e.name + " " + (crypto.subtle instanceof SubtleCrypto) }`, "TypeError true"},
		{"NoSecretOnTheObject", `const k = await subtle.importKey("raw", utf8("secret!"), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
			return [Object.getOwnPropertyNames(k).length, Object.getOwnPropertySymbols(k).length, JSON.stringify(k)].join()`, "0,0,{}"},
		{"HMACAlgorithm", `const k = await subtle.importKey("raw", new Uint8Array(20), {name: "hmac", hash: {name: "sha-384"}}, true, ["verify", "sign", "sign"]);
			return [k.type, k.extractable, JSON.stringify(k.algorithm), k.usages.join("+"), k.algorithm === k.algorithm].join(" ")`,
			`secret true {"name":"HMAC","hash":{"name":"SHA-384"},"length":160} sign+verify true`},
		{"HMACGeneratedLengthIsTheBlockSize", `const a = await subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
			const b = await subtle.generateKey({name: "HMAC", hash: "SHA-512"}, true, ["sign"]);
			return [a.algorithm.length, (await subtle.exportKey("raw", a)).byteLength, b.algorithm.length].join()`, "512,64,1024"},
		{"AESAlgorithm", `const k = await subtle.generateKey({name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"]);
			return JSON.stringify(k.algorithm) + " " + k.extractable`, `{"name":"AES-GCM","length":256} false`},
		{"ECPair", `const {publicKey, privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-384"}, false, ["sign", "verify"]);
			return [publicKey.type, publicKey.extractable, publicKey.usages, privateKey.type, privateKey.extractable, privateKey.usages, JSON.stringify(privateKey.algorithm)].join(" ")`,
			`public true verify private false sign {"name":"ECDSA","namedCurve":"P-384"}`},
		{"RSAPairIsMadeOffTheIsolate", `const {publicKey, privateKey} = await subtle.generateKey({name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"}, true, ["sign", "verify"]);
			const a = privateKey.algorithm;
			return [a.name, a.modulusLength, a.publicExponent instanceof Uint8Array, a.publicExponent.join("."), a.hash.name, publicKey.usages].join()`,
			"RSA-PSS,2048,true,1.0.1,SHA-256,verify"},
		{"Ed25519AndX25519", `const e = await subtle.generateKey("Ed25519", true, ["sign", "verify"]);
			const x = await subtle.generateKey({name: "X25519"}, true, ["deriveBits"]);
			return [e.privateKey.algorithm.name, e.publicKey.usages, x.publicKey.usages.length, x.privateKey.usages, (await subtle.exportKey("raw", x.publicKey)).byteLength].join()`,
			"Ed25519,verify,0,deriveBits,32"},
	})
}

func TestCryptoErrors(t *testing.T) {
	cryptoRun(t, []webapiCase{
		{"UnknownAlgorithm", `return outcome(subtle.generateKey({name: "AES-XTS", length: 128}, true, ["encrypt"]))`, "NotSupportedError"},
		{"AlgorithmNotForThatOperation", `return outcome(subtle.importKey("raw", new Uint8Array(16), "SHA-256", true, ["sign"]))`, "NotSupportedError"},
		{"KelvinSignIsNotK", `return outcome(subtle.generateKey({name: "AES-\u212AW", length: 128}, true, ["wrapKey"]))`, "NotSupportedError"},
		{"MissingMember", `return outcome(subtle.importKey("raw", new Uint8Array(16), {name: "HMAC"}, true, ["sign"]))`, "TypeError(not a DOMException)"},
		{"LengthOutOfRange", `return outcome(subtle.generateKey({name: "AES-CBC", length: 65536}, true, ["encrypt"]))`, "TypeError(not a DOMException)"},
		{"BadUsageValue", `return outcome(subtle.generateKey({name: "AES-CBC", length: 128}, true, ["fly"]))`, "TypeError(not a DOMException)"},
		{"BadFormat", `return outcome(subtle.importKey("der", new Uint8Array(16), "AES-CBC", true, ["encrypt"]))`, "TypeError(not a DOMException)"},
		{"UsageTheAlgorithmLacks", `return outcome(subtle.importKey("raw", new Uint8Array(16), "AES-GCM", true, ["sign"]))`, "SyntaxError"},
		{"NoUsagesOnASecretKey", `return outcome(subtle.importKey("raw", new Uint8Array(16), "AES-GCM", true, []))`, "SyntaxError"},
		{"PublicECDHKeyHasNoUsages", `const {publicKey} = await subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
			return outcome(subtle.importKey("raw", await subtle.exportKey("raw", publicKey), {name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]))`, "SyntaxError"},
		{"WrongUsage", `const k = await subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["verify"]);
			return outcome(subtle.sign("HMAC", k, utf8("x")))`, "InvalidAccessError"},
		{"WrongAlgorithmForTheKey", `const k = await subtle.generateKey({name: "AES-CBC", length: 128}, true, ["encrypt"]);
			return outcome(subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(12)}, k, utf8("x")))`, "InvalidAccessError"},
		{"PublicKeyCannotSign", `const {publicKey} = await subtle.generateKey("Ed25519", true, ["sign", "verify"]);
			return outcome(subtle.sign("Ed25519", publicKey, utf8("x")))`, "InvalidAccessError"},
		{"NotExtractable", `const k = await subtle.generateKey({name: "AES-KW", length: 128}, false, ["wrapKey"]);
			return outcome(subtle.exportKey("raw", k))`, "InvalidAccessError"},
		{"PrivateKeyAsRaw", `const {privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign"]);
			return outcome(subtle.exportKey("raw", privateKey))`, "InvalidAccessError"},
		{"SecretKeyAsSpki", `const k = await subtle.generateKey({name: "HMAC", hash: "SHA-1"}, true, ["sign"]);
			return outcome(subtle.exportKey("spki", k))`, "NotSupportedError"},
		{"PBKDF2KeyIsNeverExported", `const k = await subtle.importKey("raw", utf8("pw"), "PBKDF2", false, ["deriveBits"]);
			return [await outcome(subtle.exportKey("raw", k)), await outcome(subtle.importKey("raw", utf8("pw"), "PBKDF2", true, ["deriveBits"]))].join()`, "NotSupportedError,SyntaxError"},
		{"AESKeyOfTheWrongSize", `return outcome(subtle.importKey("raw", new Uint8Array(17), "AES-CTR", true, ["encrypt"]))`, "DataError"},
		{"AESLengthNotSupported", `return outcome(subtle.generateKey({name: "AES-CTR", length: 100}, true, ["encrypt"]))`, "OperationError"},
		{"BadSpki", `return outcome(subtle.importKey("spki", new Uint8Array([48, 3, 2, 1, 0]), {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]))`, "DataError"},
		{"SpkiOfAnotherCurve", `const {publicKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-384"}, true, ["sign"]);
			return outcome(subtle.importKey("spki", await subtle.exportKey("spki", publicKey), {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]))`, "DataError"},
		{"UnsupportedCurve", `return outcome(subtle.generateKey({name: "ECDSA", namedCurve: "P-192"}, true, ["sign"]))`, "NotSupportedError"},
		{"DecryptFailureIsOperationError", `const k = await subtle.generateKey({name: "AES-GCM", length: 128}, true, ["encrypt", "decrypt"]);
			const iv = new Uint8Array(12), c = new Uint8Array(await subtle.encrypt({name: "AES-GCM", iv}, k, utf8("hello")));
			c[0] ^= 1;
			return outcome(subtle.decrypt({name: "AES-GCM", iv}, k, c))`, "OperationError"},
		{"KeyMustBeACryptoKey", `return outcome(subtle.sign("HMAC", {type: "secret"}, utf8("x")))`, "TypeError(not a DOMException)"},
		{"ErrorsAreRejectionsNotThrows", `const p = subtle.importKey("jwk", {}, "AES-GCM", true, ["encrypt"]); return (p instanceof Promise) + " " + await outcome(p)`, "true DataError"},
	})
}

func TestCryptoJWKChecks(t *testing.T) {
	const ec = `{kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`
	cryptoRun(t, []webapiCase{
		{"WrongKty", `return outcome(subtle.importKey("jwk", {kty: "EC", k: "AAAAAAAAAAAAAAAAAAAAAA"}, "AES-GCM", true, ["encrypt"]))`, "DataError"},
		{"MissingK", `return outcome(subtle.importKey("jwk", {kty: "oct"}, "AES-GCM", true, ["encrypt"]))`, "DataError"},
		{"BadBase64url", `return outcome(subtle.importKey("jwk", {kty: "oct", k: "AAAA*AAA"}, "AES-GCM", true, ["encrypt"]))`, "DataError"},
		{"AlgOfAnotherSize", `return outcome(subtle.importKey("jwk", {kty: "oct", k: "AAAAAAAAAAAAAAAAAAAAAA", alg: "A256GCM"}, "AES-GCM", true, ["encrypt"]))`, "DataError"},
		{"AlgOfAnotherHash", `return outcome(subtle.importKey("jwk", {...` + hmacJWK + `, alg: "HS512"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"]))`, "DataError"},
		{"UseEncForSigning", `return outcome(subtle.importKey("jwk", {...` + hmacJWK + `, use: "enc"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"]))`, "DataError"},
		{"UseIgnoredWithoutUsages", `return outcome(subtle.importKey("jwk", {...` + ec + `, use: "enc"}, {name: "ECDSA", namedCurve: "P-256"}, true, []))`, "resolved"},
		{"KeyOpsMissingAUsage", `return outcome(subtle.importKey("jwk", {...` + hmacJWK + `, key_ops: ["verify"]}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"]))`, "DataError"},
		{"KeyOpsDuplicate", `return outcome(subtle.importKey("jwk", {...` + hmacJWK + `, key_ops: ["sign", "sign"]}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"]))`, "DataError"},
		{"ExtFalseButExtractable", `return [await outcome(subtle.importKey("jwk", {...` + hmacJWK + `, ext: false}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])),
			await outcome(subtle.importKey("jwk", {...` + hmacJWK + `, ext: false}, {name: "HMAC", hash: "SHA-256"}, false, ["sign"]))].join()`, "DataError,resolved"},
		{"CrvMismatch", `return outcome(subtle.importKey("jwk", ` + ec + `, {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"]))`, "DataError"},
		{"PointNotOnCurve", `return outcome(subtle.importKey("jwk", {...` + ec + `, y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5b0"}, {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]))`, "DataError"},
		{"ECDSAAlgMismatch", `return outcome(subtle.importKey("jwk", {...` + ec + `, alg: "ES384"}, {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]))`, "DataError"},
		{"PrivateDMismatch", `return outcome(subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519", d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", x: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "Ed25519", true, ["sign"]))`, "DataError"},
		{"EdDSAAlgAccepted", `const k = await subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519", alg: "EdDSA", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}, "Ed25519", true, ["verify"]);
			return [JSON.stringify(await subtle.exportKey("jwk", k)), await outcome(subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519", alg: "ES256", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}, "Ed25519", true, ["verify"]))].join(" ")`,
			`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","key_ops":["verify"],"ext":true} DataError`},
		{"ExportOrderEC", `const {privateKey} = await subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
			return Object.keys(await subtle.exportKey("jwk", privateKey)).join()`, "kty,crv,x,y,d,key_ops,ext"},
		{"OKPCrvMismatch", `return outcome(subtle.importKey("jwk", {kty: "OKP", crv: "X25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}, "Ed25519", true, ["verify"]))`, "DataError"},
		{"NotAnObject", `return outcome(subtle.importKey("jwk", "{}", "AES-GCM", true, ["encrypt"]))`, "TypeError(not a DOMException)"},
		{"BufferForJwk", `return outcome(subtle.importKey("jwk", new Uint8Array(16), "AES-GCM", true, ["encrypt"]))`, "TypeError(not a DOMException)"},
		{"ObjectForRaw", `return outcome(subtle.importKey("raw", {kty: "oct"}, "AES-GCM", true, ["encrypt"]))`, "TypeError(not a DOMException)"},
		{"ExportAddsKeyOpsAndExt", `const k = await subtle.importKey("jwk", ` + hmacJWK + `, {name: "HMAC", hash: "SHA-256"}, true, ["verify", "sign"]);
			return JSON.stringify(await subtle.exportKey("jwk", k))`,
			`{"kty":"oct","alg":"HS256","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","key_ops":["sign","verify"],"ext":true}`},
	})
}
