package isolate

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/schemas"
)

// stringifyCases are JSON.stringify calls and what Deno 2 (V8) answers,
// each chosen for a rule of ECMA-262 25.5.2 that goja's own stringify or
// an easy rewrite gets wrong: indentation after empty arrays and objects,
// lone surrogates and control characters, Number::toString, key order,
// proxies, toJSON on objects and BigInts, replacer functions and arrays,
// the space argument, boxed primitives, cycles, rawJSON, keys taken once
// before the getters run.
var stringifyCases = []struct{ src, want string }{
	{"JSON.stringify({a: [], b: 1}, null, 2)",
		"{\n  \"a\": [],\n  \"b\": 1\n}"},
	{"JSON.stringify({a: [], b: {}, c: [1, []], d: [[]], e: 1}, null, 2)",
		"{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    []\n  ],\n  \"d\": [\n    []\n  ],\n  \"e\": 1\n}"},
	{"JSON.stringify([[], {}, [[]], [{}]], null, 1)",
		"[\n [],\n {},\n [\n  []\n ],\n [\n  {}\n ]\n]"},
	{"JSON.stringify({a: {}, b: [{}, []]}, null, \"\\t\")",
		"{\n\t\"a\": {},\n\t\"b\": [\n\t\t{},\n\t\t[]\n\t]\n}"},
	{"JSON.stringify(\"\\ud800\\udc00 \\ud800x\\udc00 \\udbff\\udfff \\ud83d\")",
		"\"\U00010000 \\ud800x\\udc00 \U0010ffff \\ud83d\""},
	{"JSON.stringify(\"\\u0000\\u0001\\u001f\\b\\t\\n\\v\\f\\r\\\"\\\\/\\u007f\\u2028\\u2029\")",
		"\"\\u0000\\u0001\\u001f\\b\\t\\n\\u000b\\f\\r\\\"\\\\/\x7f\u2028\u2029\""},
	{"JSON.stringify(\"caf\u00e9 \U0001f600 \u00fc\")",
		"\"caf\u00e9 \U0001f600 \u00fc\""},
	{"JSON.stringify([-0, 0, 1e21, 1e-7, 5e-7, 0.000001, 123456789012345680000, 0.1 + 0.2, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53) + 1, 1.5e300, 2 ** 63, -1e-7, 1 / 3, 4.35, 0.5])",
		"[0,0,1e+21,1e-7,5e-7,0.000001,123456789012345680000,0.30000000000000004,null,null,null,9007199254740992,-9007199254740991,1.5e+300,9223372036854776000,-1e-7,0.3333333333333333,4.35,0.5]"},
	{"JSON.stringify({b: 1, 2: 2, a: 3, 1: 4, \"-1\": 5, \"01\": 6, 4294967294: 8, [Symbol(\"s\")]: 5, 10: 6})",
		"{\"1\":4,\"2\":2,\"10\":6,\"4294967294\":8,\"b\":1,\"a\":3,\"-1\":5,\"01\":6}"},
	{"JSON.stringify(new Proxy([1, [2]], {}))",
		"[1,[2]]"},
	{"JSON.stringify({p: new Proxy(new Proxy([1], {}), {})}, null, 1)",
		"{\n \"p\": [\n  1\n ]\n}"},
	{"JSON.stringify(new Proxy({a: 1}, {ownKeys() { return [\"b\", \"a\", \"c\"] }, getOwnPropertyDescriptor(t, k) { return k === \"c\" ? undefined : {value: k, enumerable: true, configurable: true} }, get(t, k) { return k + \"!\" }}))",
		"{\"b\":\"b!\",\"a\":\"a!\"}"},
	{"JSON.stringify(Object.defineProperty({a: 1}, \"b\", {value: 2, enumerable: false}))",
		"{\"a\":1}"},
	{"JSON.stringify(Object.create({inherited: 1}, {own: {value: 2, enumerable: true}}))",
		"{\"own\":2}"},
	{"JSON.stringify({toJSON() { return {x: 1} }})",
		"{\"x\":1}"},
	{"class A { toJSON(k) { return \"A:\" + k } }; JSON.stringify({a: new A, b: [new A]})",
		"{\"a\":\"A:a\",\"b\":[\"A:0\"]}"},
	{"JSON.stringify({x: {toJSON(k) { return k }}, y: [{toJSON(k) { return typeof k + k }}]})",
		"{\"x\":\"x\",\"y\":[\"string0\"]}"},
	{"try { BigInt.prototype.toJSON = function (k) { return this.toString() + k }; JSON.stringify({n: 10n, m: [Object(2n)]}) } finally { delete BigInt.prototype.toJSON }",
		"{\"n\":\"10n\",\"m\":[\"20\"]}"},
	{"try { JSON.stringify({n: 1n}) } catch (e) { e.name + \": \" + e.message }",
		"TypeError: Do not know how to serialize a BigInt"},
	{"try { JSON.stringify([Object(1n)]) } catch (e) { e.name + \": \" + e.message }",
		"TypeError: Do not know how to serialize a BigInt"},
	{"JSON.stringify({1: 1, \"1.5\": 2, a: 3, b: 4}, [1, 1.5, \"a\", 1, new Number(1.5), {}, true, null])",
		"{\"1\":1,\"1.5\":2,\"a\":3}"},
	{"JSON.stringify({a: 1, b: [2, {a: 3, c: 4}]}, new Proxy([\"b\", \"a\"], {}))",
		"{\"b\":[2,{\"a\":3}],\"a\":1}"},
	{"JSON.stringify({a: 1, b: [2]}, function (k, v) { return Array.isArray(this) ? v * 10 : v })",
		"{\"a\":1,\"b\":[20]}"},
	{"JSON.stringify({a: {toJSON() { return 5 }}}, (k, v) => typeof v === \"number\" ? v + 1 : v)",
		"{\"a\":6}"},
	{"JSON.stringify(1, () => undefined) === undefined",
		"true"},
	{"JSON.stringify({a: 1, b: 2}, (k, v) => k === \"a\" ? undefined : v)",
		"{\"b\":2}"},
	{"JSON.stringify([1, 2], (k, v) => k === \"0\" ? undefined : v)",
		"[null,2]"},
	{"JSON.stringify([1, {a: 2}], null, \"\\t\\t\")",
		"[\n\t\t1,\n\t\t{\n\t\t\t\t\"a\": 2\n\t\t}\n]"},
	{"JSON.stringify({a: 1}, null, 0) + JSON.stringify({a: 1}, null, -5) + JSON.stringify({a: 1}, null, \"\")",
		"{\"a\":1}{\"a\":1}{\"a\":1}"},
	{"JSON.stringify({a: [1]}, null, 3.7)",
		"{\n   \"a\": [\n      1\n   ]\n}"},
	{"JSON.stringify({a: 1}, null, \"0123456789abc\")",
		"{\n0123456789\"a\": 1\n}"},
	{"JSON.stringify({a: 1}, null, new String(\"<>\"))",
		"{\n<>\"a\": 1\n}"},
	{"JSON.stringify({a: 1}, null, true)",
		"{\"a\":1}"},
	{"JSON.stringify({get a() { return 1 }, b: undefined, c() {}, d: Symbol(), e: null})",
		"{\"a\":1,\"e\":null}"},
	{"JSON.stringify([undefined, function () {}, Symbol(), null])",
		"[null,null,null,null]"},
	{"JSON.stringify([new Number(3), new String(\"s\"), new Boolean(false), Object(Symbol())])",
		"[3,\"s\",false,{}]"},
	{"const n = new Number(1); n.valueOf = () => 42; n.toString = () => \"no\"; const s = new String(\"x\"); s.toString = () => \"y\"; JSON.stringify([n, s])",
		"[42,\"y\"]"},
	{"JSON.stringify([new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)), new Date(NaN)])",
		"[\"2020-01-02T03:04:05.006Z\",null]"},
	{"const a = []; a.push({a}); try { JSON.stringify(a) } catch (e) { e.name }",
		"TypeError"},
	{"const o = {}; o.self = {o}; try { JSON.stringify(o, null, 2) } catch (e) { e.name }",
		"TypeError"},
	{"const s = {x: 1}; JSON.stringify([s, s, {s}])",
		"[{\"x\":1},{\"x\":1},{\"s\":{\"x\":1}}]"},
	{"const a = [1, , 3]; a.x = 1; JSON.stringify(a)",
		"[1,null,3]"},
	{"typeof JSON.stringify(undefined) + typeof JSON.stringify(function () {}) + typeof JSON.stringify(Symbol())",
		"undefinedundefinedundefined"},
	{"JSON.stringify({a: JSON.rawJSON(\"1e1000\"), b: [JSON.rawJSON('\"x\"')]})",
		"{\"a\":1e1000,\"b\":[\"x\"]}"},
	{"const o = {a: 1, get b() { o.c = 3; return 2 }}; JSON.stringify(o)",
		"{\"a\":1,\"b\":2}"},
	{"const o = {get a() { delete o.b; return 1 }, b: 2}; JSON.stringify(o)",
		"{\"a\":1}"},
	{"JSON.stringify({\"\\u2028\": \"\\u2029\", \"\\\"\\\\\": \"\\u0007\"})",
		"{\"\u2028\":\"\u2029\",\"\\\"\\\\\":\"\\u0007\"}"},
	{"JSON.stringify(\"a\".repeat(3) + \"\\ud800\")",
		"\"aaa\\ud800\""},
	{"JSON.stringify([true, false, \"true\"])",
		"[true,false,\"true\"]"},
	{"JSON.stringify(Object.assign(Object.create(null), {z: 1, y: 2}))",
		"{\"z\":1,\"y\":2}"},
	{"JSON.stringify(new Map([[1, 2]])) + JSON.stringify(new Set([1])) + JSON.stringify(/x/g) + JSON.stringify(new Error(\"e\"))",
		"{}{}{}{}"},
	{"JSON.stringify(new Uint8Array([1, 2])) + JSON.stringify(new ArrayBuffer(2))",
		"{\"0\":1,\"1\":2}{}"},
	{"JSON.stringify(Object.assign(() => 1, {a: 1})) + JSON.stringify({f: Object.assign(() => 1, {a: 1})})",
		"undefined{}"},
	{"JSON.stringify({a: [{b: {c: [1, {d: []}]}}]}, null, 4)",
		"{\n    \"a\": [\n        {\n            \"b\": {\n                \"c\": [\n                    1,\n                    {\n                        \"d\": []\n                    }\n                ]\n            }\n        }\n    ]\n}"},
	{"JSON.stringify([\"x\"], [\"0\"]) + JSON.stringify({0: \"x\", 1: \"y\"}, [0])",
		"[\"x\"]{\"0\":\"x\"}"},
	{"JSON.stringify({a: 1}, {length: 1, 0: \"a\"})",
		"{\"a\":1}"},
	{"let log = []; JSON.stringify({a: 1, b: {c: 2}}, function (k, v) { log.push(JSON.stringify(k) + (this === undefined)); return v }); log.join()",
		"\"\"false,\"a\"false,\"b\"false,\"c\"false"},
	{"JSON.stringify(\"\\ud800\", null, 2) + JSON.stringify({\"k\": \"\\udfff\\ud800\"})",
		"\"\\ud800\"{\"k\":\"\\udfff\\ud800\"}"},
	{"try { JSON.stringify(Proxy.revocable([], {}).proxy) } catch (e) { e.name }",
		"[]"},
	{"const r = Proxy.revocable([], {}); r.revoke(); try { JSON.stringify([r.proxy]) } catch (e) { e.name }",
		"TypeError"},
	// JSON.stringify called again from a toJSON and a getter, in the
	// middle of the outer one's output.
	{"JSON.stringify({a: {toJSON() { return JSON.stringify({inner: [1, \"x\"]}) + JSON.stringify([{b: 2}], null, 1) }}, c: [3]})",
		"{\"a\":\"{\\\"inner\\\":[1,\\\"x\\\"]}[\\n {\\n  \\\"b\\\": 2\\n }\\n]\",\"c\":[3]}"},
	{"JSON.stringify([{get x() { return JSON.stringify({y: \"z\".repeat(5)}) }}, \"after\"])",
		"[{\"x\":\"{\\\"y\\\":\\\"zzzzz\\\"}\"},\"after\"]"},
	// Keys with lone surrogates, which goja's Object.Keys cannot give.
	{"JSON.stringify({\"\\ud800\": 1, \"a\\udc00\": {\"\\udbff\": [2]}, \"ok\": \"\\ud800\"})",
		"{\"\\ud800\":1,\"a\\udc00\":{\"\\udbff\":[2]},\"ok\":\"\\ud800\"}"},
	{"JSON.stringify({\"\\ud800\": 1, b: 2}, function (k, v) { return k === \"\\ud800\" ? (this === undefined) + \":\" + k.length : v })",
		"{\"\\ud800\":\"false:1\",\"b\":2}"},
	{"JSON.stringify({\"\\ud800\": {toJSON(k) { return k.charCodeAt(0) }}}, null, 1)",
		"{\n \"\\ud800\": 55296\n}"},
}

func TestStringifyMatchesV8(t *testing.T) {
	inst := preludeInstance(t, "")
	for _, tt := range stringifyCases {
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

// TestStringifyStopsAtTheCPULimit: an array of 2^32-1 holes is some 20 GB
// of "null," built in one Go call, which vm.Interrupt cannot stop; the
// stringify looks at the limits as it goes, and what it throws once the
// limit tripped cannot be caught.
func TestStringifyStopsAtTheCPULimit(t *testing.T) {
	p := compile(t, `return {default:{fetch(){
		const a = []; a.length = 2 ** 32 - 1;
		try { return new Response(String(JSON.stringify(a).length)) } catch (e) { return new Response("caught " + e) }
	}}}`, schemas.Limits{CPUMillis: 50, WallMillis: 5000, MemoryMB: 1024})
	cpu, err := invokeOnThisThread(t, p)
	if !errors.Is(err, ErrCPUTime) {
		t.Fatalf("err = %v, want ErrCPUTime", err)
	}
	if cpu > 1500*time.Millisecond {
		t.Fatalf("stopped after %v of CPU", cpu)
	}
}

// TestAppendJSNumber: Number::toString as goja writes it, for numbers of
// every magnitude and digit count.
func TestAppendJSNumber(t *testing.T) {
	vm := goja.New()
	rnd := rand.New(rand.NewPCG(1, 2))
	check := func(f float64) {
		if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return
		}
		want := vm.ToValue(f).String()
		if got := string(appendJSNumber(nil, f)); got != want {
			t.Errorf("%v (%b): got %s, want %s", f, f, got, want)
		}
	}
	for _, f := range []float64{1e21, 1e-7, 5e-7, 1e-6, 0.000001, 123456789012345680000, 0.1 + 0.2, 1.5e300, 1 << 63,
		-1e-7, 1.0 / 3, 4.35, 0.5, 1e20, 1.2345e20, 1.2345e21, 1.2345e-6, 1.2345e-7, math.MaxFloat64, math.SmallestNonzeroFloat64,
		5e-324, 1 << 53, 1<<53 + 2, 9007199254740993, 123.456, -0.001, 100.5} {
		check(f)
		check(-f)
	}
	for range 200000 {
		check(math.Float64frombits(rnd.Uint64()))
		check(float64(rnd.IntN(1e9)) / math.Pow10(rnd.IntN(30)))
		check(rnd.NormFloat64() * math.Pow10(rnd.IntN(50)-25))
	}
}
