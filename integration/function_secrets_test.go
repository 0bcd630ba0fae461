package integration

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// putSecret runs vault secret put with value on stdin; it must succeed.
func (e *env) putSecret(server, fn, key, value string) string {
	e.t.Helper()
	out, errs, code := e.vaultStdin(server, value+"\n", "secret", "put", fn, key)
	if code != 0 {
		e.t.Fatalf("vault secret put %s %s: exit %d\n%s%s", fn, key, code, out, errs)
	}
	return out
}

// secretEcho is a function that answers env.API_TOKEN (as a string, so
// "undefined" when there is none) and logs a line that holds no secret.
func (e *env) secretEcho() string {
	return e.writeFunction("echo", map[string]string{
		"vault.yaml": "name: echo\nentry: index.js\nroutes: [/echo]\nvars:\n  MODE: plain\n",
		"index.js": `export default { fetch(req, env) {
  console.log("echo answered, token of length " + String(env.API_TOKEN).length);
  return new Response(String(env.API_TOKEN) + " " + env.MODE);
} };
`,
	})
}

// TestFunctionSecrets: a secret put with the CLI reaches the function as
// env.KEY, a new value replaces it at once, rm makes it undefined, ls
// shows who set which key and never the value, and no value is anywhere
// in the data directory, the config directory, the ledger export, the
// node's log or the function's logs.
func TestFunctionSecrets(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	e.mustVault(srv, "deploy", e.secretEcho())
	one, two := marker(), marker()

	out := e.putSecret(srv, "echo", "API_TOKEN", one)
	if !strings.Contains(out, "secret API_TOKEN of echo set at seq") {
		t.Fatalf("put printed:\n%s", out)
	}
	e.mustVault(srv, "activate", "echo@v1")
	if r := get(t, h2cClient(), "http://"+n.h2c+"/echo"); r.status != 200 || r.body != one+" plain" {
		t.Fatalf("with the secret: %d %q, want %q", r.status, r.body, one+" plain")
	}

	ls := e.mustVault(srv, "secret", "ls", "echo")
	operator := operatorID(t, e)
	if !strings.Contains(ls, "API_TOKEN") || !strings.Contains(ls, operator) || strings.Contains(ls, one) {
		t.Fatalf("secret ls does not show the key and its signer %s, or shows the value:\n%s", operator, ls)
	}
	if in := e.mustVault(srv, "inspect", "echo"); !strings.Contains(in, "API_TOKEN (set at seq 3 by "+operator+")") {
		t.Fatalf("inspect does not list the secret:\n%s", in)
	}

	// Rotation: the served version answers the new value from the put's
	// acknowledgement on.
	out = e.putSecret(srv, "echo", "API_TOKEN", two)
	if !strings.Contains(out, "echo serves them on this node") {
		t.Fatalf("rotation printed:\n%s", out)
	}
	if r := get(t, h2cClient(), "http://"+n.h2c+"/echo"); r.status != 200 || r.body != two+" plain" {
		t.Fatalf("after the rotation: %d %q, want %q", r.status, r.body, two+" plain")
	}
	// A restart opens it again from the persisted state.
	n.stop()
	stopped := n.stderr.String()
	n = e.serve(nodeOptions{})
	if r := get(t, h2cClient(), "http://"+n.h2c+"/echo"); r.status != 200 || r.body != two+" plain" {
		t.Fatalf("after a restart: %d %q, want %q", r.status, r.body, two+" plain")
	}
	srv = n.server()

	t.Run("ErrSecretClash", func(t *testing.T) {
		// MODE is a var of the manifest: the node refuses the put, and
		// a deploy that adds a var named like a secret.
		out, errs, code := e.vaultStdin(srv, marker(), "secret", "put", "echo", "MODE")
		if code == 0 || !strings.Contains(errs, "v1's vault.yaml has a var MODE") {
			t.Fatalf("a secret named like a var: exit %d\n%s%s", code, out, errs)
		}
		clash := e.writeFunction("echo2", map[string]string{
			"vault.yaml": "name: echo\nentry: index.js\nroutes: [/echo]\nvars:\n  API_TOKEN: plain\n",
			"index.js":   `export default { fetch(req, env) { return new Response(env.API_TOKEN) } };`,
		})
		out, errs, code = e.vault(srv, "deploy", clash)
		if code == 0 || !strings.Contains(errs, "echo has a secret API_TOKEN") {
			t.Fatalf("a deploy with a var named like a secret: exit %d\n%s%s", code, out, errs)
		}
		if r := get(t, h2cClient(), "http://"+n.h2c+"/echo"); r.body != two+" plain" {
			t.Fatalf("after the refusals: %d %q, want the version before them", r.status, r.body)
		}
	})

	out = e.mustVault(srv, "secret", "rm", "echo", "API_TOKEN")
	if !strings.Contains(out, "removed at seq") {
		t.Fatalf("rm printed:\n%s", out)
	}
	if r := get(t, h2cClient(), "http://"+n.h2c+"/echo"); r.status != 200 || r.body != "undefined plain" {
		t.Fatalf("after rm: %d %q, want \"undefined plain\"", r.status, r.body)
	}
	if ls := e.mustVault(srv, "secret", "ls", "echo"); !strings.Contains(ls, "echo has no secrets") {
		t.Fatalf("secret ls after rm:\n%s", ls)
	}
	if _, errs, code := e.vault(srv, "secret", "rm", "echo", "API_TOKEN"); code == 0 || !strings.Contains(errs, "has no secret API_TOKEN") {
		t.Fatalf("rm of a removed secret: exit %d, %s", code, errs)
	}

	export := filepath.Join(e.root, "ledger.export")
	e.mustVault(srv, "ledger", "export", "-o", export)
	logs := e.mustVault(srv, "logs", "echo")
	if !strings.Contains(logs, "echo answered") {
		t.Fatalf("the function's logs lack its line:\n%s", logs)
	}
	n.stop()

	values := leaks{}
	for what, v := range map[string]string{"first value": one, "second value": two} {
		for enc, b := range encodings([]byte(v)) {
			values.add(what+" ("+enc+")", b)
		}
	}
	for what, text := range map[string]string{"the node's log": stopped + n.stderr.String(), "vault logs echo": logs} {
		if found, at, ok := values.find([]byte(text)); ok {
			t.Errorf("%s holds the %s at offset %d", what, found, at)
		}
	}
	files := 0
	for _, dir := range []string{e.data, e.config, export} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			if found, at, ok := values.find(data); ok {
				t.Errorf("%s holds the %s at offset %d", path, found, at)
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
	// The same search finds what is there: the export's secret.put
	// records (their payloads are base64 in the envelopes).
	kinds := leaks{}
	for enc, b := range encodings([]byte(`"type":"secret.put"`)) {
		kinds.add(enc, b)
	}
	if data, err := os.ReadFile(export); err != nil {
		t.Fatal(err)
	} else if _, _, ok := kinds.find(data); !ok {
		t.Fatal("the export has no secret.put record: is it the ledger?")
	}
}

// operatorID is the ID of the operator key, as vault keys lists it.
func operatorID(t *testing.T, e *env) string {
	t.Helper()
	f := strings.Fields(e.mustVault("", "keys", "id"))
	if len(f) != 2 {
		t.Fatalf("vault keys id printed %q", f)
	}
	return f[0]
}

// TestFunctionSecretsRekey: an edge whose node key is trusted after a
// secret was put cannot open it; it logs the rekey advice and does not
// serve the function, `vault secret ls` names its key, and after `vault
// secret rekey` it serves the secret's value.
func TestFunctionSecretsRekey(t *testing.T) {
	s := newSite(t)
	edgeID, edgePub := s.join("edge1")
	hub, leaf := s.hub()
	e := s.e
	e.mustVault(hub.server(), "deploy", e.secretEcho())
	value := marker()
	e.putSecret(hub.server(), "echo", "API_TOKEN", value)
	e.mustVault(hub.server(), "activate", "echo@v1")
	if r := get(t, h2cClient(), "http://"+hub.h2c+"/echo"); r.body != value+" plain" {
		t.Fatalf("the hub answers %d %q, want the secret", r.status, r.body)
	}

	edge := s.edge("edge1", leaf)
	e.mustVault(hub.server(), "keys", "add", edgePub, "--role", "witness")
	edge.waitLog(t, "vault secret rekey echo")
	if r := get(t, h2cClient(), "http://"+edge.h2c+"/echo"); r.status == 200 {
		t.Fatalf("an edge that cannot open the secret serves %q", r.body)
	}
	ls := e.mustVault(hub.server(), "secret", "ls", "echo")
	if !strings.Contains(ls, "not node "+edgeID) || !strings.Contains(ls, "vault secret rekey echo") {
		t.Fatalf("secret ls does not name the edge's key:\n%s", ls)
	}

	out := e.mustVault(hub.server(), "secret", "rekey")
	if !strings.Contains(out, "1 secret(s) re-encrypted, 0 already current") {
		t.Fatalf("rekey printed:\n%s", out)
	}
	waitServes(t, edge, "/echo", value+" plain", 20*time.Second)
	if r := get(t, h2cClient(), "http://"+hub.h2c+"/echo"); r.body != value+" plain" {
		t.Fatalf("after the rekey the hub answers %d %q", r.status, r.body)
	}
	if out := e.mustVault(hub.server(), "secret", "rekey", "echo"); !strings.Contains(out, "0 secret(s) re-encrypted, 1 already current") {
		t.Fatalf("a second rekey printed:\n%s", out)
	}
	if ls := e.mustVault(hub.server(), "secret", "ls", "echo"); strings.Contains(ls, "not node") {
		t.Fatalf("secret ls after the rekey:\n%s", ls)
	}
}
