package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployBounds: vault deploy bundles nothing from outside the
// function directory, and no artifact over the limit reaches the ledger,
// whether the CLI or the node refuses it. A refused deploy appends
// nothing.
func TestDeployBounds(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	// The node's limit is lowered so that an over-size bundle is cheap.
	n := e.serve(nodeOptions{args: []string{"--max-artifact-size", "64KiB"}})
	srv := n.server()
	before := e.snapshot(srv).State.Seq

	const secret = "SECRET-FROM-OUTSIDE-THE-FUNCTION"
	if err := os.WriteFile(filepath.Join(e.root, "secret.txt"), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	docker := filepath.Join(e.root, "home", ".docker")
	if err := os.MkdirAll(docker, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docker, "config.json"), []byte(`{"auths": {"r": {"auth": "`+secret+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}

	// refused runs a deploy that must fail with every one of want in its
	// output, and checks that nothing was appended.
	refused := func(t *testing.T, want []string, args ...string) {
		t.Helper()
		out, errs, code := e.vault(srv, append([]string{"deploy"}, args...)...)
		if code == 0 {
			t.Fatalf("deploy %v succeeded: %s", args, out)
		}
		t.Logf("deploy %v: exit %d: %s", args, code, errs)
		for _, w := range want {
			if !strings.Contains(errs, w) {
				t.Errorf("stderr %q\ndoes not contain %q", errs, w)
			}
		}
		if strings.Contains(out+errs, secret) {
			t.Errorf("the secret appears in the output: %s%s", out, errs)
		}
		if s := e.snapshot(srv); s.State.Seq != before || len(s.State.Functions) != 0 {
			t.Errorf("after a refused deploy the ledger is at seq %d with %d functions, want seq %d and none", s.State.Seq, len(s.State.Functions), before)
		}
	}

	t.Run("ErrImportOutsideDirectory", func(t *testing.T) {
		fn := e.writeFunction("escape", map[string]string{
			"vault.yaml": "name: escape\nentry: index.ts\nroutes: [/escape]\n",
			"index.ts":   "import s from \"../secret.txt\";\nexport default { fetch() { return new Response(s); } };\n",
		})
		refused(t, []string{
			filepath.Join(fn, "index.ts") + `:1:15: import "../secret.txt" is outside the function directory`,
			"it resolves to " + filepath.Join(e.root, "secret.txt"),
		}, fn)
	})
	t.Run("ErrSymlinkOutsideDirectory", func(t *testing.T) {
		fn := e.writeFunction("linked", map[string]string{
			"vault.yaml": "name: linked\nentry: index.ts\nroutes: [/linked]\n",
			"index.ts":   "import c from \"./docker/config.json\";\nexport default { fetch() { return Response.json(c); } };\n",
		})
		if err := os.Symlink(docker, filepath.Join(fn, "docker")); err != nil {
			t.Fatal(err)
		}
		refused(t, []string{
			filepath.Join(fn, "index.ts") + `:1:15: import "./docker/config.json" is outside the function directory`,
		}, fn)
	})

	// About 100 KiB of code, and as much again in the source map.
	big := e.writeFunction("big", map[string]string{
		"vault.yaml": "name: big\nentry: index.ts\nroutes: [/big]\n",
		"index.ts":   "const pad = \"" + strings.Repeat("x", 100<<10) + "\";\nexport default { fetch() { return new Response(String(pad.length)); } };\n",
	})
	t.Run("ErrTooLargeAtDeploy", func(t *testing.T) {
		refused(t, []string{"deploy big: the artifact is ", "over the limit of 64 KiB (65536 bytes)",
			"--max-artifact-size", "limits.max_artifact_size"}, big, "--max-artifact-size", "64KiB")
	})
	t.Run("ErrTooLargeAtNode", func(t *testing.T) {
		// The CLI's default (25 MiB) lets it through; the node's gate does not.
		refused(t, []string{"deploy big", "over the limit of 64 KiB (65536 bytes)", "limits.max_artifact_size"}, big)
	})

	t.Run("WithinBoundsServes", func(t *testing.T) {
		fn := e.writeFunction("inside", map[string]string{
			"vault.yaml":                    "name: inside\nentry: index.ts\nroutes: [/inside]\n",
			"index.ts":                      "import { a } from \"./lib/a\";\nimport p from \"pkg\";\nexport default { fetch() { return new Response(a + \" \" + p); } };\n",
			"lib/a.ts":                      "export const a: string = \"lib\";\n",
			"node_modules/pkg/package.json": `{"name": "pkg", "main": "index.js"}`,
			"node_modules/pkg/index.js":     "export default \"pkg\";\n",
		})
		e.mustVault(srv, "deploy", fn)
		e.mustVault(srv, "activate", "inside@v1")
		if r := get(t, h2cClient(), "http://"+n.h2c+"/inside"); r.status != http.StatusOK || r.body != "lib pkg" {
			t.Errorf("GET /inside = %d %q, want 200 \"lib pkg\"", r.status, r.body)
		}
	})
}
