package integration

import (
	"net/http"
	"strings"
	"testing"
)

// TestDeployRefusesWhatCannotRun: vault deploy runs the bundle as a node
// would activate it, before uploading or appending: a module without a
// fetch handler, a top level that throws or never ends, and code goja
// cannot compile are refused with the position in the function's own
// sources, and the ledger does not move. Code that needed lowering
// (async generators, for await, import()) deploys and serves.
func TestDeployRefusesWhatCannotRun(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	before := e.snapshot(srv).State.Seq

	refused := func(t *testing.T, files map[string]string, want ...string) {
		t.Helper()
		files["vault.yaml"] = "name: bad\nentry: index.ts\nroutes: [/bad]\n"
		fn := e.writeFunction("bad-"+strings.ToLower(t.Name()[strings.LastIndex(t.Name(), "/")+1:]), files)
		out, errs, code := e.vault(srv, "deploy", fn)
		if code == 0 {
			t.Fatalf("deploy succeeded: %s", out)
		}
		t.Logf("deploy: exit %d: %s", code, errs)
		for _, w := range append(want, "deploy bad: ", "nothing was deployed") {
			if !strings.Contains(errs, w) {
				t.Errorf("stderr %q\ndoes not contain %q", errs, w)
			}
		}
		if s := e.snapshot(srv); s.State.Seq != before || len(s.State.Functions) != 0 {
			t.Errorf("after a refused deploy the ledger is at seq %d with %d functions, want seq %d and none", s.State.Seq, len(s.State.Functions), before)
		}
	}
	const importLib = "import { greeting } from \"./lib\";\nexport default { fetch() { return new Response(greeting); } };\n"

	t.Run("ErrNoFetchHandler", func(t *testing.T) {
		refused(t, map[string]string{"index.ts": "export default { hello(): string { return \"hi\"; } };\n"},
			"index.ts has no default export with a fetch method")
	})
	t.Run("ErrTopLevelThrows", func(t *testing.T) {
		refused(t, map[string]string{
			"index.ts": importLib,
			"lib.ts":   "export const greeting: string = \"hi\";\nif (!(\"API_KEY\" in globalThis))\n  throw new Error(\"API_KEY is not set\");\n",
		}, "it cannot run", "Error: API_KEY is not set", "lib.ts:3:9")
	})
	t.Run("ErrTopLevelNeverEnds", func(t *testing.T) {
		refused(t, map[string]string{"index.ts": "while (Date.now() > 0) {}\nexport default { fetch() { return new Response(\"never\"); } };\n"},
			"its top level did not finish", "CPU time limit exceeded")
	})
	t.Run("ErrGojaCannotCompile", func(t *testing.T) {
		refused(t, map[string]string{
			"index.ts": importLib,
			"lib.ts":   "const pattern = /(?i:h)i/;\nexport const greeting: string = pattern.source;\n",
		}, "Invalid group", "lib.ts:1:17")
	})

	t.Run("LoweredCodeServes", func(t *testing.T) {
		fn := e.writeFunction("lowered", map[string]string{
			"vault.yaml": "name: lowered\nentry: index.ts\nroutes: [/lowered]\nvars:\n  GREETING: hello\n",
			"index.ts": `async function* words(): AsyncGenerator<string> {
  yield "one";
  yield await Promise.resolve("two");
}
export default {
  async fetch(request: Request, env: { GREETING: string }): Promise<Response> {
    const parts: string[] = [];
    for await (const w of words()) parts.push(w);
    const { env: workersEnv } = await import("cloudflare:workers");
    const { shout } = await import("./shout");
    const missing = await import("optional-dependency").then(() => "found", (e: Error) => e.name);
    return new Response([shout(workersEnv.GREETING), ...parts, String(workersEnv === env), missing].join(" "));
  },
};
`,
			"shout.ts": "export const shout = (s: string): string => s.toUpperCase() + \"!\";\n",
		})
		e.mustVault(srv, "deploy", fn)
		e.mustVault(srv, "activate", "lowered@v1")
		if r := get(t, h2cClient(), "http://"+n.h2c+"/lowered"); r.status != http.StatusOK || r.body != "HELLO! one two true TypeError" {
			t.Errorf("GET /lowered = %d %q, want 200 %q", r.status, r.body, "HELLO! one two true TypeError")
		}
	})

	t.Run("SkipCheckLeavesItToTheNode", func(t *testing.T) {
		fn := e.writeFunction("unchecked", map[string]string{
			"vault.yaml": "name: unchecked\nentry: index.js\nroutes: [/unchecked]\n",
			"index.js":   "export default { hello() {} };\n",
		})
		if out := e.mustVault(srv, "deploy", "--skip-check", fn); !strings.Contains(out, "unchecked@v1") {
			t.Fatalf("deploy --skip-check: %s", out)
		}
		_, errs, code := e.vault(srv, "activate", "unchecked@v1")
		if code == 0 || !strings.Contains(errs, "no default export with a fetch") {
			t.Errorf("activate of a version without a handler: exit %d, stderr %q", code, errs)
		}
	})
}
