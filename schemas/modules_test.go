package schemas

import (
	"strings"
	"testing"
)

// workersHostSetup stands in for the runtime: the host object the
// bundled cloudflare:workers module reads.
const workersHostSetup = `var hostEnv = { GREETING: "hi" }, waited = [];
globalThis[Symbol.for("` + WorkersHost + `")] = { env: hostEnv, waitUntil: (p) => { waited.push(p); } };`

func TestDynamicImport(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		setup string
		want  string
	}{
		{"BundledModuleEvaluatesLazily", map[string]string{
			"index.js": `export default { async run() {
  const before = globalThis.lazyRan === true;
  const m = await import("./lazy.js");
  const again = await import("./lazy.js");
  return [before, m.value, m.default(2), m === again, globalThis.lazyRan];
} };`,
			"lazy.js": `globalThis.lazyRan = true;
export const value = "lazy";
export default function double(x) { return x * 2; }`,
		}, "", `[false,"lazy",4,true,true]`},
		{"CommonJSModule", map[string]string{
			"index.js": `export default { async run() { const m = await import("./cjs.cjs"); return [m.default.n, m.n]; } };`,
			"cjs.cjs":  `module.exports = { n: 7 };`,
		}, "", `[7,7]`},
		{"ErrorInImportedModuleRejects", map[string]string{
			"index.js": `export default { async run() {
  try { await import("./bad.js"); return "resolved"; } catch (e) { return e.message; }
} };`,
			"bad.js": `throw new Error("bad module");`,
		}, "", `"bad module"`},
		{"UnresolvedBareSpecifierRejects", map[string]string{
			"index.js": `export default { async run() {
  const p = import("no-such-package");
  try { await p; return "resolved"; } catch (e) { return [p instanceof Promise, e instanceof TypeError, e.message]; }
} };`,
		}, "", `[true,true,"Module not found \"no-such-package\" (import() in index.js)"]`},
		{"UnresolvedRelativeRejects", map[string]string{
			"index.js": `import { probe } from "./src/probe.js";
export default { run: probe };`,
			"src/probe.js": `export async function probe() {
  try { await import("./missing.js"); return "resolved"; } catch (e) { return e.name + ": " + e.message; }
}`,
		}, "", `"TypeError: Module not found \"./missing.js\" (import() in src/probe.js)"`},
		{"ComputedSpecifierRejects", map[string]string{
			"index.js": `const name = "cloud" + "flare:sockets";
export default { async run() {
  try { await import(name); return "resolved"; } catch (e) { return [e instanceof TypeError, e.message]; }
} };`,
		}, "", `[true,"Module not found \"cloudflare:sockets\""]`},
		{"ComputedRequireThrows", map[string]string{
			"index.js": `export default { async run() {
  const name = ["./a", "./b"].join("");
  try { require(name); return "loaded"; } catch (e) { return e.name + ": " + e.message; }
} };`,
		}, "", `"TypeError: Module not found \"./a./b\""`},
		{"WorkersEnvDynamic", map[string]string{
			"index.js": `export default { async run() {
  const w = await import("cloudflare:workers");
  w.waitUntil(Promise.resolve(1));
  return [w.env === hostEnv, w.env.GREETING, waited.length];
} };`,
		}, workersHostSetup, `[true,"hi",1]`},
		{"WorkersEnvStatic", map[string]string{
			"index.js": `import { env, waitUntil } from "cloudflare:workers";
const atTopLevel = env.GREETING;
export default { async run() { return [env === hostEnv, atTopLevel, typeof waitUntil]; } };`,
		}, workersHostSetup, `[true,"hi","function"]`},
		{"WorkersOffTheRuntimeRejects", map[string]string{
			"index.js": `export default { async run() {
  try { await import("cloudflare:workers"); return "resolved"; } catch (e) { return e.name; }
} };`,
		}, "", `"TypeError"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runBundle(t, tt.files, tt.setup); got != tt.want {
				t.Errorf("run() = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestStaticImportOfUnknownModuleFails: only a dynamic import() of an
// unresolvable module is put off to run time; static imports and
// requires stay bundle errors naming file:line:col.
func TestStaticImportOfUnknownModuleFails(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"ErrStaticBare", map[string]string{
			"index.js": "import x from \"no-such-package\";\nexport default { x };\n",
		}, []string{"DIR/index.js:1:15: ", `Could not resolve "no-such-package"`}},
		{"ErrStaticAndDynamic", map[string]string{
			"index.js": "const later = () => import(\"no-such-package\");\nimport x from \"no-such-package\";\nexport default { x, later };\n",
		}, []string{"DIR/index.js:2:15: ", `Could not resolve "no-such-package"`}},
		{"ErrRequire", map[string]string{
			"index.js": "const x = require(\"./missing.js\");\nexport default { x };\n",
		}, []string{"DIR/index.js:1:19: ", `Could not resolve "./missing.js"`}},
		{"ErrUnknownWorkersExport", map[string]string{
			"index.js": "import { WorkerEntrypoint } from \"cloudflare:workers\";\nexport default class extends WorkerEntrypoint {};\n",
		}, []string{"DIR/index.js:1:10: ", `No matching export in "vault-runtime:cloudflare:workers" for import "WorkerEntrypoint"`}},
		{"ErrDynamicImportOutsideDirectory", map[string]string{
			"fn/index.js":  "export default { run: () => import(\"../outside.js\") };\n",
			"outside.js":   "export const secret = 1;\n",
			"fn/.keep.txt": "",
		}, []string{"is outside the function directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := writeFunction(t, tt.files)
			dir := base
			if _, ok := tt.files["fn/index.js"]; ok {
				dir = base + "/fn"
			}
			m := &Manifest{Name: "fn", Entry: "index.js"}
			code, _, err := Bundle(dir, m)
			if err == nil {
				t.Fatalf("Bundle succeeded:\n%s", code)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
