package isolate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/schemas"
)

// webapiVM is a runtime that has run the prelude, as a function's has.
func webapiVM(tb testing.TB) *goja.Runtime { return preludeInstance(tb, "").vm }

// webapiPrologue gives every case a few helpers.
const webapiPrologue = `
const codes = (s) => Array.from(s, (c) => c.codePointAt(0).toString(16)).join(" ");
const dec = (bytes, opts) => new TextDecoder("utf-8", opts).decode(new Uint8Array(bytes));
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const threw = (f) => { try { f(); return "no throw" } catch (e) { return e.name } };
`

var typePromise = reflect.TypeOf((*goja.Promise)(nil))

// webapiEval runs body as a function body and gives its result as a
// string: the returned value, a settled promise's "resolves X" or
// "rejects Name: message", or "throws Name: message".
func webapiEval(tb testing.TB, vm *goja.Runtime, body string) string {
	tb.Helper()
	v, err := vm.RunString("(function(){" + webapiPrologue + body + "\n})()")
	if err != nil {
		var ex *goja.Exception
		if errors.As(err, &ex) {
			return "throws " + webapiErrName(vm, ex.Value())
		}
		tb.Fatalf("%s: %v", body, err)
	}
	if v.ExportType() == typePromise {
		p := v.Export().(*goja.Promise)
		switch p.State() {
		case goja.PromiseStateFulfilled:
			return "resolves " + p.Result().String()
		case goja.PromiseStateRejected:
			return "rejects " + webapiErrName(vm, p.Result())
		}
		return "pending"
	}
	return v.String()
}

func webapiErrName(vm *goja.Runtime, v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		return o.Get("name").String() + ": " + o.Get("message").String()
	}
	return v.String()
}

type webapiCase struct{ name, body, want string }

// webapiRun runs each case in its own runtime, so no case sees
// another's leftovers. A want ending in "*" matches any result it
// prefixes.
func webapiRun(t *testing.T, cases []webapiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := webapiEval(t, webapiVM(t), c.body); got != c.want && !(strings.HasSuffix(c.want, "*") && strings.HasPrefix(got, strings.TrimSuffix(c.want, "*"))) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestWebapiTextEncoder(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"ASCII", `return new TextEncoder().encode("hi").join()`, "104,105"},
		{"Astral", `return new TextEncoder().encode("😀").join()`, "240,159,152,128"},
		{"LoneSurrogatesAreFFFD", `return new TextEncoder().encode("a\uD800b\uDC00").join()`, "97,239,191,189,98,239,191,189"},
		{"ReversedPairIsTwoFFFD", `return new TextEncoder().encode("\uDE00\uD83D").join()`, "239,191,189,239,191,189"},
		{"Default", `const e = new TextEncoder(); return [e.encode().length, e.encode(undefined).length, e.encode(null).join(), e.encoding].join("|")`, "0|0|110,117,108,108|utf-8"},
		{"ReturnsUint8Array", `const u = new TextEncoder().encode("x"); return u instanceof Uint8Array && u.buffer instanceof ArrayBuffer`, "true"},
		{"SymbolThrows", `return threw(() => new TextEncoder().encode(Symbol()))`, "TypeError"},
		{"EncodeIntoStopsBeforeAPartialCharacter", `const r = new TextEncoder().encodeInto("a😀b", new Uint8Array(4)); return r.read + "," + r.written`, "1,1"},
		{"EncodeIntoFits", `const d = new Uint8Array(6); const r = new TextEncoder().encodeInto("a😀b", d); return r.read + "," + r.written + "|" + d.join()`, "4,6|97,240,159,152,128,98"},
		{"EncodeIntoSubarray", `const d = new Uint8Array(8); const r = new TextEncoder().encodeInto("abcd", d.subarray(2, 5)); return r.read + "," + r.written + "|" + d.join()`, "3,3|0,0,97,98,99,0,0,0"},
		{"EncodeIntoLoneSurrogate", `const r = new TextEncoder().encodeInto("\uD800", new Uint8Array(3)); return r.read + "," + r.written`, "1,3"},
		{"EncodeIntoRejectsOtherViews", `return threw(() => new TextEncoder().encodeInto("a", new Uint16Array(2)))`, "TypeError"},
	})
}

func TestWebapiTextDecoder(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"RoundTrips", `const e = new TextEncoder(), d = new TextDecoder();
			return ["", "héllo", "日本語", "😀x", "\u0000", "\uFFFF", String.fromCodePoint(0x10FFFF), "a\u{1F600}\u{1F600}b"].every((s) => d.decode(e.encode(s)) === s)`, "true"},
		{"TruncatedSequenceIsOneFFFD", `return codes(dec([0xE2, 0x82]))`, "fffd"},
		{"TruncatedThenASCII", `return codes(dec([0xE2, 0x82, 0x41]))`, "fffd 41"},
		{"TruncatedFourByte", `return codes(dec([0xF0, 0x9F, 0x98, 0x41]))`, "fffd 41"},
		{"EncodedSurrogate", `return codes(dec([0xED, 0xA0, 0x80]))`, "fffd fffd fffd"},
		{"Overlong", `return codes(dec([0xC0, 0x80, 0xE0, 0x80, 0x80]))`, "fffd fffd fffd fffd fffd"},
		{"AboveMax", `return codes(dec([0xF4, 0x90, 0x80, 0x80]))`, "fffd fffd fffd fffd"},
		{"LoneContinuation", `return codes(dec([0x80, 0x41, 0xFF]))`, "fffd 41 fffd"},
		{"EncodedFFFDIsKept", `return codes(dec([0xEF, 0xBF, 0xBD]))`, "fffd"},
		{"FatalThrows", `const d = new TextDecoder("utf-8", {fatal: true}); return d.fatal + " " + threw(() => d.decode(new Uint8Array([0x61, 0xC3])))`, "true TypeError"},
		{"FatalValid", `return dec([0x68, 0xC3, 0xA9], {fatal: true})`, "hé"},
		{"BOMStripped", `return codes(dec([0xEF, 0xBB, 0xBF, 0x41]))`, "41"},
		{"OnlyOneBOMStripped", `return codes(dec([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x41]))`, "feff 41"},
		{"IgnoreBOMKeepsIt", `const d = new TextDecoder("utf-8", {ignoreBOM: true}); return d.ignoreBOM + " " + codes(d.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x41])))`, "true feff 41"},
		{"BOMOnly", `return dec([0xEF, 0xBB, 0xBF]).length`, "0"},
		{"Subarray", `const u = new TextEncoder().encode("xhiy"); return new TextDecoder().decode(u.subarray(1, 3))`, "hi"},
		{"DataViewWithOffset", `const u = new TextEncoder().encode("xhiy"); return new TextDecoder().decode(new DataView(u.buffer, 1, 2))`, "hi"},
		{"Uint16ArrayView", `const b = new Uint8Array([0x78, 0x78, 0x68, 0x69]); return new TextDecoder().decode(new Uint16Array(b.buffer, 2, 1))`, "hi"},
		{"ArrayBuffer", `return new TextDecoder().decode(new TextEncoder().encode("xhiy").buffer)`, "xhiy"},
		{"Undefined", `return new TextDecoder().decode().length`, "0"},
		{"RejectsString", `return threw(() => new TextDecoder().decode("abc"))`, "TypeError"},
		{"RejectsFakeArrayBuffer", `return threw(() => new TextDecoder().decode(Object.create(ArrayBuffer.prototype)))`, "TypeError"},
		{"IllegalInvocation", `return threw(() => TextDecoder.prototype.decode.call({}, new Uint8Array(1)))`, "TypeError"},
		{"Labels", `return ["utf8", " UTF-8\n", "unicode-1-1-utf-8", "x-unicode20utf8", undefined].map((l) => new TextDecoder(l).encoding).join()`, "utf-8,utf-8,utf-8,utf-8,utf-8"},
		{"UnsupportedLabel", `return threw(() => new TextDecoder("klingon"))`, "RangeError"},
		{"Stream", `const b = new TextEncoder().encode("a😀b"), d = new TextDecoder();
			return d.decode(b.subarray(0, 2), {stream: true}) + "|" + d.decode(b.subarray(2, 4), {stream: true}) + "|" + d.decode(b.subarray(4), {stream: true}) + "|" + d.decode()`, "a||😀b|"},
		{"StreamTruncatedAtEnd", `const d = new TextDecoder(); return codes(d.decode(new Uint8Array([0xF0, 0x9F]), {stream: true}) + d.decode())`, "fffd"},
		{"StreamBOMSplit", `const d = new TextDecoder();
			const first = d.decode(new Uint8Array([0xEF]), {stream: true}) + d.decode(new Uint8Array([0xBB, 0xBF, 0x41]));
			const second = d.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x42]));
			return codes(first) + "|" + codes(second)`, "41|42"},
		{"StreamBOMInTheMiddle", `const d = new TextDecoder(); return codes(d.decode(new Uint8Array([0x41]), {stream: true}) + d.decode(new Uint8Array([0xEF, 0xBB, 0xBF])))`, "41 feff"},
		{"StreamFatal", `const d = new TextDecoder("utf-8", {fatal: true}); d.decode(new Uint8Array([0xE2]), {stream: true}); return threw(() => d.decode())`, "TypeError"},
	})
}

func TestWebapiBase64(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"BtoaPadding", `return ["", "a", "ab", "abc", "\xff\xfe\x00"].map(btoa).join("|")`, "|YQ==|YWI=|YWJj|//4A"},
		{"BtoaConverts", `return btoa(123) + btoa(null)`, "MTIzbnVsbA=="},
		{"BtoaAbove0xFF", `return threw(() => btoa("\u0100"))`, "InvalidCharacterError"},
		{"BtoaLoneSurrogate", `return threw(() => btoa("\uD800"))`, "InvalidCharacterError"},
		{"BtoaNoArgument", `return threw(() => btoa())`, "TypeError"},
		{"AtobPadded", `return atob("YQ==") + atob("YWI=") + atob("YWJj")`, "aababc"},
		{"AtobUnpadded", `return atob("YQ") + atob("YWI")`, "aab"},
		{"AtobWhitespace", `return atob(" Y Q = = ") + atob("\tYW\nJj\f\r ")`, "aabc"},
		{"AtobTrailingBitsIgnored", `return atob("YR==")`, "a"},
		{"AtobHighBytes", `return codes(atob("//4A"))`, "ff fe 0"},
		{"AtobEmpty", `return atob("").length`, "0"},
		{"AtobNull", `return codes(atob(null))`, "9e e9 65"},
		{"AtobPartialPadding", `return threw(() => atob("YQ="))`, "InvalidCharacterError"},
		{"AtobTooMuchPadding", `return threw(() => atob("YQ==="))`, "InvalidCharacterError"},
		{"AtobPaddingOnly", `return threw(() => atob("===="))`, "InvalidCharacterError"},
		{"AtobPaddingInside", `return threw(() => atob("YW=J"))`, "InvalidCharacterError"},
		{"AtobLengthOneMod4", `return threw(() => atob("Y"))`, "InvalidCharacterError"},
		{"AtobVerticalTabIsNotWhitespace", `return threw(() => atob("YWJj\v"))`, "InvalidCharacterError"},
		{"AtobNonASCII", `return threw(() => atob("ab\u00e9="))`, "InvalidCharacterError"},
		{"AtobUndefined", `return threw(() => atob(undefined))`, "InvalidCharacterError"},
		{"AtobURLAlphabet", `return threw(() => atob("-_=="))`, "InvalidCharacterError"},
		{"ErrorIsDOMException", `try { atob("*") } catch (e) { return [e instanceof DOMException, e instanceof Error, e.code, e.name].join() }`, "true,true,5,InvalidCharacterError"},
		{"ErrorSurvivesReplacedGlobal", `globalThis.DOMException = function () {}; try { atob("*") } catch (e) { return e.name + " " + (e instanceof Error) }`, "InvalidCharacterError true"},
	})
}

func TestWebapiGetRandomValues(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"FillsInPlace", `const a = new Uint8Array(64); const r = crypto.getRandomValues(a); return r === a && a.some((x) => x !== 0)`, "true"},
		{"FillsOnlyTheSubarray", `const b = new Uint8Array(32); crypto.getRandomValues(b.subarray(8, 24));
			return [b.subarray(0, 8).every((x) => x === 0), b.subarray(24).every((x) => x === 0), b.subarray(8, 24).some((x) => x !== 0)].join()`, "true,true,true"},
		{"Uint32Array", `const a = new Uint32Array(16); return crypto.getRandomValues(a) === a && a.some((x) => x !== 0)`, "true"},
		{"BigUint64Array", `const a = new BigUint64Array(4); crypto.getRandomValues(a); return a.some((x) => x !== 0n)`, "true"},
		{"Uint8ClampedArray", `const a = new Uint8ClampedArray(16); crypto.getRandomValues(a); return a.some((x) => x !== 0)`, "true"},
		{"Int16ArrayOverSharedBuffer", `const buf = new ArrayBuffer(16); const a = new Int16Array(buf, 4, 4); crypto.getRandomValues(a); const u = new Uint8Array(buf);
			return u.subarray(0, 4).every((x) => x === 0) && u.subarray(12).every((x) => x === 0) && u.subarray(4, 12).some((x) => x !== 0)`, "true"},
		{"Exactly65536Bytes", `return crypto.getRandomValues(new Uint8Array(65536)).length`, "65536"},
		{"Unbound", `const { getRandomValues } = crypto; return getRandomValues(new Uint8Array(4)).length`, "4"},
		{"RejectsFloat32Array", `return threw(() => crypto.getRandomValues(new Float32Array(4)))`, "TypeMismatchError"},
		{"RejectsFloat64Array", `return threw(() => crypto.getRandomValues(new Float64Array(4)))`, "TypeMismatchError"},
		{"RejectsDataView", `return threw(() => crypto.getRandomValues(new DataView(new ArrayBuffer(4))))`, "TypeMismatchError"},
		{"RejectsArray", `return threw(() => crypto.getRandomValues([1, 2]))`, "TypeError"},
		{"RejectsArrayBuffer", `return threw(() => crypto.getRandomValues(new ArrayBuffer(4)))`, "TypeError"},
		{"Rejects65537Bytes", `return threw(() => crypto.getRandomValues(new Uint8Array(65537)))`, "QuotaExceededError"},
		{"RejectsLargeUint32Array", `return threw(() => crypto.getRandomValues(new Uint32Array(16385)))`, "QuotaExceededError"},
	})
}

func TestWebapiRandomUUID(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Version4Variant10", `const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
			const seen = new Set();
			for (let i = 0; i < 500; i++) { const u = crypto.randomUUID(); if (!re.test(u)) return u; seen.add(u) }
			return seen.size`, "500"},
	})
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for range 1000 {
		if u := newUUID(); !re.MatchString(u) {
			t.Fatalf("newUUID() = %q", u)
		}
	}
}

func TestWebapiDigest(t *testing.T) {
	// FIPS 180 test vectors for "abc".
	abc := map[string]string{
		"SHA-1":   "a9993e364706816aba3e25717850c26c9cd0d89d",
		"SHA-256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"SHA-384": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
		"SHA-512": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	}
	var cases []webapiCase
	for alg, sum := range abc {
		cases = append(cases, webapiCase{"ABC" + alg, `return crypto.subtle.digest("` + alg + `", new TextEncoder().encode("abc")).then(hex)`, "resolves " + sum})
	}
	sha256abc := "resolves " + abc["SHA-256"]
	cases = append(cases, []webapiCase{
		{"EmptySHA256", `return crypto.subtle.digest("SHA-256", new Uint8Array(0)).then(hex)`, "resolves e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"AlgorithmObject", `return crypto.subtle.digest({name: "SHA-256"}, new TextEncoder().encode("abc")).then(hex)`, sha256abc},
		{"AlgorithmCaseInsensitive", `return crypto.subtle.digest("sHa-256", new TextEncoder().encode("abc")).then(hex)`, sha256abc},
		{"ArrayBuffer", `return crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc").buffer).then(hex)`, sha256abc},
		{"DataViewWithOffset", `const u = new TextEncoder().encode("xabcx"); return crypto.subtle.digest("SHA-256", new DataView(u.buffer, 1, 3)).then(hex)`, sha256abc},
		{"Uint16ArraySubarray", `const u = new TextEncoder().encode("xxabcd"); return crypto.subtle.digest("SHA-256", new Uint8Array(new Uint16Array(u.buffer, 2, 2).buffer, 2, 3)).then(hex)`, sha256abc},
		{"ResultIsArrayBuffer", `return crypto.subtle.digest("SHA-1", new Uint8Array(1)).then((b) => b instanceof ArrayBuffer && b.byteLength)`, "resolves 20"},
		{"UnknownAlgorithm", `return crypto.subtle.digest("MD5", new Uint8Array(1))`, "rejects NotSupportedError: Unrecognized algorithm name: MD5"},
		{"NonASCIICaseFolding", `return crypto.subtle.digest("\u017Fha-256", new Uint8Array(1))`, "rejects NotSupportedError*"},
		{"AlgorithmWithoutName", `return crypto.subtle.digest({}, new Uint8Array(1))`, "rejects TypeError*"},
		{"DataNotABuffer", `return crypto.subtle.digest("SHA-256", "abc")`, "rejects TypeError*"},
	}...)
	webapiRun(t, cases)
}

func TestWebapiStructuredClone(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Cycles", `const o = {a: [1, {b: 2}]}; o.self = o; o.a.push(o); const c = structuredClone(o);
			return [c !== o, c.self === c, c.a[2] === c, c.a[1].b, c.a[1] !== o.a[1]].join()`, "true,true,true,2,true"},
		{"SharedReferences", `const s = {}; const c = structuredClone({x: s, y: s}); return c.x === c.y && c.x !== s`, "true"},
		{"Map", `const k = {id: 1}, m2 = new Map([[1, 2]]); const m = new Map([[k, {v: "x"}], ["s", m2]]); const c = structuredClone(m);
			const [ck] = c.keys(); return [c instanceof Map, c.size, ck.id, ck !== k, c.get(ck).v, c.get("s").get(1)].join()`, "true,2,1,true,x,2"},
		{"MapCycle", `const m = new Map(); m.set(m, m); const c = structuredClone(m); return c.get(c) === c && c !== m`, "true"},
		{"Set", `const o = {}; const s = new Set([1, "a", o, o]); const c = structuredClone(s); const items = [...c];
			return [c instanceof Set, c.size, items[2] !== o, typeof items[2]].join()`, "true,3,true,object"},
		{"Date", `const d = new Date(1700000000123); const c = structuredClone(d); return c instanceof Date && c !== d && c.getTime()`, "1700000000123"},
		{"RegExp", `const r = /a+b/gi; r.lastIndex = 3; const c = structuredClone(r); return [c instanceof RegExp, c !== r, c.source, c.flags, c.lastIndex].join()`, "true,true,a+b,gi,0"},
		{"TypedArraysShareTheirClonedBuffer", `const buf = new ArrayBuffer(8); const a = new Uint8Array(buf, 2, 4), d = new DataView(buf); a[0] = 7;
			const c = structuredClone({a, d});
			return [c.a.buffer === c.d.buffer, c.a.buffer !== buf, c.a.byteOffset, c.a.length, c.a[0], c.d.getUint8(2), c.a instanceof Uint8Array, c.d instanceof DataView].join()`, "true,true,2,4,7,7,true,true"},
		{"ArrayBufferIsACopy", `const u = new Uint8Array([1, 2, 3]); const c = structuredClone(u.buffer); u[0] = 9; return new Uint8Array(c).join()`, "1,2,3"},
		{"Float64AndBigInt64", `const c = structuredClone([new Float64Array([1.5, NaN]), new BigInt64Array([-5n])]); return [c[0][0], c[0][1], c[1][0], c[0].constructor.name, c[1].constructor.name].join()`, "1.5,NaN,-5,Float64Array,BigInt64Array"},
		{"Errors", `const c = structuredClone([new RangeError("r"), new TypeError("t"), new Error("e")]);
			return c.map((e) => (e instanceof Error) + e.name + ":" + e.message + ":" + Object.keys(e).length).join()`, "trueRangeError:r:0,trueTypeError:t:0,trueError:e:0"},
		{"CustomErrorBecomesError", `class MyError extends Error { constructor(m) { super(m); this.name = "MyError" } } const c = structuredClone(new MyError("m")); return c.constructor.name + ":" + c.name + ":" + c.message`, "Error:Error:m"},
		{"DOMException", `const c = structuredClone(new DOMException("gone", "NotFoundError")); return [c instanceof DOMException, c.name, c.message, c.code].join()`, "true,NotFoundError,gone,8"},
		{"Primitives", `const v = [NaN, -0, 1n, undefined, null, "s", true, 1.5]; const c = structuredClone(v); return v.every((x, i) => Object.is(x, c[i])) && c.length`, "8"},
		{"TopLevelPrimitives", `return [structuredClone(5n) === 5n, structuredClone(undefined) === undefined, Object.is(structuredClone(-0), -0)].join()`, "true,true,true"},
		{"Wrappers", `const c = structuredClone([new Number(3), new String("s"), new Boolean(false), Object(2n)]); return c.map((w) => typeof w + ":" + w.valueOf()).join()`, "object:3,object:s,object:false,object:2"},
		{"Holes", `const c = structuredClone([1, , 3]); return c.length + ":" + (1 in c)`, "3:false"},
		{"ArrayExtraProperties", `const a = [1]; a.extra = "x"; return structuredClone(a).extra`, "x"},
		{"GettersBecomeData", `const c = structuredClone({get x() { return 5 }}); return c.x + ":" + ("value" in Object.getOwnPropertyDescriptor(c, "x"))`, "5:true"},
		{"ClassInstanceBecomesPlain", `class P { constructor() { this.a = 1 } m() {} } const c = structuredClone(new P()); return (Object.getPrototypeOf(c) === Object.prototype) + ":" + c.a`, "true:1"},
		{"ProtoKeyStaysOwn", `const c = structuredClone(JSON.parse('{"__proto__": {"x": 1}}')); return (Object.getPrototypeOf(c) === Object.prototype) + ":" + Object.keys(c) + ":" + c.x`, "true:__proto__:undefined"},
		{"NonEnumerableAndSymbolKeysSkipped", `const o = {a: 1, [Symbol("s")]: 2}; Object.defineProperty(o, "h", {value: 3}); return Reflect.ownKeys(structuredClone(o)).length`, "1"},
		{"DeepNesting", `let o = {}; const root = o; for (let i = 0; i < 100000; i++) { o = o.n = {} } let c = structuredClone(root), n = 0; while (c.n) { c = c.n; n++ } return n`, "100000"},
		{"FunctionThrows", `return threw(() => structuredClone(() => 1))`, "DataCloneError"},
		{"NestedFunctionThrows", `return threw(() => structuredClone({a: [{f() {}}]}))`, "DataCloneError"},
		{"SymbolThrows", `return threw(() => structuredClone(Symbol("s"))) + threw(() => structuredClone({s: Symbol()}))`, "DataCloneErrorDataCloneError"},
		{"UncloneableBuiltins", `return [new WeakMap(), new WeakSet(), Promise.resolve(), Object(Symbol())].map((v) => threw(() => structuredClone(v))).join()`, "DataCloneError,DataCloneError,DataCloneError,DataCloneError"},
		{"PlatformObjectsThrow", `return [new Headers(), new AbortController(), new TextEncoder(), new Event("x")].map((v) => threw(() => structuredClone({v}))).join()`, "DataCloneError,DataCloneError,DataCloneError,DataCloneError"},
		{"ErrorCode", `try { structuredClone(() => 1) } catch (e) { return [e instanceof DOMException, e.code].join() }`, "true,25"},
		{"TransferUnsupported", `return threw(() => structuredClone(1, {transfer: [new ArrayBuffer(1)]})) + ":" + structuredClone(2, {transfer: []})`, "DataCloneError:2"},
		{"NoArgument", `return threw(() => structuredClone())`, "TypeError"},
	})
}

func TestWebapiAbort(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"AbortFiresOnceInListenerOrder", `const c = new AbortController(), s = c.signal, log = [];
			s.addEventListener("abort", (e) => log.push("l1:" + e.type + ":" + (e.target === s)));
			s.onabort = () => log.push("onabort");
			s.addEventListener("abort", () => log.push("once"), {once: true});
			c.abort(); c.abort();
			return log.join() + "|" + s.aborted`, "l1:abort:true,onabort,once|true"},
		{"DefaultReason", `const c = new AbortController(); c.abort(); const r = c.signal.reason; return [r instanceof DOMException, r.name, r.code].join()`, "true,AbortError,20"},
		{"CustomReason", `const c = new AbortController(); c.abort("why"); c.abort("again"); return c.signal.reason`, "why"},
		{"ThrowIfAborted", `const c = new AbortController(); c.signal.throwIfAborted(); c.abort(new RangeError("r")); return threw(() => c.signal.throwIfAborted())`, "RangeError"},
		{"RemoveEventListener", `const c = new AbortController(); let n = 0; const f = () => n++; c.signal.addEventListener("abort", f); c.signal.removeEventListener("abort", f); c.abort(); return n`, "0"},
		{"DuplicateListenerAddedOnce", `const c = new AbortController(); let n = 0; const f = () => n++; c.signal.addEventListener("abort", f); c.signal.addEventListener("abort", f); c.abort(); return n`, "1"},
		{"HandleEventObject", `const c = new AbortController(); let got; c.signal.addEventListener("abort", {handleEvent(e) { got = e.type }}); c.abort(); return got`, "abort"},
		{"OnabortReplaced", `const c = new AbortController(); const log = []; c.signal.onabort = () => log.push("a"); c.signal.onabort = () => log.push("b"); c.abort(); return log.join() + typeof c.signal.onabort`, "bfunction"},
		{"StaticAbort", `const s = AbortSignal.abort(), t = AbortSignal.abort("r"); return [s.aborted, s.reason.name, t.reason].join()`, "true,AbortError,r"},
		{"Any", `const a = new AbortController(), b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]); let n = 0;
			s.addEventListener("abort", () => n++);
			const before = s.aborted; b.abort("b"); a.abort("a");
			return [before, s.aborted, s.reason, n].join()`, "false,true,b,1"},
		{"AnyAlreadyAborted", `const s = AbortSignal.any([new AbortController().signal, AbortSignal.abort("early")]); return s.aborted + ":" + s.reason`, "true:early"},
		{"AnyOfAny", `const a = new AbortController(); const s2 = AbortSignal.any([AbortSignal.any([a.signal])]); a.abort("x"); return s2.aborted + ":" + s2.reason`, "true:x"},
		{"AnySeesReasonBeforeSourceListenersRun", `const a = new AbortController(); const s = AbortSignal.any([a.signal]); let seen;
			a.signal.addEventListener("abort", () => { seen = s.aborted }); a.abort(); return seen`, "true"},
		{"AnyEmptyNeverAborts", `return AbortSignal.any([]).aborted`, "false"},
		{"AnyRejectsNonSignals", `return threw(() => AbortSignal.any([1]))`, "TypeError"},
		{"IllegalConstructor", `return threw(() => new AbortSignal())`, "TypeError"},
		{"ListenerSignalRemovesListener", `const c = new AbortController(), t = new EventTarget(); let n = 0;
			t.addEventListener("x", () => n++, {signal: c.signal}); t.dispatchEvent(new Event("x")); c.abort(); t.dispatchEvent(new Event("x")); return n`, "1"},
		{"TimeoutLooksUpSetTimeoutWhenCalled", `const calls = []; globalThis.setTimeout = (fn, ms) => { calls.push([fn, ms]); return 1 };
			const s = AbortSignal.timeout(10.7); const before = s.aborted; calls[0][0]();
			return [calls[0][1], before, s.aborted, s.reason.name, s.reason instanceof DOMException, s.reason.code].join()`, "10,false,true,TimeoutError,true,23"},
		{"TimeoutWithoutTimers", `delete globalThis.setTimeout; return threw(() => AbortSignal.timeout(1))`, "TypeError"},
		{"TimeoutBadDelay", `return [-1, NaN, Infinity].map((ms) => threw(() => AbortSignal.timeout(ms))).join()`, "TypeError,TypeError,TypeError"},
		{"ToStringTags", `return [new AbortController(), AbortSignal.abort(), new DOMException(), crypto].map((o) => Object.prototype.toString.call(o)).join()`,
			"[object AbortController],[object AbortSignal],[object DOMException],[object Crypto]"},
	})
}

func TestWebapiEventTarget(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"DispatchReturnsNotCanceled", `const t = new EventTarget(); t.addEventListener("x", (e) => e.preventDefault());
			return [t.dispatchEvent(new Event("x")), t.dispatchEvent(new Event("x", {cancelable: true}))].join()`, "true,false"},
		{"TargetsDuringDispatch", `const t = new EventTarget(); let during; const e = new Event("x");
			t.addEventListener("x", (ev) => { during = [ev.target === t, ev.currentTarget === t, ev.eventPhase].join() }); t.dispatchEvent(e);
			return during + "|" + (e.currentTarget === null) + "," + e.eventPhase`, "true,true,2|true,0"},
		{"StopImmediatePropagation", `const t = new EventTarget(), log = []; t.addEventListener("x", (e) => { log.push(1); e.stopImmediatePropagation() }); t.addEventListener("x", () => log.push(2)); t.dispatchEvent(new Event("x")); return log.join()`, "1"},
		{"Subclass", `class Bus extends EventTarget {} const b = new Bus(); let n = 0; b.addEventListener("e", () => n++); b.dispatchEvent(new Event("e")); return n`, "1"},
		{"DispatchRejectsNonEvents", `return threw(() => new EventTarget().dispatchEvent({type: "x"}))`, "TypeError"},
		{"EventNeedsAType", `return threw(() => new Event())`, "TypeError"},
	})
}

func TestWebapiDOMExceptionAndPerformance(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Defaults", `const e = new DOMException(); return [e.name, e.message === "", e.code, e instanceof Error].join()`, "Error,true,0,true"},
		{"NameMessageCode", `const e = new DOMException("gone", "NotFoundError"); return [e.name, e.message, e.code, String(e)].join()`, "NotFoundError,gone,8,NotFoundError: gone"},
		{"Stack", `return new DOMException("late", "TimeoutError").stack.split("\n")[0]`, "TimeoutError: late"},
		{"PerformanceNow", `const a = performance.now(); let x = 0; for (let i = 0; i < 1e5; i++) x += i; const b = performance.now();
			return [typeof a, a >= 0, b >= a, Math.abs(performance.timeOrigin + b - Date.now()) < 1000].join()`, "number,true,true,true"},
		{"LazyGlobalsAreUnbuiltAtStart", `return ["DOMException", "Event", "EventTarget", "TextEncoder", "TextDecoder", "crypto", "AbortController", "AbortSignal", "structuredClone"]
			.filter((n) => Object.getOwnPropertyDescriptor(globalThis, n).get === undefined).join()`, ""},
		{"LazyGlobalBecomesData", `const f = TextDecoder; const d = Object.getOwnPropertyDescriptor(globalThis, "TextDecoder");
			const e = Object.getOwnPropertyDescriptor(globalThis, "TextEncoder");
			return [d.value === f, d.writable, d.enumerable, typeof e.value].join()`, "true,true,false,function"},
		{"LazyGlobalAssignedFirst", `globalThis.structuredClone = 1; return structuredClone`, "1"},
		{"NotEnumerable", `return Object.keys(globalThis).filter((k) => ["crypto", "atob", "TextEncoder", "performance", "structuredClone"].includes(k)).length`, "0"},
	})
}

// An AbortSignal.timeout with the runtime's own timers, in an invocation.
func TestWebapiTimeoutInInvocation(t *testing.T) {
	p := compile(t, `return {default:{async fetch(){
		const s = AbortSignal.timeout(5);
		await new Promise((ok) => s.addEventListener("abort", ok));
		return new Response(s.reason.name) }}}`, schemas.Limits{})
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "TimeoutError" {
		t.Fatalf("got %q", resp.Body)
	}
}

type webapiSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *webapiSink) Log(e LogEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, e.Level+" "+e.Message)
}

// A listener that throws is reported, and the others still run.
func TestWebapiListenerExceptionIsReported(t *testing.T) {
	sink := &webapiSink{}
	code := "var " + ModuleGlobal + ` = {default:{fetch(){
		const c = new AbortController(); let n = 0;
		c.signal.addEventListener("abort", () => { throw new Error("boom") });
		c.signal.addEventListener("abort", () => n++);
		c.abort();
		return new Response(String(n)) }}};`
	p, err := Compile(Config{Function: "webapi", Version: 1, Code: []byte(code), Logger: discardLogger(), Logs: sink})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Invoke(context.Background(), &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "1" {
		t.Fatalf("second listener ran %q times, want 1", resp.Body)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.lines) != 1 || !strings.HasPrefix(sink.lines[0], "error Uncaught (in event listener) Error: boom") {
		t.Fatalf("logs %q", sink.lines)
	}
}

// The hooks are Go code that JS calls: whatever they get, they return or
// throw a JS exception, and never panic.
func TestWebapiHooksNeverPanic(t *testing.T) {
	vm := goja.New()
	host := vm.NewObject()
	installEncoding(vm, host)
	installCrypto(vm, host)
	_ = host.Set("domException", func(c goja.FunctionCall) goja.Value { return vm.NewTypeError(c.Argument(0).String()) })
	hooks := map[string]goja.Value{}
	for _, group := range []string{"encodingHooks", "cryptoHooks"} {
		mk, _ := goja.AssertFunction(host.Get(group))
		o, err := mk(goja.Undefined())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range o.(*goja.Object).Keys() {
			hooks[k] = o.(*goja.Object).Get(k)
		}
	}
	for _, k := range []string{"atob", "btoa", "now"} {
		hooks[k] = host.Get(k)
	}
	args, err := vm.RunString(`[undefined, null, 0, -1, 1e300, "", "abc", "\uD800", Symbol("s"), 10n, {}, [], [1, 2, 3], {length: 1e9},
		Object.create(ArrayBuffer.prototype), Object.create(Uint8Array.prototype), new ArrayBuffer(0), new ArrayBuffer(70000),
		new Uint8Array(0), new Uint8Array([0xE2, 0x82]), new Uint8Array(70000), new Uint8Array(8).subarray(3, 5), new Uint16Array(4),
		new Float64Array(2), new DataView(new ArrayBuffer(4)), new Proxy({}, {get() { throw new Error("trap") }}), () => 1]`)
	if err != nil {
		t.Fatal(err)
	}
	vals := args.(*goja.Object)
	n := int(vals.Get("length").ToInteger())
	for name, h := range hooks {
		fn, ok := goja.AssertFunction(h)
		if !ok {
			t.Fatalf("%s is not a function", name)
		}
		for i := range n {
			a := vals.Get(fmt.Sprint(i))
			for _, call := range [][]goja.Value{{}, {a}, {a, a}, {vm.ToValue("SHA-256"), a}, {a, goja.Undefined(), vm.ToValue(true)}} {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s(%v) panicked: %v", name, call, r)
						}
					}()
					var ex *goja.Exception
					if _, err := fn(goja.Undefined(), call...); err != nil && !errors.As(err, &ex) {
						t.Errorf("%s(%v): %v", name, call, err)
					}
				}()
			}
		}
	}
}

func TestWebapiDecodeUTF8(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"Empty", nil, ""},
		{"Valid", []byte("héllo 😀"), "héllo 😀"},
		{"TruncatedAtEnd", []byte{0x61, 0xF0, 0x9F, 0x98}, "a\uFFFD"},
		{"TruncatedInside", []byte{0xE2, 0x82, 0x61}, "\uFFFDa"},
		{"Surrogate", []byte{0xED, 0xA0, 0x80}, "\uFFFD\uFFFD\uFFFD"},
		{"InvalidLeads", []byte{0xC0, 0xC1, 0xF5, 0xFF}, "\uFFFD\uFFFD\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decodeUTF8(tt.in, false)
			if !ok || got != tt.want || got != webapiRefDecode(tt.in) {
				t.Fatalf("decodeUTF8(% x) = %q, want %q", tt.in, got, tt.want)
			}
			if _, ok := decodeUTF8(tt.in, true); ok != utf8.Valid(tt.in) {
				t.Fatalf("fatal decode ok = %v", ok)
			}
		})
	}
	tails := []struct {
		in   []byte
		want int
	}{
		{nil, 0}, {[]byte("a"), 0}, {[]byte{0xC3}, 1}, {[]byte{0x61, 0xE2, 0x82}, 2}, {[]byte{0xF0, 0x9F, 0x98}, 3},
		{[]byte{0xF0, 0x9F, 0x98, 0x80}, 0}, {[]byte{0xE0, 0x80}, 0}, {[]byte{0x80, 0x80, 0x80}, 0}, {[]byte{0xED, 0xA0}, 0},
	}
	for _, tt := range tails {
		if got := utf8Tail(tt.in); got != tt.want {
			t.Errorf("utf8Tail(% x) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// webapiRefDecode is the Encoding standard's UTF-8 decoder, step by step,
// as an oracle for decodeUTF8.
func webapiRefDecode(b []byte) string {
	var out []rune
	var cp rune
	need, seen := 0, 0
	lower, upper := byte(0x80), byte(0xBF)
	for i := 0; i <= len(b); i++ {
		if i == len(b) {
			if need != 0 {
				out = append(out, utf8.RuneError)
			}
			break
		}
		c := b[i]
		if need == 0 {
			switch {
			case c <= 0x7F:
				out = append(out, rune(c))
			case c >= 0xC2 && c <= 0xDF:
				need, cp = 1, rune(c&0x1F)
			case c >= 0xE0 && c <= 0xEF:
				if c == 0xE0 {
					lower = 0xA0
				} else if c == 0xED {
					upper = 0x9F
				}
				need, cp = 2, rune(c&0xF)
			case c >= 0xF0 && c <= 0xF4:
				if c == 0xF0 {
					lower = 0x90
				} else if c == 0xF4 {
					upper = 0x8F
				}
				need, cp = 3, rune(c&0x7)
			default:
				out = append(out, utf8.RuneError)
			}
			continue
		}
		if c < lower || c > upper {
			cp, need, seen = 0, 0, 0
			lower, upper = 0x80, 0xBF
			out = append(out, utf8.RuneError)
			i-- // the byte is read again
			continue
		}
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(c&0x3F)
		if seen++; seen == need {
			out = append(out, cp)
			cp, need, seen = 0, 0, 0
		}
	}
	return string(out)
}

// FuzzTextDecode checks the decoding hook that TextDecoder calls: against
// the standard's algorithm, fatal mode, the BOM flag, streaming splits
// against one-shot decoding, and the round trip of valid UTF-8 through the
// encoding hook. The hooks are called as JS calls them, on a bare runtime.
func FuzzTextDecode(f *testing.F) {
	for _, s := range []string{"", "hello", "héllo 😀", "\xe2\x82", "\xed\xa0\x80", "\xef\xbb\xbfA", "\xf4\x90\x80\x80", "\xc0\x80\xff"} {
		f.Add([]byte(s))
	}
	vm := goja.New()
	hooks := map[string]goja.Callable{}
	for name, fn := range encodingHooks(vm) {
		hooks[name], _ = goja.AssertFunction(vm.ToValue(fn))
	}
	call := func(name string, args ...any) (goja.Value, error) {
		vals := make([]goja.Value, len(args))
		for i, a := range args {
			vals[i] = vm.ToValue(a)
		}
		return hooks[name](goja.Undefined(), vals...)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeUTF8(b, false)
		if !ok || !utf8.ValidString(got) {
			t.Fatalf("decodeUTF8(% x) = %q, %v", b, got, ok)
		}
		if want := webapiRefDecode(b); got != want {
			t.Fatalf("decodeUTF8(% x) = %q, the standard's decoder gives %q", b, got, want)
		}
		if utf8.Valid(b) && got != string(b) {
			t.Fatalf("valid input changed: % x -> %q", b, got)
		}
		step := max(1, len(b)/8) // every split point of short inputs, 9 of long ones
		for k := 0; k <= len(b); k = min(k+step, len(b)+1) {
			tail := utf8Tail(b[:k])
			first, _ := decodeUTF8(b[:k-tail], false)
			rest, _ := decodeUTF8(b[k-tail:], false)
			if first+rest != got {
				t.Fatalf("split at %d (tail %d) gives %q + %q, want %q", k, tail, first, rest, got)
			}
		}

		// The hook, fatal and with the BOM flag on: it throws a TypeError
		// exactly for invalid input, which it then replaces without fatal.
		valid := utf8.Valid(b)
		if _, ok := decodeUTF8(b, true); ok != valid {
			t.Fatalf("fatal decodeUTF8(% x) ok = %v", b, ok)
		}
		buf := vm.NewArrayBuffer(bytes.Clone(b))
		s, err := call("decode", buf, true, true)
		var ex *goja.Exception
		if !valid {
			if !errors.As(err, &ex) || !strings.HasPrefix(ex.Value().String(), "TypeError") {
				t.Fatalf("fatal decode hook(% x) = %v, %v; want a TypeError", b, s, err)
			}
			s, err = call("decode", buf, false, true)
		}
		want, _ := decodeUTF8(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), false)
		if err != nil || s.String() != want {
			t.Fatalf("decode hook(% x) = %v, %v; want %q", b, s, err, want)
		}
		enc, err := call("encode", got)
		if err != nil {
			t.Fatal(err)
		}
		back := enc.Export().(goja.ArrayBuffer).Bytes()
		if valid && !bytes.Equal(back, b) {
			t.Fatalf("round trip of % x gave % x", b, back)
		}
		if again, _ := decodeUTF8(back, true); again != got {
			t.Fatalf("re-encoding %q gave % x", got, back)
		}
	})
}

func BenchmarkTextEncodeDecode(b *testing.B) {
	for _, c := range []struct{ name, js string }{
		{"ASCII-1KiB", `"abcdefghijklmnop".repeat(64)`},
		{"Mixed-1KiB", `"héllo wörld 日本 😀 ".repeat(37)`},
	} {
		b.Run(c.name, func(b *testing.B) {
			vm := webapiVM(b)
			v, err := vm.RunString(`(function () { const s = ` + c.js + `, e = new TextEncoder(), d = new TextDecoder();
				return [() => d.decode(e.encode(s)) === s, e.encode(s).length] })()`)
			if err != nil {
				b.Fatal(err)
			}
			pair := v.(*goja.Object)
			fn, _ := goja.AssertFunction(pair.Get("0"))
			b.SetBytes(pair.Get("1").ToInteger())
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := fn(goja.Undefined()); err != nil || !ok.ToBoolean() {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

func BenchmarkDigestSHA256(b *testing.B) {
	vm := webapiVM(b)
	v, err := vm.RunString(`(function () { const data = new Uint8Array(4096); crypto.getRandomValues(data);
		return () => crypto.subtle.digest("SHA-256", data) })()`)
	if err != nil {
		b.Fatal(err)
	}
	fn, _ := goja.AssertFunction(v)
	b.SetBytes(4096)
	b.ReportAllocs()
	for b.Loop() {
		p, err := fn(goja.Undefined())
		if err != nil || p.Export().(*goja.Promise).State() != goja.PromiseStateFulfilled {
			b.Fatal(err)
		}
	}
}
