package integration

import (
	"regexp"
	"strings"
	"testing"
)

// TestBrokenVersionNeverGoesLive activates a version whose module throws
// while loading: the activation is recorded (the ledger says so), but the
// node keeps serving the previous version, says why, and shows it.
func TestBrokenVersionNeverGoesLive(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	fn := e.writeFunction("w", map[string]string{
		"vault.yaml": "name: w\nentry: index.js\nroutes: [/w]\n",
		"index.js":   `export default { fetch() { return new Response("w v1") } };`,
	})
	e.mustVault(srv, "deploy", fn)
	e.mustVault(srv, "activate", "w@v1")
	e.writeFunction("w", map[string]string{"index.js": `throw new Error("broken at load");
export default { fetch() { return new Response("w v2") } };`})
	// vault deploy would refuse it (TestDeployRefusesWhatCannotRun): this
	// is the node's own check at activation.
	e.mustVault(srv, "deploy", "--skip-check", fn)

	_, errs, code := e.vault(srv, "activate", "w@v2")
	if code == 0 || !strings.Contains(errs, "could not serve it") || !strings.Contains(errs, "broken at load") {
		t.Fatalf("activate of a broken version: exit %d, stderr %q", code, errs)
	}
	if r := get(t, h2cClient(), "http://"+n.h2c+"/w"); r.status != 200 || r.body != "w v1" {
		t.Fatalf("after the failed activation the node serves %d %q, want v1", r.status, r.body)
	}
	if ls := e.mustVault(srv, "ls"); !regexp.MustCompile(`w\s+v1\s+served`).MatchString(ls) ||
		!regexp.MustCompile(`w\s+v2\s+active \(not served here\)`).MatchString(ls) ||
		!strings.Contains(ls, "not served here: w@v2 (activated at seq 5)") || !strings.Contains(ls, "broken at load") {
		t.Fatalf("ls:\n%s", ls)
	}
}
