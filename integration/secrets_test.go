package integration

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// TestSecretsAtRest deploys a function whose name, code, routes and vars
// carry random markers, serves it across a restart, and then requires
// that no file of the node or of the operator holds a marker or a private
// key seed in any encoding.
func TestSecretsAtRest(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)

	t.Run("WrongPassphraseServeFails", func(t *testing.T) {
		right := e.passphrase
		e.passphrase = "not the passphrase"
		defer func() { e.passphrase = right }()
		_, errs, code := e.vault("", "serve", "--data", e.data, "--listen", freeAddr(t), "--nats-listen", freeAddr(t))
		if code == 0 || !strings.Contains(errs, "wrong passphrase") || !strings.Contains(errs, "node.key") {
			t.Fatalf("serve with a wrong passphrase: exit %d, stderr %q", code, errs)
		}
	})
	name, code, route, value := marker(), marker(), marker(), marker()
	fn := e.writeFunction("secret", map[string]string{
		"vault.yaml": "name: " + name + "\nentry: index.ts\nroutes: [/" + route + "]\nvars:\n  SECRET: " + value + "\n",
		"index.ts": `const tag: string = "` + code + `";
export default {
  fetch(_req: Request, env: { SECRET: string }): Response {
    return new Response(tag + " " + env.SECRET);
  },
};
`,
	})
	n := e.serve(nodeOptions{})
	t.Run("WrongPassphraseDeployFails", func(t *testing.T) {
		right := e.passphrase
		e.passphrase = "not the passphrase"
		defer func() { e.passphrase = right }()
		fn := e.writeFunction("never", map[string]string{
			"vault.yaml": "name: never\nentry: index.js\nroutes: [/never]\n",
			"index.js":   `export default { fetch() { return new Response("never") } };`,
		})
		_, errs, code := e.vault(n.server(), "deploy", fn)
		if code == 0 || !strings.Contains(errs, "wrong passphrase") || !strings.Contains(errs, "operator.key") {
			t.Fatalf("deploy with a wrong passphrase: exit %d, stderr %q", code, errs)
		}
	})

	e.mustVault(n.server(), "deploy", fn)
	e.mustVault(n.server(), "activate", name+"@v1")
	want := code + " " + value
	if r := get(t, h2cClient(), "http://"+n.h2c+"/"+route); r.status != 200 || r.body != want {
		t.Fatalf("got %d %q, want %q", r.status, r.body, want)
	}
	n.stop()

	// A restart reads all of it back: the sealed state and artifact
	// cache from pebble, the encrypted streams from JetStream.
	n = e.serve(nodeOptions{})
	if r := get(t, h2cClient(), "http://"+n.h2c+"/"+route); r.status != 200 || r.body != want {
		t.Fatalf("after a restart: got %d %q, want %q", r.status, r.body, want)
	}
	n.stop()

	secrets := leaks{}
	for what, m := range map[string]string{"name": name, "code": code, "route": route, "var": value} {
		for enc, b := range encodings([]byte(m)) {
			secrets.add(what+" marker ("+enc+")", b)
		}
	}
	for _, path := range []string{filepath.Join(e.config, "operator.key"), filepath.Join(e.data, "node.key")} {
		seed := e.keySeed(path)
		for enc, b := range encodings(seed) {
			secrets.add("seed of "+filepath.Base(path)+" ("+enc+")", b)
		}
	}
	files := 0
	for _, dir := range []string{e.data, e.config} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			if what, at, ok := secrets.find(data); ok {
				t.Errorf("%s holds the %s at offset %d", path, what, at)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 10 {
		t.Fatalf("walked only %d files: is the data directory where the test thinks?", files)
	}
}

// TestInsecurePlaintextKeys checks that plaintext keys work and that the
// CLI says so loudly at init and at every load.
func TestInsecurePlaintextKeys(t *testing.T) {
	e := newEnv(t)
	e.passphrase = ""
	_, errs, code := e.vault("", "init", "--data", e.data, "--insecure-plaintext-keys")
	if code != 0 || !strings.Contains(errs, "UNENCRYPTED") {
		t.Fatalf("init: exit %d, stderr %q", code, errs)
	}
	var kf struct{ Seed []byte }
	if data, err := os.ReadFile(filepath.Join(e.data, "node.key")); err != nil || json.Unmarshal(data, &kf) != nil || len(kf.Seed) != 32 {
		t.Fatalf("node.key is not a plaintext key file: %v", err)
	}
	n := e.serve(nodeOptions{})
	n.waitLog(t, "node.key holds an UNENCRYPTED private key")
	fn := e.writeFunction("p", map[string]string{
		"vault.yaml": "name: p\nentry: index.js\nroutes: [/p]\n",
		"index.js":   `export default { fetch() { return new Response("p") } };`,
	})
	_, errs, code = e.vault(n.server(), "deploy", fn)
	if code != 0 || !strings.Contains(errs, "operator.key holds an UNENCRYPTED private key") {
		t.Fatalf("deploy: exit %d, stderr %q", code, errs)
	}
	n.stop()
}

// marker is a random string that appears nowhere by chance (and is short
// enough for a function name).
func marker() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "marker-" + hex.EncodeToString(b)
}

// leakWindow is how long a piece of a secret must be to count as found.
// Finding any piece, not only the whole, matters because pebble
// compresses its blocks: a plaintext value may be stored with parts of it
// replaced by references to earlier bytes (the "marker-" prefix, or a
// few characters that happen to repeat), but never all of its pieces.
const leakWindow = 16

// leaks maps every leakWindow-byte piece of the secrets to what it is.
type leaks map[string]string

func (l leaks) add(what string, b []byte) {
	for i := 0; i+leakWindow <= len(b); i++ {
		l[string(b[i:i+leakWindow])] = what
	}
}

// find reports the first piece of a secret in data.
func (l leaks) find(data []byte) (what string, at int, ok bool) {
	for i := 0; i+leakWindow <= len(data); i++ {
		if what, ok := l[string(data[i:i+leakWindow])]; ok {
			return what, i, true
		}
	}
	return "", 0, false
}

// encodings are the forms b may take inside a file: raw, hex, and base64
// (standard and URL alphabets) at each of the three alignments it can
// have inside a longer base64 text, JSON's encoding of []byte.
func encodings(b []byte) map[string][]byte {
	out := map[string][]byte{
		"raw": b, "hex": []byte(hex.EncodeToString(b)), "HEX": []byte(strings.ToUpper(hex.EncodeToString(b))),
	}
	for k := range 3 {
		padded := append(make([]byte, k), b...)
		// Characters wholly made of b's bits: skip those that carry the
		// k leading bytes, stop before those that carry what follows.
		from, to := (8*k+5)/6, 8*len(padded)/6
		out["base64+"+string(rune('0'+k))] = []byte(base64.StdEncoding.EncodeToString(padded)[from:to])
		out["base64url+"+string(rune('0'+k))] = []byte(base64.URLEncoding.EncodeToString(padded)[from:to])
	}
	return out
}

// keySeed decrypts a key file with age itself and returns its seed.
func (e *env) keySeed(path string) []byte {
	e.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	id, err := age.NewScryptIdentity(e.passphrase)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := age.Decrypt(armor.NewReader(f), id)
	if err != nil {
		e.t.Fatalf("%s is not an age file for the passphrase: %v", path, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		e.t.Fatal(err)
	}
	var kf struct{ Seed []byte }
	if err := json.Unmarshal(plain, &kf); err != nil || len(kf.Seed) != 32 {
		e.t.Fatalf("%s: decrypted key file without a seed: %v", path, err)
	}
	return kf.Seed
}
