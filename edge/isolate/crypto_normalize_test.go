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
			"Symbol(Symbol.iterator),Symbol(Symbol.iterator),length,0,length,1,length"},
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
