package isolate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// urlPatternWPTHarness checks one case of the WPT URL Pattern data the
// way WPT's urlpattern harness does: the constructor throws or not, each
// component's pattern string (expected_obj, or what the harness derives:
// "" for exactly_empty_components, the pattern's own value, "*" when an
// earlier component was given, the baseURL's, else "*"), test() and exec() against expected_match, with
// components the case leaves out expected to be a match of "" (a "0"
// group of "" unless listed in exactly_empty_components). It returns ""
// or what differed.
const urlPatternWPTHarness = `(function (entry) {
  const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
  const EARLIER = { protocol: [], hostname: ["protocol"], port: ["protocol", "hostname"], username: [], password: [],
    pathname: ["protocol", "hostname", "port"], search: ["protocol", "hostname", "port", "pathname"],
    hash: ["protocol", "hostname", "port", "pathname", "search"] };
  const show = (v) => v === undefined ? "undefined" : JSON.stringify(v);
  const throwsTypeError = (f) => { try { f(); return false; } catch (e) { return e instanceof TypeError; } };
  if (entry.expected_obj === "error") {
    return throwsTypeError(() => new URLPattern(...entry.pattern)) ? "" : "constructor did not throw a TypeError";
  }
  let pattern;
  try { pattern = new URLPattern(...entry.pattern); } catch (e) { return "constructor threw " + e; }
  const expObj = entry.expected_obj || {};
  for (const c of COMPONENTS) {
    let want = expObj[c];
    if (want === undefined) {
      let base = null;
      if (entry.pattern.length > 0 && entry.pattern[0].baseURL) base = new URL(entry.pattern[0].baseURL);
      else if (entry.pattern.length > 1 && typeof entry.pattern[1] === "string") base = new URL(entry.pattern[1]);
      if (entry.exactly_empty_components && entry.exactly_empty_components.includes(c)) want = "";
      else if (typeof entry.pattern[0] === "object" && entry.pattern[0][c]) want = entry.pattern[0][c];
      else if (typeof entry.pattern[0] === "object" && EARLIER[c].some((e) => e in entry.pattern[0])) want = "*";
      else if (base && c !== "username" && c !== "password") {
        want = base[c];
        if (c === "protocol") want = want.slice(0, -1);
        else if (c === "search" || c === "hash") want = want.slice(1);
      } else want = "*";
    }
    if (pattern[c] !== want) return c + " is " + show(pattern[c]) + ", want " + show(want);
  }
  if (entry.expected_match === "error") {
    if (!throwsTypeError(() => pattern.test(...entry.inputs))) return "test() did not throw";
    if (!throwsTypeError(() => pattern.exec(...entry.inputs))) return "exec() did not throw";
    return "";
  }
  if (!entry.inputs) return "";
  let tested, res;
  try { tested = pattern.test(...entry.inputs); res = pattern.exec(...entry.inputs); } catch (e) { return "test/exec threw " + e; }
  if (tested !== !!entry.expected_match) return "test() gave " + tested;
  if (!entry.expected_match) return res === null ? "" : "exec() gave " + JSON.stringify(res) + ", want null";
  const m = entry.expected_match;
  const wantInputs = m.inputs || entry.inputs;
  if (res.inputs.length !== wantInputs.length) return "exec().inputs has " + res.inputs.length + " items";
  for (let i = 0; i < wantInputs.length; i++) {
    const got = res.inputs[i], want = wantInputs[i];
    if (typeof got === "string") { if (got !== want) return "inputs[" + i + "] is " + show(got); continue; }
    for (const c of COMPONENTS) if (got[c] !== want[c]) return "inputs[" + i + "]." + c + " is " + show(got[c]);
  }
  for (const c of COMPONENTS) {
    let want = m[c];
    if (!want) {
      want = { input: "", groups: {} };
      if (!entry.exactly_empty_components || !entry.exactly_empty_components.includes(c)) want.groups["0"] = "";
    }
    const got = res[c];
    if (got.input !== want.input) return c + ".input is " + show(got.input) + ", want " + show(want.input);
    const gk = Object.keys(got.groups).sort(), wk = Object.keys(want.groups).sort();
    if (gk.join() !== wk.join()) return c + ".groups has " + show(gk) + ", want " + show(wk);
    for (const k of wk) {
      const w = want.groups[k] === null ? undefined : want.groups[k];
      if (got.groups[k] !== w) return c + ".groups[" + k + "] is " + show(got.groups[k]) + ", want " + show(w);
    }
  }
  return "";
})`

// TestURLPatternWPT runs every case of WPT's urlpatterntestdata.json
// (testdata/urlpattern, see its README for the origin).
func TestURLPatternWPT(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "urlpattern", "urlpatterntestdata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []json.RawMessage
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	vm := webapiVM(t)
	pass, gaps := 0, 0
	var failures []string
	for _, c := range cases {
		v, err := vm.RunString("(" + urlPatternWPTHarness + ")(" + string(c) + ")")
		msg := ""
		if err != nil {
			msg = err.Error()
		} else {
			msg = v.String()
		}
		if msg == "" {
			pass++
			continue
		}
		if urlPatternEngineGaps[compactJSON(pattern(c))] {
			gaps++
			t.Logf("known RegExp engine gap: %s: %s", compactJSON(c), msg)
			continue
		}
		failures = append(failures, compactJSON(c)+": "+msg)
	}
	t.Logf("WPT urlpattern: %d/%d pass, %d known RegExp engine gaps", pass, len(cases), gaps)
	if len(failures) > 0 {
		t.Fatalf("%d cases fail:\n%s", len(failures), strings.Join(failures[:min(len(failures), 20)], "\n"))
	}
}

// urlPatternEngineGaps are the WPT cases goja's RegExp cannot pass: they
// use the v flag's class set operations (goja has no v flag). Keyed by
// the case's pattern. A gap that starts passing counts as a pass.
var urlPatternEngineGaps = map[string]bool{
	`[{"pathname":"/([[a-z]--a])"}]`:   true,
	`[{"pathname":"/([\\d&&[0-1]])"}]`: true,
}

func pattern(c json.RawMessage) json.RawMessage {
	var v struct{ Pattern json.RawMessage }
	_ = json.Unmarshal(c, &v)
	return v.Pattern
}

func compactJSON(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	var out strings.Builder
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(out.String(), "\n")
}

func TestURLPattern(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"NamedGroup", `return new URLPattern({pathname: "/users/:id"}).exec("https://x.test/users/42?q").pathname.groups.id`, "42"},
		{"StringWithBase", `const p = new URLPattern("/a/:b", "https://x.test"); return [p.test("/a/c", "https://x.test"), p.test("https://y.test/a/c"), p.protocol, p.hostname].join()`, "true,false,https,x.test"},
		{"IgnoreCase", `return [new URLPattern({pathname: "/Foo"}, {ignoreCase: true}).test("https://a/foo"), new URLPattern({pathname: "/Foo"}).test("https://a/foo")].join()`, "true,false"},
		{"IgnoreCaseWithBase", `return new URLPattern("/Foo", "https://a", {ignoreCase: true}).test("https://a/FOO")`, "true"},
		{"HasRegExpGroups", `return [new URLPattern({pathname: "/(\\d+)"}).hasRegExpGroups, new URLPattern({pathname: "/:id"}).hasRegExpGroups].join()`, "true,false"},
		{"RelativeWithoutBase", `return threw(() => new URLPattern("/a"))`, "TypeError"},
		{"InitWithBase", `return threw(() => new URLPattern({pathname: "/a"}, "https://x.test"))`, "TypeError"},
		{"DuplicateName", `return threw(() => new URLPattern({pathname: "/:a/:a"}))`, "TypeError"},
		{"BadRegexp", `return threw(() => new URLPattern({pathname: "/(a"}))`, "TypeError"},
		{"NoMatchIsNull", `return new URLPattern({pathname: "/a"}).exec("https://x.test/b")`, "null"},
		{"UnparsableInputIsNoMatch", `return new URLPattern({pathname: "/a"}).test("not a url")`, "false"},
		{"Wildcards", `const m = new URLPattern({hostname: "{*.}?example.com", pathname: "/files/*"}).exec("https://a.b.example.com/files/x/y.txt");
			return m.hostname.groups[0] + "|" + m.pathname.groups[0]`, "a.b|x/y.txt"},
		{"RepeatModifier", `return new URLPattern({pathname: "/:parts+"}).exec({pathname: "/a/b/c"}).pathname.groups.parts`, "a/b/c"},
		{"IllegalInvocation", `return threw(() => Object.getOwnPropertyDescriptor(URLPattern.prototype, "pathname").get.call({}))`, "TypeError"},
		{"ToStringTag", `return Object.prototype.toString.call(new URLPattern({}))`, "[object URLPattern]"},
		{"WebIDLLengths", `return [URLPattern.length, URLPattern.prototype.test.length, URLPattern.prototype.exec.length].join()`, "0,0,0"},
	})
}
