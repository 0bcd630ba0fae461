package isolate

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// deepJSON is 8 MiB of "[": goja's own JSON.parse recursed once per
// bracket in Go and overflowed the 1 GB goroutine stack, a fatal error
// that took the whole process down.
var deepJSON = strings.Repeat("[", 8<<20)

// catching wraps statements in a handler that answers with what they
// threw: name and message.
func catching(stmts string) string {
	return `return {default:{async fetch(request){ try { ` + stmts + `; return new Response("no error") } catch (e) { return new Response(e.name + ": " + e.message) } }}}`
}

// TestDeepInputThrowsRangeError: every recursive native path reachable
// from function code is bounded and throws a catchable RangeError, where
// it used to overflow the Go stack (killing the process) or, for
// JSON.stringify, to run in time quadratic in the depth.
func TestDeepInputThrowsRangeError(t *testing.T) {
	deep := `let d = []; for (let i = 0; i < 20000; i++) d = [d];`
	tests := []struct{ name, src, body string }{
		{"JSONParse", `JSON.parse("[".repeat(8 << 20))`, ""},
		{"JSONParseObjects", `JSON.parse('{"a":'.repeat(1 << 20))`, ""},
		{"JSONParseReviver", `JSON.parse("[0, 0]", function (k, v) { if (k === "0") { ` + deep + ` this[1] = d } return v })`, ""},
		{"RequestJSON", `await request.json()`, deepJSON},
		{"ResponseJSONString", `await new Response("[".repeat(8 << 20)).json()`, ""},
		{"JSONStringify", deep + ` JSON.stringify(d)`, ""},
		{"JSONStringifyIndented", deep + ` JSON.stringify(d, null, 2)`, ""},
		{"JSONStringifyReplacer", deep + ` JSON.stringify(d, (k, v) => v)`, ""},
		{"JSONStringifyKeyList", `let o = {}; for (let i = 0; i < 20000; i++) o = {a: o}; JSON.stringify(o, ["a"])`, ""},
		{"ArrayToString", deep + ` String(d)`, ""},
		{"ArrayJoin", deep + ` d.join("-")`, ""},
		{"ArrayToLocaleString", deep + ` d.toLocaleString()`, ""},
		{"ArrayFlat", deep + ` d.flat(Infinity)`, ""},
		{"JSONStringifyToJSON", `const grow = (n) => ({toJSON() { return n < 20000 ? [grow(n + 1)] : 0 }}); JSON.stringify(grow(0))`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, catching(tt.src), schemas.Limits{})
			got := body(t, p, "POST", tt.body)
			if !strings.HasPrefix(got, "RangeError: ") {
				t.Fatalf("got %q, want a RangeError", got)
			}
		})
	}
}

// TestFetchedDeepJSONThrowsRangeError: a hostile upstream's body, 8 MiB
// of "[" within the default subrequest limit, is parsed from Go bytes.
func TestFetchedDeepJSONThrowsRangeError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(deepJSON))
	}))
	t.Cleanup(srv.Close)
	p := compileFetch(t, catching(`await (await fetch("`+srv.URL+`/deep")).json()`), []string{"127.0.0.1"}, schemas.Limits{})
	if got := body(t, p, "GET", ""); !strings.HasPrefix(got, "RangeError: ") {
		t.Fatalf("got %q, want a RangeError", got)
	}
}

// TestDeepRecursionFails: JavaScript that recurses without end, directly
// or through native calls (String of an object whose toString calls
// String(this)), stops at the call-stack bound. goja's stack overflow is
// uncatchable, so the invocation fails as an uncaught exception does.
func TestDeepRecursionFails(t *testing.T) {
	tests := []struct{ name, src string }{
		{"JS", `function f() { return f() + 1 } f()`},
		{"ThroughString", `const o = {}; o.toString = function () { return String(this) }; String(o)`},
		{"ThroughTemplate", `const o = {toString() { return ` + "`${this}`" + ` }}; String(o)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, catching(tt.src), schemas.Limits{MemoryMB: 256})
			_, err := invoke(t, p, "GET", "")
			if !errors.Is(err, ErrThrew) || !strings.Contains(err.Error(), "stack") {
				t.Fatalf("got %v, want ErrThrew for a stack overflow", err)
			}
		})
	}
}

// TestDeepValuesWithinTheBound: nesting well beyond what real data has
// still works, in both directions.
func TestDeepValuesWithinTheBound(t *testing.T) {
	src := `const n = 4000; let d = 0; for (let i = 0; i < n; i++) d = [d];
const s = JSON.stringify(d); const back = JSON.parse(s); const fromBody = await new Response(s).json();
let depth = 0; for (let x = fromBody; Array.isArray(x); x = x[0]) depth++;
return new Response(s.length + " " + (JSON.stringify(back) === s) + " " + depth + " " + String(d))`
	p := compile(t, `return {default:{async fetch(){ `+src+` }}}`, schemas.Limits{})
	if got, want := body(t, p, "GET", ""), "8001 true 4000 0"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestBoundsKeepSemantics: the JSON and array wrappers give what V8 gives (node 20
// produced the expected values), for replacer functions and key lists,
// revivers, getters' order, cycles and errors. The one difference is by
// design: JSON.parse of text nested deeper than the bound is a RangeError
// before any SyntaxError further on.
func TestBoundsKeepSemantics(t *testing.T) {
	tests := []struct{ src, want string }{
		{`JSON.stringify({b: 1, 1: 2, a: 3, c: 4}, ["b", "1", "a", "z"])`, "{\"b\":1,\"1\":2,\"a\":3}"},
		{`JSON.stringify({a: {b: 1, c: 2}, b: [{b: 3, c: 4}]}, ["b", "a"])`, "{\"b\":[{\"b\":3}],\"a\":{\"b\":1}}"},
		{`JSON.stringify(Object.create({a: 1}, {b: {value: 2}}), ["a", "b"])`, "{\"a\":1,\"b\":2}"},
		{`JSON.stringify({a: 1, b: 2}, ["a", new String("b"), 1, {}, "a"])`, "{\"a\":1,\"b\":2}"},
		{`JSON.stringify({1: "one", x: new Number(5), d: new Date(0)}, [1, "x", "d"])`, "{\"1\":\"one\",\"x\":5,\"d\":\"1970-01-01T00:00:00.000Z\"}"},
		{`let log = []; JSON.stringify({get a() { log.push("a"); return {get c() { log.push("c"); return 1 }} }, get b() { log.push("b"); return 2 }}, ["a", "b", "c"]); log.join()`, "a,c,b"},
		{`JSON.stringify({a: 1, b: {a: 2}}, ["a", "b"], 2)`, "{\n  \"a\": 1,\n  \"b\": {\n    \"a\": 2\n  }\n}"},
		{`const o = {a: 1}; o.o = o; try { JSON.stringify(o, ["o"]) } catch (e) { e.name }`, "TypeError"},
		{`const o = {a: 1}; o.o = o; try { JSON.stringify(o) } catch (e) { e.name }`, "TypeError"},
		{`const s = {x: 1}; JSON.stringify({a: s, b: s}, ["a", "b", "x"])`, "{\"a\":{\"x\":1},\"b\":{\"x\":1}}"},
		{`JSON.stringify({a: [1, {a: 2, b: 3}], b: 1n < 2}, ["a"])`, "{\"a\":[1,{\"a\":2}]}"},
		{`JSON.stringify({a: 1, b: "x"}, (k, v) => typeof v === "number" ? v * 2 : v)`, "{\"a\":2,\"b\":\"x\"}"},
		{`JSON.stringify({a: {toJSON(k) { return "key:" + k }}, b: undefined, c: () => 1})`, "{\"a\":\"key:a\"}"},
		{`JSON.stringify([new Boolean(false), new String("s"), Symbol("x"), NaN])`, "[false,\"s\",null,null]"},
		{`JSON.stringify({a: 1}, function (k, v) { return k === "" ? {wrapped: v, self: this[""] === v} : v })`, "{\"wrapped\":{\"a\":1},\"self\":true}"},
		{`JSON.stringify(undefined) === undefined && JSON.stringify() === undefined`, "true"},
		{`try { JSON.stringify({a: 1n}) } catch (e) { e.name }`, "TypeError"},
		{`JSON.parse('{"a":[1,2,{"b":3}],"c":"d"}', function (k, v) { return typeof v === "number" ? v + 1 : v }).a[2].b`, "4"},
		{`JSON.stringify(JSON.parse('[1,2,3]', (k, v) => k === "1" ? undefined : v))`, "[1,null,3]"},
		{`JSON.stringify(JSON.parse('{"a":1,"b":2}', function (k, v) { if (k === "a") delete this.b; return v }))`, "{\"a\":1}"},
		{`let ks = []; JSON.parse('{"x":{"y":1},"z":[true]}', (k, v) => { ks.push(k); return v }); ks.join()`, "y,x,0,z,"},
		{`JSON.stringify(JSON.parse('{"__proto__":1}', (k, v) => v))`, "{\"__proto__\":1}"},
		{`try { JSON.parse("{bad") } catch (e) { e.name }`, "SyntaxError"},
		{`try { JSON.parse("[".repeat(6000)) } catch (e) { e.name }`, "RangeError"},
		{`JSON.parse.length + " " + JSON.stringify.length + " " + JSON.parse.name + " " + JSON.stringify.name`, "2 3 parse stringify"},
		{`JSON.parse({toString() { return "[7]" }})[0]`, "7"},
		{`JSON.stringify({a: 1}, null, "--")`, "{\n--\"a\": 1\n}"},
		{`JSON.stringify([1, [2]], null, new Number(3))`, "[\n   1,\n   [\n      2\n   ]\n]"},
		{`JSON.stringify({a: [1]}, null, new String("abcdefghijkl"))`, "{\nabcdefghij\"a\": [\nabcdefghijabcdefghij1\nabcdefghij]\n}"},
		{`JSON.stringify([1], null, NaN)`, "[1]"},
		{`JSON.stringify([1], null, 20)`, "[\n          1\n]"},
		{`let n = 0; const sp = new Number(2); sp.valueOf = () => { n++; return 2 }; JSON.stringify([1], null, sp) + n`, "[\n  1\n]1"},
		{`let d = 0; for (let i = 0; i < 150; i++) d = [d]; JSON.stringify(d, null, 10).length`, "225601"},
		{`[1, [2, [3]]].join(";")`, "1;2,3"},
		{`String([1, [2, null, undefined], {}])`, "1,2,,,[object Object]"},
		{`const a = [1]; a.push(a); String(a)`, "1,"},
		{`Array.prototype.join.length + Array.prototype.join.name + Array.prototype.toLocaleString.length + Array.prototype.toLocaleString.name`, "1join0toLocaleString"},
		{`[1, ["a", [true]]].toLocaleString()`, "1,a,true"},
		{`[[1, [2, [3, [4]]]].flat(Infinity).join(), [1, [2, [3]]].flat().length, [1, [2, [3]]].flat("2").length, [[1]].flat(-1).length, [1, [2, [3, [4]]]].flat(1e10).length, [1, , [2]].flat().length, Array.prototype.flat.length, [1, [2]].flat(NaN).length].join(" ")`, "1,2,3,4 3 3 1 4 2 0 2"},
		{`let d = 0; for (let i = 0; i < 4000; i++) d = [d]; String(d.flat(Infinity))`, "0"},
		{`Array.prototype.join.call({length: 2, 0: "x", 1: "y"}, "+")`, "x+y"},
	}
	inst := preludeInstance(t, "")
	for _, tt := range tests {
		v, err := inst.vm.RunString("(0, eval)(" + strconv.Quote(tt.src) + ")")
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.src, got, tt.want)
		}
	}
}
