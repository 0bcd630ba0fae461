package isolate

import (
	"encoding/json"
	"os"
	"testing"
)

// TestCryptoWPTECDSAVectors verifies the web-platform-tests ECDSA vectors
// (testdata/crypto/wpt_ecdsa_vectors.json, their data as hex): each valid
// signature verifies, and not over a changed message; each of the invalid
// ones (truncated, wrong hash, r and s padded, empty) is false, not an
// error.
func TestCryptoWPTECDSAVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/crypto/wpt_ecdsa_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	type vector struct{ Name, Curve, Hash, Spki, Plaintext, Signature string }
	var file struct{ Valid, Invalid []vector }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	check := func(v vector, want string) webapiCase {
		return webapiCase{v.Name, `const key = await subtle.importKey("spki", unhex("` + v.Spki + `"), {name: "ECDSA", namedCurve: "` + v.Curve + `"}, false, ["verify"]);
			const alg = {name: "ECDSA", hash: "` + v.Hash + `"}, data = unhex("` + v.Plaintext + `"), sig = unhex("` + v.Signature + `");
			const changed = data.slice(); changed[0] ^= 1;
			return [await subtle.verify(alg, key, sig, data), await subtle.verify(alg, key, sig, changed)].join()`, want}
	}
	var cases []webapiCase
	for _, v := range file.Valid {
		cases = append(cases, check(v, "true,false"))
	}
	for _, v := range file.Invalid {
		cases = append(cases, check(v, "false,false"))
	}
	cryptoRun(t, cases)
}
