package integration

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
)

// TestJSONOutput: every command that changes something prints, with
// --json, one JSON value on stdout and nothing else there (issue 23).
func TestJSONOutput(t *testing.T) {
	e := newEnv(t)
	run := func(server string, args ...string) map[string]any {
		t.Helper()
		out, errs, code := e.vault(server, append(args, "--json")...)
		if code != 0 {
			t.Fatalf("vault %v --json: exit %d\nstdout: %s\nstderr: %s", args, code, out, errs)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("vault %v --json printed no JSON value (%v):\n%s", args, err, out)
		}
		return v
	}
	want := func(v map[string]any, key string, value any) {
		t.Helper()
		if got := v[key]; got != value {
			t.Errorf("%s = %#v, want %#v in %v", key, got, value, v)
		}
	}

	init := run("", "init", "--data", e.data)
	if id, _ := init["ledger"].(string); id == "" {
		t.Errorf("init --json names no ledger: %v", init)
	}
	n := e.serve(nodeOptions{})
	srv := n.server()

	dep := run(srv, "deploy", shopVersion(e, 1, "/shop"))
	want(dep, "function", "shop")
	want(dep, "version", 1.0)
	if urls, _ := dep["urls"].([]any); len(urls) != 1 || urls[0] != "http://"+n.h2c+"/shop" {
		t.Errorf("deploy --json urls = %v, want [http://%s/shop]", dep["urls"], n.h2c)
	}
	want(run(srv, "deploy", shopVersion(e, 1, "/shop")), "unchanged", true)
	text := e.mustVault(srv, "deploy", shopVersion(e, 2, "/shop"))
	if !strings.Contains(text, "shop@v2 (seq") || !strings.Contains(text, "  http://"+n.h2c+"/shop (once active: vault activate shop@v2)") {
		t.Errorf("deploy printed %q: want the version and the URL where it will answer", text)
	}

	act := run(srv, "activate", "shop@v1")
	want(act, "state", "active")
	want(act, "active", 1.0)
	want(run(srv, "activate", "shop@v1"), "unchanged", true)
	act = run(srv, "activate", "shop@v2", "--wait")
	want(act, "active", 2.0)
	if nodes, _ := act["nodes"].([]any); len(nodes) != 1 {
		t.Errorf("activate --wait --json: nodes = %v, want the one node", act["nodes"])
	}
	want(run(srv, "rollback", "shop"), "active", 1.0)
	want(run(srv, "pause", "shop"), "state", "paused")
	want(run(srv, "resume", "shop"), "state", "active")
	kill := run(srv, "kill", "shop")
	if nodes, _ := kill["nodes"].([]any); len(nodes) != 1 {
		t.Errorf("kill --json: nodes = %v, want the one node", kill["nodes"])
	}

	prop := filepath.Join(e.root, "deploy-v3.json")
	want(run(srv, "deploy", shopVersion(e, 3, "/shop"), "-o", prop), "proposal", prop)
	want(run("", "sign", prop), "signatures", 1.0)
	if sub := run(srv, "submit", prop); sub["seq"] == nil {
		t.Errorf("submit --json names no seq: %v", sub)
	}
	want(run(srv, "retire", "shop", "--yes"), "state", "retired")

	dave, _ := events.GenerateSigner()
	if added := run(srv, "keys", "add", publicKeyArg(dave), "--role", "deploy"); added["seq"] == nil {
		t.Errorf("keys add --json names no seq: %v", added)
	}
	keyProp := filepath.Join(e.root, "revoke-dave.json")
	want(run(srv, "keys", "revoke", dave.ID, "-o", keyProp), "proposal", keyProp)
}
