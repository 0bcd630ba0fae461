package isolate

import (
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/vault-runtime/vault/edge/osthread"
	"github.com/vault-runtime/vault/schemas"
)

// parseCases are JSON.parse texts and what Deno 2 (V8) gives: the value as
// __show writes it, or the error's name and message. They cover what
// goja's own parser got wrong (1e400 is Infinity, escaped lone surrogates
// stay lone, in values and keys) and V8's wording and position (in UTF-16
// code units) of each kind of syntax error.
var parseCases = []struct{ text, want string }{
	{"[1,-0,0,-1,1e400,-1e400,1e-400,123456789012345678,0.1,1E+2,2e-3,-0.0,1.0,1e3,9007199254740993,-5e-324]",
		"[number:1,-0,number:0,number:-1,number:null,number:null,number:0,number:123456789012345680,number:0.1,number:100,number:0.002,-0,number:1,number:1000,number:9007199254740992,number:-5e-324]"},
	{"\"\\ud800\"",
		"string:\"\\ud800\""},
	{"\"\\udc00x\"",
		"string:\"\\udc00x\""},
	{"\"\\ud800\\u0041\"",
		"string:\"\\ud800A\""},
	{"\"\\ud83d\\ude00\\uDBFF\\uDFFF\"",
		"string:\"\U0001f600\U0010ffff\""},
	{"{\"\\ud800\":1,\"a\\udc00b\":[2]}",
		"{\"\\ud800\":number:1,\"a\\udc00b\":[number:2]}"},
	{"{\"__proto__\":{\"x\":1},\"a\":1,\"a\":2,\"1\":\"one\",\"0\":\"zero\",\"b\":{\"c\":3},\"b\":4}",
		"{\"0\":string:\"zero\",\"1\":string:\"one\",\"__proto__\":{\"x\":number:1},\"a\":number:2,\"b\":number:4}"},
	{"{\"a\":1,\"b\":2,\"a\":3}",
		"{\"a\":number:3,\"b\":number:2}"},
	{" \t\n {\"a\" : [ true , false , null ] } \n",
		"{\"a\":[boolean:true,boolean:false,null]}"},
	{"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001F\\u00e9\"",
		"string:\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\u00e9\""},
	{"{bad",
		"SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2)"},
	{"",
		"SyntaxError: Unexpected end of JSON input"},
	{" ",
		"SyntaxError: Unexpected end of JSON input"},
	{"[1,]",
		"SyntaxError: Unexpected token ']', \"[1,]\" is not valid JSON"},
	{"{\"a\":1,}",
		"SyntaxError: Expected double-quoted property name in JSON at position 7 (line 1 column 8)"},
	{"01",
		"SyntaxError: Unexpected number in JSON at position 1 (line 1 column 2)"},
	{"[-01]",
		"SyntaxError: Unexpected number in JSON at position 3 (line 1 column 4)"},
	{"1.",
		"SyntaxError: Unterminated fractional number in JSON at position 2 (line 1 column 3)"},
	{"1.e5",
		"SyntaxError: Unterminated fractional number in JSON at position 2 (line 1 column 3)"},
	{"1e",
		"SyntaxError: Exponent part is missing a number in JSON at position 2 (line 1 column 3)"},
	{"1e+",
		"SyntaxError: Exponent part is missing a number in JSON at position 3 (line 1 column 4)"},
	{"-",
		"SyntaxError: No number after minus sign in JSON at position 1 (line 1 column 2)"},
	{"-a",
		"SyntaxError: No number after minus sign in JSON at position 1 (line 1 column 2)"},
	{"\"abc",
		"SyntaxError: Unterminated string in JSON at position 4 (line 1 column 5)"},
	{"[1 2]",
		"SyntaxError: Expected ',' or ']' after array element in JSON at position 3 (line 1 column 4)"},
	{"{\"a\" 1}",
		"SyntaxError: Expected ':' after property name in JSON at position 5 (line 1 column 6)"},
	{"tru",
		"SyntaxError: Unexpected end of JSON input"},
	{"nul",
		"SyntaxError: Unexpected end of JSON input"},
	{"truex",
		"SyntaxError: Unexpected non-whitespace character after JSON at position 4 (line 1 column 5)"},
	{"\"\\x\"",
		"SyntaxError: Bad escaped character in JSON at position 2 (line 1 column 3)"},
	{"\"a\tb\"",
		"SyntaxError: Bad control character in string literal in JSON at position 2 (line 1 column 3)"},
	{"[1]x",
		"SyntaxError: Unexpected non-whitespace character after JSON at position 3 (line 1 column 4)"},
	{"{\"a\":1",
		"SyntaxError: Expected ',' or '}' after property value in JSON at position 6 (line 1 column 7)"},
	{"[",
		"SyntaxError: Unexpected end of JSON input"},
	{"{",
		"SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2)"},
	{"[1",
		"SyntaxError: Expected ',' or ']' after array element in JSON at position 2 (line 1 column 3)"},
	{"\"\\u12\"",
		"SyntaxError: Bad Unicode escape in JSON at position 5 (line 1 column 6)"},
	{"\"\\u12g4\"",
		"SyntaxError: Bad Unicode escape in JSON at position 5 (line 1 column 6)"},
	{"'a'",
		"SyntaxError: Unexpected token ''', \"'a'\" is not valid JSON"},
	{"NaN",
		"SyntaxError: \"NaN\" is not valid JSON"},
	{"+1",
		"SyntaxError: Unexpected token '+', \"+1\" is not valid JSON"},
	{".5",
		"SyntaxError: Unexpected token '.', \".5\" is not valid JSON"},
	{"[1,,2]",
		"SyntaxError: Unexpected token ',', \"[1,,2]\" is not valid JSON"},
	{"{\"a\":1 \"b\":2}",
		"SyntaxError: Expected ',' or '}' after property value in JSON at position 7 (line 1 column 8)"},
	{"{1:2}",
		"SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2)"},
	{"\u00a0 1",
		"SyntaxError: Unexpected token '\u00a0', \"\u00a0 1\" is not valid JSON"},
	{"\"x\" \"y\"",
		"SyntaxError: Unexpected non-whitespace character after JSON at position 4 (line 1 column 5)"},
	{"[\"a\",\"\u00e9\" \u00fc]",
		"SyntaxError: Expected ',' or ']' after array element in JSON at position 9 (line 1 column 10)"},
	{"{\"long key of some length here\": tru x, \"more\": 1234567890}",
		"SyntaxError: Unexpected token ' ', ...\"here\": tru x, \"more\"\"... is not valid JSON"},
	{"\"\\",
		"SyntaxError: Unexpected end of JSON input"},
}

func TestParseMatchesV8(t *testing.T) {
	inst, _ := jsonInstance(t)
	try, err := inst.vm.RunString(`(function (text) { try { return __show(JSON.parse(text)) } catch (e) { return e.name + ": " + e.message } })`)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := goja.AssertFunction(try)
	for _, tt := range parseCases {
		v, err := f(goja.Undefined(), inst.vm.ToValue(tt.text))
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}

// TestParseStopsAtTheCPULimit: a parse of some 60 MB of JSON is one Go
// call of several seconds here; it looks at the limits as it goes and
// stops soon after the CPU limit trips.
func TestParseStopsAtTheCPULimit(t *testing.T) {
	p := compile(t, `return {default:{fetch(){
		const text = "[" + "[1,2,3,{\"a\":true}],".repeat(3e6) + "0]";
		try { return new Response(String(JSON.parse(text).length)) } catch (e) { return new Response("caught " + e) }
	}}}`, schemas.Limits{CPUMillis: 400, WallMillis: 30000, MemoryMB: 4096})
	// The whole parse takes ~9 s of CPU, stopped ~0.55 s; the bound is on
	// the invocation's own CPU time, which a loaded machine does not
	// stretch as it does the wall time.
	cpu, err := invokeOnThisThread(t, p)
	if !errors.Is(err, ErrCPUTime) {
		t.Fatalf("err = %v, want ErrCPUTime", err)
	}
	if cpu > 3*time.Second {
		t.Fatalf("stopped after %v of CPU", cpu)
	}
}

// invokeOnThisThread invokes p with a GET and returns the CPU time the
// invocation's thread used: the goroutine is locked to its thread around
// Invoke, which runs the handler on it.
func invokeOnThisThread(t *testing.T, p *Program) (time.Duration, error) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := osthread.Self()
	_, err := invoke(t, p, "GET", "")
	return osthread.Self() - start, err
}

// TestParseLoneSurrogatesInText: a text that holds lone surrogates itself
// (not escaped), which goja's String() would turn into U+FFFD, parses to
// strings and keys that keep them, and errors count them as one code unit.
// The texts are JS string literals; the results are shown with every code
// unit above 126 escaped. Expected values from Deno 2.
func TestParseLoneSurrogatesInText(t *testing.T) {
	tests := []struct{ text, want string }{
		{`'"\ud800"'`,
			"string:\"\\ud800\""},
		{`'{"\ud800x":"a\udc00","\u00e9\udbff":["\ud83d\ude00\udc00", "\\ud800"]}'`,
			"{\"\\ud800x\":string:\"a\\udc00\",\"\\u00e9\\udbff\":[string:\"\\ud83d\\ude00\\udc00\",string:\"\\ud800\"]}"},
		{`'"\ud800" x'`,
			"SyntaxError: Unexpected non-whitespace character after JSON at position 4 (line 1 column 5)"},
		{`'["\udc00\u00e9", tru]'`,
			"SyntaxError: Unexpected token ']', \"[\"\\udc00\\u00e9\", tru]\" is not valid JSON"},
	}
	inst, _ := jsonInstance(t)
	for _, tt := range tests {
		v, err := inst.vm.RunString(`(function (s) { return Array.from({length: s.length}, (_, i) => s.charCodeAt(i) > 126 ? "\\u" + s.charCodeAt(i).toString(16).padStart(4, "0") : s[i]).join("") })((function (text) { try { return __show(JSON.parse(text)) } catch (e) { return e.name + ": " + e.message } })(` + tt.text + `))`)
		if err != nil {
			t.Errorf("%s: %v", tt.text, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}

// TestParseDefinesProperties: JSON.parse creates data properties, for the
// reviver's root too: setters on Object.prototype do not run (Deno 2 gives
// the same).
func TestParseDefinesProperties(t *testing.T) {
	inst, _ := jsonInstance(t)
	v, err := inst.vm.RunString(`
Object.defineProperty(Object.prototype, "", {set(v) { throw new Error("setter ran") }, configurable: true});
Object.defineProperty(Object.prototype, "x", {set(v) { throw new Error("setter ran") }, configurable: true});
let r;
try { r = JSON.stringify(JSON.parse('{"x":1}', (k, v) => v)) + JSON.stringify(JSON.parse('{"x":[2]}')) } catch (e) { r = e.message }
delete Object.prototype[""]; delete Object.prototype.x;
r`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), `{"x":1}{"x":[2]}`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestParseDefinesManyProperties: in a parse of many properties too,
// where a faster way to create them would be tempting, keys that
// Object.prototype has as an accessor, a read-only property or
// __proto__ are own data properties, and a setter added between two
// parses is not called either.
func TestParseDefinesManyProperties(t *testing.T) {
	inst, _ := jsonInstance(t)
	many := `{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"a6":6,"a7":7,"a8":8,"a9":9,"b0":0,"b1":1,"b2":2,"b3":3,"b4":4,"b5":5,"b6":6,"b7":7}`
	v, err := inst.vm.RunString(`
const many = '` + many + `';
const text = '[' + many + ',{"x":1,"ro":2,"__proto__":3,"toString":4,"y":5},' + many + ',{"x":6,"z":7}]';
Object.defineProperty(Object.prototype, "x", {set(v) { throw new Error("setter ran") }, configurable: true});
Object.defineProperty(Object.prototype, "ro", {value: 0, writable: false, configurable: true});
let r = [];
try {
	const a = JSON.parse(text);
	r.push(__show(a[1]), Object.getPrototypeOf(a[1]) === Object.prototype, a[2].b7);
	delete Object.prototype.x;
	Object.defineProperty(Object.prototype, "z", {set(v) { throw new Error("setter z ran") }, configurable: true});
	r.push(__show(JSON.parse(text)[3]));
} catch (e) { r.push(e.message) }
delete Object.prototype.ro; delete Object.prototype.z;
r.join(" ")`)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"x":number:1,"ro":number:2,"__proto__":number:3,"toString":number:4,"y":number:5} true 7 {"x":number:6,"z":number:7}`
	if got := v.String(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// TestReviverMatchesV8: the reviver walk (InternalizeJSONProperty) in the
// order the standard gives, deletions, a property the reviver made
// non-configurable or froze (CreateDataProperty fails silently), a proxy
// put in the tree (its traps run), an array grown during the walk.
// Expected values from Deno 2.
func TestReviverMatchesV8(t *testing.T) {
	tests := []struct{ src, want string }{
		{"JSON.stringify(JSON.parse('{\"a\":[1,{\"b\":2,\"c\":3}],\"d\":{\"e\":null}}', function (k, v) { if (k === \"b\") return undefined; if (typeof v === \"number\") return v * 10; return v }))",
			"{\"a\":[10,{\"c\":30}],\"d\":{\"e\":null}}"},
		{"let ks = []; JSON.parse('[{\"x\":[1,2]},3]', function (k, v) { ks.push(k + \":\" + JSON.stringify(v) + \":\" + Array.isArray(this)); return v }); ks.join(\" \")",
			"0:1:true 1:2:true x:[1,2]:false 0:{\"x\":[1,2]}:true 1:3:true :[{\"x\":[1,2]},3]:false"},
		{"JSON.stringify(JSON.parse('{\"a\":1,\"b\":2}', function (k, v) { if (k === \"a\") Object.defineProperty(this, \"b\", {value: 5, configurable: false, writable: false, enumerable: true}); return k === \"b\" ? 9 : v }))",
			"{\"a\":1,\"b\":5}"},
		{"JSON.stringify(JSON.parse('[1,2,3]', function (k, v) { if (k === \"0\") Object.freeze(this); return k === \"1\" ? undefined : v }))",
			"[1,2,3]"},
		{"let log = []; const p = new Proxy({y: 1}, {defineProperty(t, k, d) { log.push(\"define \" + k); return Reflect.defineProperty(t, k, d) }, deleteProperty(t, k) { log.push(\"delete \" + k); return Reflect.deleteProperty(t, k) }}); JSON.parse('{\"x\":0,\"z\":0}', function (k, v) { if (k === \"x\") this.z = p; if (k === \"y\") return undefined; return v }); log.join()",
			"delete y"},
		{"JSON.stringify(JSON.parse('{\"a\":[1,2]}', function (k, v) { if (k === \"0\") { this.length = 5 } return v }))",
			"{\"a\":[1,2,null,null,null]}"},
		{"JSON.stringify(JSON.parse('{\"d\":\"2020-01-02T00:00:00.000Z\"}', (k, v) => k === \"d\" ? new Date(v).getUTCFullYear() : v))",
			"{\"d\":2020}"},
		// Keys with lone surrogates, which goja's Object.Keys cannot give.
		{"let ks = []; const r = JSON.parse('{\"\\\\ud800\":1,\"a\":{\"\\\\udc00b\":2}}', function (k, v) { ks.push(JSON.stringify(k)); return typeof v === \"number\" ? v * 10 : v }); ks.join(\" \") + \" \" + JSON.stringify(r)",
			"\"\\ud800\" \"\\udc00b\" \"a\" \"\" {\"\\ud800\":10,\"a\":{\"\\udc00b\":20}}"},
		{"JSON.stringify(JSON.parse('{\"\\\\ud800\":1,\"b\":2}', (k, v) => k === \"\\ud800\" ? undefined : v))",
			"{\"b\":2}"},
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
