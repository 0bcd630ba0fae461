package isolate

import "testing"

// TestCryptoNormalize covers the fast paths of js/31-crypto.js's
// argument conversion: registered names looked up as given, other
// spellings folded, usages read by index from an ordinary array, and each
// falling back to the spec's full steps when user code could tell.
func TestCryptoNormalize(t *testing.T) {
	const hmac = `{name: "HMAC", hash: "SHA-256"}`
	cryptoRun(t, []webapiCase{
		{"NamesFoldASCIICase", `const k = await subtle.importKey("raw", utf8("k"), {name: "hMaC", hash: {name: "sha-256"}}, false, ["verify"]);
			return [k.algorithm.name, k.algorithm.hash.name].join()`, "HMAC,SHA-256"},
		{"NonASCIIDoesNotFold", `return outcome(subtle.digest("SHA-\u0130", utf8("")))`, "NotSupportedError"},
		{"PrototypeNamesAreNotAlgorithms", `return [await outcome(subtle.digest("constructor", utf8(""))), await outcome(subtle.digest("__proto__", utf8(""))),
			await outcome(subtle.importKey("raw", utf8("k"), {name: "HMAC", hash: "toString"}, false, ["sign"]))].join()`,
			"NotSupportedError,NotSupportedError,NotSupportedError"},
		{"NameToStringOnce", `let calls = 0; const name = {toString() { calls++; return "SHA-256" }};
			await subtle.digest({name}, utf8("")); return calls`, "1"},
		{"BadNameToStringTwice", `let calls = 0; const name = {toString() { calls++; return "nope" }};
			return (await outcome(subtle.digest({name}, utf8("")))) + calls`, "NotSupportedError2"},
		{"MembersReadInOrder", `const seen = []; const alg = new Proxy({name: "HMAC", hash: "SHA-256", length: 64}, {get(t, p) { seen.push(String(p)); return t[p] }});
			await subtle.importKey("raw", utf8("12345678"), alg, false, ["sign"]); return seen.join()`, "name,hash,length"},
		{"RequiredMemberMissing", `return outcome(subtle.importKey("raw", utf8("k"), {name: "HMAC"}, false, ["sign"]))`, "TypeError(not a DOMException)"},
		{"UsagesSortedAndUnique", `const k = await subtle.importKey("raw", utf8("k"), ` + hmac + `, false, ["verify", "sign", "verify"]);
			return k.usages.join()`, "sign,verify"},
		{"UsagesFromAnIterable", `const k = await subtle.importKey("raw", utf8("k"), ` + hmac + `, false, new Set(["verify"]));
			return k.usages.join()`, "verify"},
		{"UsagesHonourAPatchedIterator", `const values = Array.prototype[Symbol.iterator];
			Array.prototype[Symbol.iterator] = function* () { yield "sign" };
			try { const k = await subtle.importKey("raw", utf8("k"), ` + hmac + `, false, ["verify"]); return k.usages.join() }
			finally { Array.prototype[Symbol.iterator] = values }`, "sign"},
		{"UsagesHonourAPatchedNext", `const it = Object.getPrototypeOf([][Symbol.iterator]()), next = it.next;
			it.next = function () { const r = next.call(this); if (!r.done) r.value = "sign"; return r };
			try { const k = await subtle.importKey("raw", utf8("k"), ` + hmac + `, false, ["verify"]); return k.usages.join() }
			finally { it.next = next }`, "sign"},
		{"UsagesByIndexReadElementsInOrder", `const seen = [], u = ["sign", "verify"];
			const p = new Proxy(u, {get(t, k) { seen.push(String(k)); return t[k] }});
			await subtle.importKey("raw", utf8("k"), ` + hmac + `, false, p); return seen.join()`,
			"Symbol(Symbol.iterator),length,0,length,1,length"},
		{"BadUsage", `return outcome(subtle.importKey("raw", utf8("k"), ` + hmac + `, false, ["verify", "fly"]))`, "TypeError(not a DOMException)"},
		{"UsagesArePrivate", `const k = await subtle.importKey("raw", utf8("k"), ` + hmac + `, false, ["verify"]);
			k.usages.push("sign"); return [k.usages.join(), await outcome(subtle.sign("HMAC", k, utf8("x")))].join()`, "verify,sign,InvalidAccessError"},
		{"PairExtractability", `const {publicKey, privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, false, ["sign", "verify"]);
			return [publicKey.extractable, privateKey.extractable, publicKey.usages, privateKey.usages].join()`, "true,false,verify,sign"},
	})
}

// TestCryptoKeySlots: a CryptoKey's slots are a private field, so only
// keys the platform made have them: not an object made from its
// prototype, nor a Proxy of a key, nor a subclass instance.
func TestCryptoKeySlots(t *testing.T) {
	const key = `const k = await subtle.importKey("raw", utf8("k"), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);`
	cryptoRun(t, []webapiCase{
		{"GetterOnPrototype", `try { return Object.getOwnPropertyDescriptor(CryptoKey.prototype, "type").get.call(CryptoKey.prototype) } catch (e) { return e.name }`, "TypeError"},
		{"FromPrototype", `return outcome(subtle.sign("HMAC", Object.create(CryptoKey.prototype), utf8("x")))`, "TypeError(not a DOMException)"},
		{"Proxy", key + `return outcome(subtle.sign("HMAC", new Proxy(k, {}), utf8("x")))`, "TypeError(not a DOMException)"},
		{"Primitive", `return outcome(subtle.sign("HMAC", 1, utf8("x")))`, "TypeError(not a DOMException)"},
		{"Subclass", `class K extends CryptoKey {} try { new K(); return "constructed" } catch (e) { return e.name }`, "TypeError"},
		{"RealKey", key + `return [k.type, k.extractable, k.algorithm.name, k.usages.join(), (await subtle.sign("HMAC", k, utf8("x"))).byteLength].join()`, "secret,false,HMAC,sign,32"},
	})
}

// TestCryptoDataIsCopied: what a method was given is copied when it is
// called (by the Go hook, as an ArrayBuffer), so changing it afterwards,
// before the promise settles, changes nothing; every BufferSource kind is
// read at its own offset.
func TestCryptoDataIsCopied(t *testing.T) {
	cryptoRun(t, []webapiCase{
		{"SignThenChange", `const raw = utf8("key!"), data = utf8("hello"), hmac = {name: "HMAC", hash: "SHA-256"};
			const k = await subtle.importKey("raw", raw, hmac, false, ["sign"]); raw.fill(0);
			const want = hex(await subtle.sign("HMAC", await subtle.importKey("raw", utf8("key!"), hmac, false, ["sign"]), utf8("hello")));
			const p = subtle.sign("HMAC", k, data); data.fill(0); return hex(await p) === want`, "true"},
		{"VerifyThenChange", `const k = await subtle.importKey("raw", utf8("key!"), {name: "HMAC", hash: "SHA-256"}, false, ["sign", "verify"]);
			const data = utf8("hello"), sig = new Uint8Array(await subtle.sign("HMAC", k, data));
			const p = subtle.verify("HMAC", k, sig, data); sig.fill(0); data.fill(0); return await p`, "true"},
		{"ChangedWhileNormalizing", `const k = await subtle.importKey("raw", utf8("key!"), {name: "HMAC", hash: "SHA-256"}, false, ["sign", "verify"]);
			const want = hex(await subtle.sign("HMAC", k, utf8("hello"))), hash = utf8("hello");
			const data = utf8("hello"), alg = {get name() { data.fill(0); return "HMAC" }};
			const sig = hex(await subtle.sign(alg, k, data)); data.set(utf8("hello"));
			const ok = await subtle.verify({get name() { data.fill(0); return "HMAC" }}, k, unhex(want), data); data.set(utf8("hello"));
			const d = hex(await subtle.digest({get name() { data.fill(0); return "SHA-256" }}, data));
			return [sig === want, ok, d === hex(await subtle.digest("SHA-256", hash))].join()`, "true,true,true"},
		{"DigestSubarray", `const u = utf8("xhelloy"); return hex(await subtle.digest("SHA-256", u.subarray(1, 6))) === hex(await subtle.digest("SHA-256", utf8("hello")))`, "true"},
		{"DigestDataView", `const u = utf8("xhelloy"); return hex(await subtle.digest("SHA-256", new DataView(u.buffer, 1, 5))) === hex(await subtle.digest("SHA-256", utf8("hello")))`, "true"},
		{"NotABufferSource", `return [await outcome(subtle.digest("SHA-256", "hello")), await outcome(subtle.importKey("raw", [1, 2], "HKDF", false, ["deriveBits"]))].join()`,
			"TypeError(not a DOMException),TypeError(not a DOMException)"},
	})
}
