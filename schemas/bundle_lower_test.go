package schemas

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// runBundle bundles files (entry index.js) and runs the bundle in a bare
// goja runtime, then awaits the promise that the default export's run()
// returns (goja runs promise jobs as a script run ends). It returns the
// settled value as JSON, or fails the test.
func runBundle(t *testing.T, files map[string]string, setup string) string {
	t.Helper()
	vm := goja.New()
	code := bundle(t, files)
	if setup != "" {
		if _, err := vm.RunString(setup); err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	if _, err := vm.RunScript("bundle.js", code); err != nil {
		t.Fatalf("goja cannot run the bundle: %v\n%s", err, code)
	}
	if _, err := vm.RunString(`var out; Promise.resolve(` + BundleGlobal + `.default.run()).then(
		(v) => { out = JSON.stringify(v) },
		(e) => { out = "rejected: " + (e && e.name) + ": " + (e && e.message) });`); err != nil {
		t.Fatalf("run: %v", err)
	}
	v := vm.Get("out")
	if v == nil || goja.IsUndefined(v) {
		t.Fatal("run() did not settle")
	}
	return v.String()
}

// bundle bundles files with a manifest naming index.js as the entry.
func bundle(t *testing.T, files map[string]string) string {
	t.Helper()
	files["vault.yaml"] = "name: fn\nentry: index.js\n"
	dir := writeFunction(t, files)
	m, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := Bundle(dir, m)
	if err != nil {
		t.Fatalf("Bundle: %v", err)
	}
	return string(code)
}

// TestLoweredSyntaxRuns: each syntax in gojaLacks, which goja refuses as
// written, bundles into code that goja compiles and runs with the
// language's semantics.
func TestLoweredSyntaxRuns(t *testing.T) {
	tests := []struct {
		name string
		src  string // index.js; its default export's run() gives the result
		want string // JSON of the result
	}{
		{"AsyncGenerator", `
async function* count(n) {
  for (let i = 1; i <= n; i++) { await null; yield i; }
  return "done";
}
export default { async run() {
  const it = count(2);
  const steps = [await it.next(), await it.next(), await it.next(), await it.next()];
  return steps.map((s) => [s.value ?? null, s.done]);
} };`, `[[1,false],[2,false],["done",true],[null,true]]`},
		{"ForAwaitOverAsyncGenerator", `
async function* chunks() { yield "a"; yield Promise.resolve("b"); yield "c"; }
export default { async run() {
  let s = "";
  for await (const c of chunks()) s += c;
  return s;
} };`, `"abc"`},
		{"ForAwaitOverSyncIterableOfPromises", `
export default { async run() {
  const out = [];
  for await (const v of [Promise.resolve(1), 2, new Promise((r) => r(3))]) out.push(v);
  return out;
} };`, `[1,2,3]`},
		{"ForAwaitBreakClosesTheGenerator", `
let closed = false;
async function* g() { try { yield 1; yield 2; } finally { closed = true; } }
export default { async run() {
  for await (const v of g()) { if (v === 1) break; }
  return closed;
} };`, `true`},
		{"AsyncGeneratorThrowRejectsNext", `
async function* g() { yield 1; throw new RangeError("bad"); }
export default { async run() {
  const it = g();
  await it.next();
  try { await it.next(); return "no throw"; } catch (e) { return e.name + ": " + e.message; }
} };`, `"RangeError: bad"`},
		{"YieldStarDelegatesToAsyncIterable", `
async function* inner() { yield 1; yield 2; }
async function* outer() { yield 0; yield* inner(); yield 3; }
export default { async run() {
  const out = [];
  for await (const v of outer()) out.push(v);
  return out;
} };`, `[0,1,2,3]`},
		{"UsingDisposesAtBlockEnd", `
const log = [];
function res(name) { return { [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() { log.push("dispose " + name); } }; }
export default { async run() {
  { using a = res("a"); using b = res("b"); log.push("body"); }
  return log;
} };`, `["body","dispose b","dispose a"]`},
		{"ClassDecorator", `
const seen = [];
function tag(value, context) { seen.push(context.kind + " " + context.name); return value; }
@tag class Thing { @tag method() { return 1; } }
export default { async run() { return [seen, new Thing().method()]; } };`, `[["method method","class Thing"],1]`},
		{"ImportMeta", `
export default { async run() { return typeof import.meta; } };`, `"object"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runBundle(t, map[string]string{"index.js": tt.src}, ""); got != tt.want {
				t.Errorf("run() = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestGojaRefusesWhatIsLowered keeps gojaLacks honest: each entry is
// syntax goja cannot compile as written (once goja learns one, drop it
// from the map, so the code stays native).
func TestGojaRefusesWhatIsLowered(t *testing.T) {
	samples := map[string]string{
		"async-generator":      `async function* g() { yield 1 }`,
		"for-await":            `async function f(it) { for await (const x of it) {} }`,
		"dynamic-import":       `function f() { return import("x") }`,
		"import-meta":          `var u = import.meta.url`,
		"decorators":           `function d(c) { return c } @d class A {}`,
		"using":                `{ using x = null }`,
		"regexp-match-indices": `var r = /a/d`,
		"regexp-set-notation":  `var r = /[a--b]/v`,
	}
	for feature, supported := range gojaLacks {
		if supported {
			t.Errorf("gojaLacks[%q] is true: it lists what goja lacks", feature)
		}
		src, ok := samples[feature]
		if !ok {
			t.Errorf("no sample for %q", feature)
			continue
		}
		if _, err := goja.Compile(feature, src, false); err == nil {
			t.Errorf("goja compiles %s (%s): esbuild need not lower it", feature, src)
		}
	}
}

// TestNativeSyntaxStaysNative: syntax goja runs is not rewritten into
// helpers (the target is not lowered as a whole), and still runs.
func TestNativeSyntaxStaysNative(t *testing.T) {
	src := `
class Counter {
  #n = 0;
  static made = 0;
  static { Counter.ready = true; }
  #bump() { return ++this.#n; }
  next() { Counter.made ||= 1; return this.#bump(); }
  static has(o) { return #n in o; }
}
export default { async run() {
  const c = new Counter();
  c.next();
  let x = null;
  x ??= c?.next();
  return [x, Counter.has(c), Counter.ready, String(2n ** 64n), /(?<y>\d{4})/s.exec("in 2026").groups.y];
} };`
	files := map[string]string{"index.js": src}
	code := bundle(t, map[string]string{"index.js": src})
	for _, native := range []string{"#n = 0", "static {", "#bump()", "#n in o", "??=", "||=", "c?.next()", "async run()", "2n ** 64n"} {
		if !strings.Contains(code, native) {
			t.Errorf("bundle lost %q (lowered?):\n%s", native, code)
		}
	}
	for _, helper := range []string{"__privateGet", "__publicField", "__async(", "__pow"} {
		if strings.Contains(code, helper) {
			t.Errorf("bundle uses esbuild's %s helper:\n%s", helper, code)
		}
	}
	if got, want := runBundle(t, files, ""), `[2,true,true,"18446744073709551616","2026"]`; got != want {
		t.Errorf("run() = %s, want %s", got, want)
	}
}

// TestRegExpFlagsGojaLacksFailOnlyWhenBuilt: a literal with the d or v
// flag does not fail the bundle; building it throws goja's SyntaxError,
// as new RegExp with those flags would.
func TestRegExpFlagsGojaLacksFailOnlyWhenBuilt(t *testing.T) {
	got := runBundle(t, map[string]string{"index.js": `
const indices = () => /a(b)/d;
export default { async run() {
  let built;
  try { built = indices(); } catch (e) { built = e.name; }
  return ["served", built];
} };`}, "")
	if want := `["served","SyntaxError"]`; got != want {
		t.Errorf("run() = %s, want %s", got, want)
	}
}

// TestClassFieldNamedLikeAnAccessor: goja's parser cannot read a class
// field named get, set or async (Hono's Context has them); such a bundle
// has those fields quoted, keeps its private fields native, and runs.
func TestClassFieldNamedLikeAnAccessor(t *testing.T) {
	src := `
class Context {
  #vars;
  get = (k) => this.#vars?.get(k);
  set = (k, v) => { this.#vars ??= new Map(); this.#vars.set(k, v); };
  async = true;
  static get = "static";
}
export default { async run() {
  const c = new Context();
  c.set("a", 1);
  return [c.get("a"), c.async, Context.get, Object.keys(c)];
} };`
	files := map[string]string{"index.js": src}
	if got, want := runBundle(t, files, ""), `[1,true,"static",["get","set","async"]]`; got != want {
		t.Errorf("run() = %s, want %s", got, want)
	}
	code := bundle(t, files)
	for _, helper := range []string{"__privateGet", "__publicField", "WeakMap"} {
		if strings.Contains(code, helper) {
			t.Errorf("bundle has its classes lowered (%s):\n%s", helper, code)
		}
	}
	for _, quoted := range []string{`"get"=(k)`, `"set"=(k, v)`, `"async"=true`, `static "get"="static"`} {
		if !strings.Contains(code, quoted) {
			t.Errorf("bundle lacks %s:\n%s", quoted, code)
		}
	}
}

// TestQuoteKeywordFields: a mended line keeps its length (the source map
// holds), assignments to a variable named set stay as they are, and a
// line quoting does not mend, or another parse error, is left for
// lowering.
func TestQuoteKeywordFields(t *testing.T) {
	in := "class A {\n  set = (k) => k;\n  static async = 1;\n  x = 2;\n}\nlet set = 3;\nset = 4;\n"
	out, ok := quoteKeywordFields([]byte(in))
	if !ok {
		t.Fatalf("quoteKeywordFields refused:\n%s", in)
	}
	want := "class A {\n  \"set\"=(k) => k;\n  static \"async\"=1;\n  x = 2;\n}\nlet set = 3;\nset = 4;\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	for _, bad := range []string{
		"class A {\n  set = ;\n}\n", // quoting does not mend the line
		"let x = ;\n",               // another error
	} {
		if out, ok := quoteKeywordFields([]byte(bad)); ok {
			t.Errorf("quoteKeywordFields(%q) = %q, ok", bad, out)
		}
	}
}
