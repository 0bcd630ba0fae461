package isolate

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// TestLiteralHeadersAnswerAsTheHeadersClass: a Response init whose headers
// are an object literal (read in Go, headers_literal.go) answers exactly
// as the same init wrapped in new Headers() (the JS class): the headers
// the server sends, what response.headers shows, what it throws, and the
// order in which getters and toString run. Inits the fast path must not
// take (a proxy, a null prototype, a class instance, an iterable, an
// invalid name) go through the class and answer the same too.
func TestLiteralHeadersAnswerAsTheHeadersClass(t *testing.T) {
	inits := []struct{ name, setup, init string }{
		{"Plain", ``, `{"content-type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "x-bench": "1"}`},
		{"Empty", ``, `{}`},
		{"Trimmed", ``, `{"x-a": "  padded\t"}`},
		{"NonStrings", ``, `{"x-n": 1.5, "x-b": true, "x-nul": null, "x-u": undefined, "x-big": 10n, "x-sym": Symbol("s")}`},
		{"CaseDuplicates", ``, `{"X-A": "1", "x-b": "2", "x-a": "3"}`},
		{"SetCookies", ``, `{"Set-Cookie": "a=1", "set-cookie": "b=2"}`},
		{"NumericNames", ``, `{"2": "two", "1": "one", "x": "x"}`},
		{"Getters", `const seen = []; globalThis.seen = seen;`, `{get "x-a"() { seen.push("a"); return "1" }, get "x-b"() { seen.push("b"); return { toString() { seen.push("b.toString"); return "2" } } }}`},
		{"ContentTypeOverridesTheBodys", ``, `{"Content-Type": "text/x-mine"}`},
		{"InvalidValue", ``, `{"x-a": "bad\u0000value"}`},
		{"ValueWithNewline", ``, `{"x-a": "a\nb"}`},
		{"InvalidName", ``, `{"bad name": "1"}`},
		{"ThrowingToString", ``, `{"x-a": { toString() { throw new RangeError("no string") } }}`},
		{"Proxy", `const traps = []; globalThis.seen = traps;`, `new Proxy({"x-p": "1"}, { ownKeys(t) { traps.push("ownKeys"); return Reflect.ownKeys(t) }, get(t, k) { traps.push("get " + String(k)); return Reflect.get(t, k) } })`},
		{"NullPrototype", ``, `Object.assign(Object.create(null), {"x-n": "1"})`},
		{"ClassInstance", ``, `new (class { constructor() { this["x-c"] = "1" } })()`},
		{"Iterable", ``, `{ [Symbol.iterator]: function* () { yield ["x-i", "1"] } }`},
		{"ArrayOfPairs", ``, `[["x-a", "1"], ["x-a", "2"]]`},
	}
	for _, tt := range inits {
		t.Run(tt.name, func(t *testing.T) {
			var answers [2]string
			var sent [2]http.Header
			for i, wrap := range []string{"%s", "new Headers(%s)"} {
				init := fmt.Sprintf(wrap, tt.init)
				p := compile(t, `return {default:{fetch(req){
					`+tt.setup+`
					let r;
					try { r = new Response("body", {status: 200, headers: `+init+`}) }
					catch (e) { return new Response("threw " + e.name + ": " + e.message) }
					if (new URL(req.url).pathname === "/send") return r;
					const shown = [...r.headers].map(([k, v]) => k + "=" + v).join("|");
					const ct = r.headers.get("content-type");
					return new Response(shown + " ct=" + ct + " seen=" + (globalThis.seen || []).join(","));
				}}}`, schemas.Limits{})
				answers[i] = body(t, p, "GET", "")
				resp, err := p.Invoke(t.Context(), &Request{ID: "s", Method: "GET", URL: "http://x/send"})
				if err != nil {
					t.Fatal(err)
				}
				sent[i] = resp.Header
			}
			if answers[0] != answers[1] {
				t.Errorf("response.headers differ:\n literal: %s\n Headers: %s", answers[0], answers[1])
			}
			if !reflect.DeepEqual(sent[0], sent[1]) {
				t.Errorf("sent headers differ:\n literal: %v\n Headers: %v", sent[0], sent[1])
			}
		})
	}
}
