package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRedeployAndReactivateAppendNothing deploys an unchanged function
// again and activates the version that serves already, as make run does
// on every start: both say so and append nothing; a changed file is a new
// version.
func TestRedeployAndReactivateAppendNothing(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	srv := e.serve(nodeOptions{}).server()
	dir := e.writeFunction("hello", map[string]string{
		"vault.yaml": "name: hello\nentry: index.js\nroutes: [/]\n",
		"index.js":   "export default { fetch() { return new Response(\"hi\"); } };\n",
	})
	if out := e.mustVault(srv, "deploy", dir); !strings.HasPrefix(out, "hello@v1 ") {
		t.Fatalf("first deploy: %q", out)
	}
	head := e.status(srv).Head
	out := e.mustVault(srv, "deploy", dir)
	if !strings.HasPrefix(out, "hello@v1 (unchanged") || e.status(srv).Head != head {
		t.Fatalf("deploy of the same artifact: %q, head %d → %d", out, head, e.status(srv).Head)
	}
	e.mustVault(srv, "activate", "hello@v1")
	head = e.status(srv).Head
	if out := e.mustVault(srv, "activate", "hello@v1"); !strings.Contains(out, "hello@v1 serves already") || e.status(srv).Head != head {
		t.Fatalf("activating the serving version: %q, head %d → %d", out, head, e.status(srv).Head)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte("export default { fetch() { return new Response(\"hi 2\"); } };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := e.mustVault(srv, "deploy", dir); !strings.HasPrefix(out, "hello@v2 ") {
		t.Fatalf("deploy of a changed function: %q", out)
	}
}
