package isolate

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Published vectors, each checked through crypto.subtle as a function
// would use it.

func TestCryptoHMACRFC4231(t *testing.T) {
	// RFC 4231 section 4: test cases 1, 2, 3, 4, 6 and 7 (case 5 is a
	// truncated output, which Web Crypto does not do).
	type tc struct{ key, data, sha256, sha384, sha512 string }
	long := strings.Repeat("aa", 131)
	cases := map[string]tc{
		"Case1": {strings.Repeat("0b", 20), "4869205468657265",
			"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
			"afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
			"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
		"Case2": {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
			"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
			"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
		"Case3": {strings.Repeat("aa", 20), strings.Repeat("dd", 50),
			"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
			"88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
			"fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
		"Case4": {"0102030405060708090a0b0c0d0e0f10111213141516171819", strings.Repeat("cd", 50),
			"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
			"3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
			"b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
		"Case6": {long, "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
			"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
			"4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
			"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
		"Case7": {long, "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
			"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
			"6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
			"e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
	}
	var list []webapiCase
	for name, c := range cases {
		list = append(list, webapiCase{name, `const out = [];
			for (const [hash, want] of [["SHA-256", "` + c.sha256 + `"], ["SHA-384", "` + c.sha384 + `"], ["SHA-512", "` + c.sha512 + `"]]) {
				const k = await subtle.importKey("raw", unhex("` + c.key + `"), {name: "HMAC", hash}, false, ["sign", "verify"]);
				const sig = await subtle.sign("HMAC", k, unhex("` + c.data + `"));
				const bad = new Uint8Array(sig).slice(); bad[5] ^= 0x10;
				out.push(hex(sig) === want, await subtle.verify("HMAC", k, unhex(want), unhex("` + c.data + `")), await subtle.verify("HMAC", k, bad, unhex("` + c.data + `")));
			}
			return out.join()`, "true,true,false,true,true,false,true,true,false"})
	}
	cryptoRun(t, list)
}

func TestCryptoPBKDF2Vectors(t *testing.T) {
	derive := func(pw, salt, hash string, iter, bits int, want string) webapiCase {
		return webapiCase{hash + "/" + pw + "/" + strconv.Itoa(iter), `const k = await subtle.importKey("raw", utf8("` + pw + `"), "PBKDF2", false, ["deriveBits"]);
			return hex(await subtle.deriveBits({name: "PBKDF2", hash: "` + hash + `", salt: utf8("` + salt + `"), iterations: ` + strconv.Itoa(iter) + `}, k, ` + strconv.Itoa(bits) + `))`, want}
	}
	cryptoRun(t, []webapiCase{
		// RFC 6070 section 2.
		derive("password", "salt", "SHA-1", 1, 160, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
		derive("password", "salt", "SHA-1", 2, 160, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
		derive("password", "salt", "SHA-1", 4096, 160, "4b007901b765489abead49d926f721d065a429c1"),
		derive("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", "SHA-1", 4096, 200, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"),
		// RFC 7914 section 11.
		derive("passwd", "salt", "SHA-256", 1, 512, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
		derive("Password", "NaCl", "SHA-256", 80000, 512, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"),
		{"IterationsOverTheBound", `const k = await subtle.importKey("raw", utf8("password"), "PBKDF2", false, ["deriveBits"]);
			return outcome(subtle.deriveBits({name: "PBKDF2", hash: "SHA-1", salt: utf8("salt"), iterations: 16777216}, k, 160))`, "NotSupportedError"},
		{"ZeroIterations", `const k = await subtle.importKey("raw", utf8("password"), "PBKDF2", false, ["deriveBits"]);
			return outcome(subtle.deriveBits({name: "PBKDF2", hash: "SHA-1", salt: utf8("salt"), iterations: 0}, k, 160))`, "OperationError"},
		{"LengthNotAByteMultiple", `const k = await subtle.importKey("raw", utf8("password"), "PBKDF2", false, ["deriveBits"]);
			return outcome(subtle.deriveBits({name: "PBKDF2", hash: "SHA-1", salt: utf8("salt"), iterations: 1}, k, 161))`, "OperationError"},
		{"TooManyAtOnce", `const k = await subtle.importKey("raw", utf8("password"), "PBKDF2", false, ["deriveBits"]);
			const all = [];
			for (let i = 0; i < 40; i++) all.push(outcome(subtle.deriveBits({name: "PBKDF2", hash: "SHA-512", salt: utf8("salt"), iterations: 10000}, k, 512)));
			const names = await Promise.all(all);
			return names.includes("QuotaExceededError") && names.includes("resolved")`, "true"},
	})
}

func TestCryptoHKDFRFC5869(t *testing.T) {
	hkdf := func(name, hash, ikm, salt, info string, bits int, want string) webapiCase {
		return webapiCase{name, `const k = await subtle.importKey("raw", unhex("` + ikm + `"), "HKDF", false, ["deriveBits"]);
			return hex(await subtle.deriveBits({name: "HKDF", hash: "` + hash + `", salt: unhex("` + salt + `"), info: unhex("` + info + `")}, k, ` + strconv.Itoa(bits) + `))`, want}
	}
	ikm := strings.Repeat("0b", 22)
	cryptoRun(t, []webapiCase{
		hkdf("A1", "SHA-256", ikm, "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 336,
			"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
		hkdf("A3", "SHA-256", ikm, "", "", 336,
			"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
		hkdf("A4", "SHA-1", strings.Repeat("0b", 11), "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 336,
			"085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"),
		{"NullLength", `const k = await subtle.importKey("raw", new Uint8Array(8), "HKDF", false, ["deriveBits"]);
			return outcome(subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array()}, k, null))`, "OperationError"},
		{"TooLong", `const k = await subtle.importKey("raw", new Uint8Array(8), "HKDF", false, ["deriveBits"]);
			return outcome(subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array()}, k, 256 * 8 * 32))`, "OperationError"},
	})
}

func TestCryptoEd25519Vectors(t *testing.T) {
	cryptoRun(t, []webapiCase{
		// RFC 8032 section 7.1, TEST 1 (empty message).
		{"RFC8032Test1", `const jwk = {kty: "OKP", crv: "Ed25519", d: b64u(unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")),
				x: b64u(unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))};
			const k = await subtle.importKey("jwk", jwk, "Ed25519", false, ["sign"]);
			const pub = await subtle.importKey("raw", unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), "Ed25519", true, ["verify"]);
			const sig = hex(await subtle.sign("Ed25519", k, new Uint8Array()));
			return [sig, await subtle.verify("Ed25519", pub, unhex(sig), new Uint8Array()), await subtle.verify("Ed25519", pub, unhex(sig), new Uint8Array(1))].join()`,
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b,true,false"},
		// RFC 8037 appendix A.1 key and A.4 JWS.
		{"RFC8037A4", `const jwk = {kty: "OKP", crv: "Ed25519", d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"};
			const k = await subtle.importKey("jwk", jwk, {name: "Ed25519"}, true, ["sign"]);
			const input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
			const pkcs8 = await subtle.exportKey("pkcs8", k);
			const again = await subtle.importKey("pkcs8", pkcs8, "Ed25519", true, ["sign"]);
			return [b64u(await subtle.sign("Ed25519", k, utf8(input))), b64u(await subtle.sign("Ed25519", again, utf8(input)))].join()`,
			"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg,hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"},
	})
}

func TestCryptoJWSRFC7515(t *testing.T) {
	cryptoRun(t, []webapiCase{
		// Appendix A.1: HS256.
		{"A1HS256", `const k = await subtle.importKey("jwk", ` + hmacJWK + `, {name: "HMAC", hash: "SHA-256"}, false, ["sign", "verify"]);
			const input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
			return b64u(await subtle.sign("HMAC", k, utf8(input))) + " " + await subtle.verify("HMAC", k, unb64u("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), utf8(input))`,
			"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk true"},
		// Appendix A.3: ES256, verified (ECDSA signatures are randomised).
		{"A3ES256", `const jwk = {kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"};
			const k = await subtle.importKey("jwk", jwk, {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]);
			const input = utf8("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ");
			const sig = unb64u("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
			const flipped = sig.slice(); flipped[40] ^= 1;
			const alg = {name: "ECDSA", hash: "SHA-256"};
			return [await subtle.verify(alg, k, sig, input), await subtle.verify(alg, k, flipped, input), await subtle.verify(alg, k, sig.slice(1), input),
				await subtle.verify({name: "ECDSA", hash: "SHA-384"}, k, sig, input)].join()`, "true,false,false,false"},
	})
}

func TestCryptoAESVectors(t *testing.T) {
	const sp800key = "2b7e151628aed2a6abf7158809cf4f3c"
	const sp800pt = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
	gcmKey, gcmPT := "feffe9928665731c6d6a8f9467308308", "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
	gcmAD := "feedfacedeadbeeffeedfacedeadbeefabaddad2"
	cryptoRun(t, []webapiCase{
		// McGrew and Viega, "The Galois/Counter Mode of Operation", test
		// cases 4 (96-bit iv, additional data) and 6 (60-byte iv).
		{"GCMTestCase4", `const k = await subtle.importKey("raw", unhex("` + gcmKey + `"), "AES-GCM", false, ["encrypt", "decrypt"]);
			const alg = {name: "AES-GCM", iv: unhex("cafebabefacedbaddecaf888"), additionalData: unhex("` + gcmAD + `")};
			const c = await subtle.encrypt(alg, k, unhex("` + gcmPT + `"));
			const c96 = await subtle.encrypt({...alg, tagLength: 96}, k, unhex("` + gcmPT + `"));
			return [hex(c), hex(c96).slice(-24), hex(await subtle.decrypt(alg, k, c)) === "` + gcmPT + `",
				await outcome(subtle.decrypt({...alg, additionalData: new Uint8Array()}, k, c))].join(" ")`,
			"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47 5bc94fbc3221a5db94fae95a true OperationError"},
		{"GCMTestCase6", `const k = await subtle.importKey("raw", unhex("` + gcmKey + `"), "AES-GCM", false, ["encrypt"]);
			const iv = unhex("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b");
			return hex(await subtle.encrypt({name: "AES-GCM", iv, additionalData: unhex("` + gcmAD + `")}, k, unhex("` + gcmPT + `")))`,
			"8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5619cc5aefffe0bfa462af43c1699d050"},
		// Shorter tags are the full tag's leftmost bits, with any iv.
		{"GCMShortTags", `const k = await subtle.importKey("raw", unhex("` + gcmKey + `"), "AES-GCM", false, ["encrypt", "decrypt"]);
			const iv = unhex("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b");
			const alg = {name: "AES-GCM", iv, additionalData: unhex("` + gcmAD + `")}, out = [];
			for (const tagLength of [32, 64, 96, 120]) {
				const c = new Uint8Array(await subtle.encrypt({...alg, tagLength}, k, unhex("` + gcmPT + `")));
				const opened = hex(await subtle.decrypt({...alg, tagLength}, k, c)) === "` + gcmPT + `";
				const bad = c.slice(); bad[bad.length - 1] ^= 1;
				const badText = c.slice(); badText[0] ^= 1;
				out.push(hex(c.slice(60)), opened, await outcome(subtle.decrypt({...alg, tagLength}, k, bad)), await outcome(subtle.decrypt({...alg, tagLength}, k, badText)),
					await outcome(subtle.decrypt({...alg, tagLength, additionalData: new Uint8Array()}, k, c)));
			}
			return out.join(" ")`,
			"619cc5ae true OperationError OperationError OperationError 619cc5aefffe0bfa true OperationError OperationError OperationError " +
				"619cc5aefffe0bfa462af43c true OperationError OperationError OperationError 619cc5aefffe0bfa462af43c1699d0 true OperationError OperationError OperationError"},
		{"GCMBadTagLength", `const k = await subtle.generateKey({name: "AES-GCM", length: 128}, false, ["encrypt"]);
			return outcome(subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(12), tagLength: 100}, k, new Uint8Array(1)))`, "OperationError"},
		// NIST SP 800-38A F.2.1 (CBC-AES128) and F.5.1 (CTR-AES128).
		{"CBCSP80038A", `const k = await subtle.importKey("raw", unhex("` + sp800key + `"), "AES-CBC", false, ["encrypt", "decrypt"]);
			const alg = {name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f")};
			const c = await subtle.encrypt(alg, k, unhex("` + sp800pt + `"));
			const bad = new Uint8Array(c).slice(); bad[bad.length - 1] ^= 1;
			return [hex(c).slice(0, 128), c.byteLength, hex(await subtle.decrypt(alg, k, c)) === "` + sp800pt + `", await outcome(subtle.decrypt(alg, k, bad)),
				await outcome(subtle.encrypt({name: "AES-CBC", iv: new Uint8Array(8)}, k, new Uint8Array(1)))].join(" ")`,
			"7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7 80 true OperationError OperationError"},
		{"CTRSP80038A", `const k = await subtle.importKey("raw", unhex("` + sp800key + `"), "AES-CTR", false, ["encrypt", "decrypt"]);
			const alg = {name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 64};
			const c = await subtle.encrypt(alg, k, unhex("` + sp800pt + `"));
			return hex(c) + " " + (hex(await subtle.decrypt(alg, k, c)) === "` + sp800pt + `")`,
			"874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee true"},
		// Only the rightmost length bits count: with length 8 the block
		// after ...ff uses ...00, not a carry into the byte before.
		{"CTRCounterWrapsWithinLength", `const k = await subtle.importKey("raw", unhex("` + sp800key + `"), "AES-CTR", false, ["encrypt"]);
			const two = await subtle.encrypt({name: "AES-CTR", counter: unhex("000000000000000000000000000000ff"), length: 8}, k, new Uint8Array(32));
			const wrapped = await subtle.encrypt({name: "AES-CTR", counter: unhex("00000000000000000000000000000000"), length: 8}, k, new Uint8Array(16));
			const carried = await subtle.encrypt({name: "AES-CTR", counter: unhex("00000000000000000000000000000100"), length: 8}, k, new Uint8Array(16));
			return [hex(two).slice(32) === hex(wrapped), hex(two).slice(32) === hex(carried),
				await outcome(subtle.encrypt({name: "AES-CTR", counter: new Uint8Array(16), length: 1}, k, new Uint8Array(33))),
				await outcome(subtle.encrypt({name: "AES-CTR", counter: new Uint8Array(16), length: 0}, k, new Uint8Array(1)))].join()`,
			"true,false,OperationError,OperationError"},
		// RFC 3394 sections 4.1 and 4.6.
		{"KWRFC3394", `const kek = await subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
			const key = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
			const wrapped = await subtle.wrapKey("raw", key, kek, "AES-KW");
			const back = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["encrypt"]);
			const bad = new Uint8Array(wrapped).slice(); bad[0] ^= 1;
			const kek256 = await subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), "AES-KW", false, ["wrapKey"]);
			const key256 = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f"), "AES-CBC", true, ["encrypt"]);
			return [hex(wrapped), hex(await subtle.exportKey("raw", back)), await outcome(subtle.unwrapKey("raw", bad, kek, "AES-KW", "AES-GCM", true, ["encrypt"])),
				hex(await subtle.wrapKey("raw", key256, kek256, {name: "AES-KW"}))].join(" ")`,
			"1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5 00112233445566778899aabbccddeeff OperationError 28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"},
		{"KWIsNotForEncrypt", `const kek = await subtle.importKey("raw", new Uint8Array(16), "AES-KW", false, ["wrapKey"]);
			return outcome(subtle.encrypt("AES-KW", kek, new Uint8Array(16)))`, "NotSupportedError"},
	})
}

func TestCryptoX25519RFC7748(t *testing.T) {
	cryptoRun(t, []webapiCase{
		// RFC 7748 section 6.1.
		{"SharedSecret", `const alicePriv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", alicePub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
			const bobPub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
			const priv = await subtle.importKey("jwk", {kty: "OKP", crv: "X25519", d: b64u(unhex(alicePriv)), x: b64u(unhex(alicePub))}, "X25519", false, ["deriveBits"]);
			const pub = await subtle.importKey("raw", unhex(bobPub), "X25519", true, []);
			return [hex(await subtle.deriveBits({name: "X25519", public: pub}, priv, 256)), hex(await subtle.deriveBits({name: "X25519", public: pub}, priv, 12))].join()`,
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742,4a50"},
		{"SmallOrderPoint", `const {privateKey} = await subtle.generateKey("X25519", false, ["deriveBits"]);
			const zero = await subtle.importKey("raw", new Uint8Array(32), "X25519", true, []);
			return outcome(subtle.deriveBits({name: "X25519", public: zero}, privateKey, 256))`, "OperationError"},
	})
}

// TestCryptoRSAPSSVectors verifies, and signs and re-verifies, with the
// PKCS #1 v2.1 RSASSA-PSS vectors (testdata/crypto/rsa_pss_vectors.json),
// importing each key as a JWK.
func TestCryptoRSAPSSVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/crypto/rsa_pss_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Examples []struct {
			Name       string
			JWK        map[string]string
			Signatures []struct {
				Message   string `json:"message"`
				Signature string `json:"signature"`
			}
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	var cases []webapiCase
	for _, ex := range file.Examples {
		jwk, _ := json.Marshal(ex.JWK)
		sigs, _ := json.Marshal(ex.Signatures)
		cases = append(cases, webapiCase{ex.Name, `const jwk = ` + string(jwk) + `, sigs = ` + string(sigs) + `;
			const alg = {name: "RSA-PSS", hash: "SHA-1"}, pss = {name: "RSA-PSS", saltLength: 20};
			const priv = await subtle.importKey("jwk", jwk, alg, true, ["sign"]);
			const {d, p, q, dp, dq, qi, ...pubJWK} = jwk;
			const pub = await subtle.importKey("jwk", pubJWK, alg, true, ["verify"]);
			const out = [];
			for (const {message, signature} of sigs) {
				out.push(await subtle.verify(pss, pub, unhex(signature), unhex(message)));
				out.push(await subtle.verify({...pss, saltLength: 32}, pub, unhex(signature), unhex(message)));
				out.push(await subtle.verify(pss, pub, await subtle.sign(pss, priv, unhex(message)), unhex(message)));
			}
			const back = await subtle.exportKey("jwk", priv);
			out.push(Object.keys(jwk).every((m) => back[m] === jwk[m]) && back.alg === "PS1");
			return out.join()`, "true,false,true,true,false,true,true,false,true,true"})
	}
	cryptoRun(t, cases)
}
