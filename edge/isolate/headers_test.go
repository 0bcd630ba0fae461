package isolate

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// TestHeadersClass pins what the Go-backed Headers (headers.go,
// headers_class.go) answers, case by case, as the JS class it replaced
// and the Fetch standard have it: the sorted, combined iteration with
// Set-Cookie apart, the iterator protocol, subclassing, the immutable
// guard of the platform's Request and of Response.error()/redirect(),
// the errors, the expandos and the methods' shapes.
func TestHeadersClass(t *testing.T) {
	const prologue = `
		const threw = (f) => { try { f(); return "no throw" } catch (e) { return e.name + ": " + e.message } };
		const list = (h) => [...h].map(([k, v]) => k + "=" + v).join("|");
		const mixed = () => new Headers([["B", "2"], ["a", "1"], ["Set-Cookie", "x=1"], ["set-cookie", "y=2"], ["a", "3"]]);
	`
	tests := []struct{ name, expr, want string }{
		{"SortedCombined", `list(mixed())`, "a=1, 3|b=2|set-cookie=x=1|set-cookie=y=2"},
		{"Get", `[mixed().get("A"), mixed().get("set-cookie"), mixed().get("nope")].join(";")`, "1, 3;x=1, y=2;"},
		{"GetMissingIsNull", `String(new Headers().get("x"))`, "null"},
		{"Has", `[mixed().has("B"), mixed().has("c")].join()`, "true,false"},
		{"SetReplaces", `(() => { const h = mixed(); h.set("A", " 9 "); return list(h) })()`, "a=9|b=2|set-cookie=x=1|set-cookie=y=2"},
		{"Delete", `(() => { const h = mixed(); h.delete("SET-COOKIE"); return list(h) })()`, "a=1, 3|b=2"},
		{"GetSetCookie", `(() => { const h = mixed(); const c = h.getSetCookie(); c.push("z"); return c.join() + "/" + h.getSetCookie().length })()`, "x=1,y=2,z/2"},
		{"KeysValues", `[...mixed().keys()].join() + "/" + [...mixed().values()].join()`, "a,b,set-cookie,set-cookie/1, 3,2,x=1,y=2"},
		{"ForEach", `(() => { const h = mixed(), out = []; h.forEach(function (v, k, o) { out.push(k + ":" + v + ":" + (o === h) + ":" + this.t) }, {t: 1}); return out.join("|") })()`,
			"a:1, 3:true:1|b:2:true:1|set-cookie:x=1:true:1|set-cookie:y=2:true:1"},
		{"ForEachNeedsFunction", `threw(() => new Headers().forEach(1)).split(":")[0]`, "TypeError"},
		{"IteratorShape", `(() => { const it = mixed().entries(); return [Object.prototype.toString.call(it), it[Symbol.iterator]() === it, typeof it.next, JSON.stringify(it.next())].join("|") })()`,
			`[object Headers Iterator]|true|function|{"value":["a","1, 3"],"done":false}`},
		{"IteratorDone", `(() => { const it = new Headers({a: "1"}).keys(); it.next(); return JSON.stringify([it.next(), it.next()]) })()`, `[{"done":true},{"done":true}]`},
		{"IteratorSeesChanges", `(() => { const h = new Headers({b: "1"}), out = []; for (const [k] of h) { out.push(k); if (k === "b") h.append("c", "2") } return out.join() })()`, "b,c"},
		{"SymbolIteratorIsEntries", `Headers.prototype[Symbol.iterator] === Headers.prototype.entries`, "true"},
		{"Record", `list(new Headers({"X-A": " 1\t", "x-b": 2, "X-a": "3"}))`, "x-a=1, 3|x-b=2"},
		{"CopyOfHeaders", `(() => { const a = mixed(), b = new Headers(a); b.set("a", "0"); return a.get("a") + "/" + b.get("a") })()`, "1, 3/0"},
		{"NullInit", `list(new Headers(null)) + list(new Headers(undefined))`, ""},
		{"InvalidName", `threw(() => new Headers({"bad name": "1"}))`, `TypeError: invalid header name: "bad name"`},
		{"InvalidValue", `threw(() => new Headers().set("a", "x\u0000y"))`, "TypeError: invalid header value"},
		{"PairOfThree", `threw(() => new Headers([["a", "1", "2"]]))`, "TypeError: header pairs must have two items"},
		{"PrimitiveInit", `threw(() => new Headers(5))`, "TypeError: Headers: init must be an object, a sequence of pairs or Headers"},
		{"ToString", `Object.prototype.toString.call(new Headers())`, "[object Headers]"},
		{"Instanceof", `new Headers() instanceof Headers`, "true"},
		{"Subclass", `(() => { class H extends Headers { constructor(i) { super(i); this.tag = "t" } first() { return this.get("a") } } const h = new H({a: "1"}); return [h instanceof H, h instanceof Headers, h.first(), h.tag, list(new Headers(h))].join() })()`,
			"true,true,1,t,a=1"},
		{"Expando", `(() => { const h = new Headers({a: "1"}); h.note = "kept"; return h.note + JSON.stringify(Object.keys(h)) })()`, `kept["note"]`},
		{"Shapes", `[Headers.name, Headers.prototype.append.name, Headers.prototype.append.length, Headers.prototype.forEach.length, Object.keys(Headers.prototype).length].join()`, "Headers,append,2,1,0"},
		{"IllegalInvocation", `threw(() => Headers.prototype.get.call({}, "a")).split(":")[0]`, "TypeError"},
		{"RequestHeadersImmutable", `threw(() => req.headers.set("a", "1")) + "|" + req.headers.get("x-test")`, "TypeError: Headers are immutable|a, b"},
		{"RequestCloneImmutable", `threw(() => req.clone().headers.append("a", "1"))`, "TypeError: Headers are immutable"},
		{"NewRequestMutable", `(() => { const r = new Request(req); r.headers.set("a", "1"); return r.headers.get("a") })()`, "1"},
		{"ErrorImmutable", `threw(() => Response.error().headers.set("a", "1"))`, "TypeError: Headers are immutable"},
		{"RedirectImmutable", `threw(() => Response.redirect("http://x/", 301).headers.delete("location"))`, "TypeError: Headers are immutable"},
		{"ResponseMutable", `(() => { const r = new Response("x", {headers: {a: "1"}}); r.headers.append("a", "2"); return r.headers.get("a") + "|" + r.headers.get("content-type") })()`, "1, 2|text/plain;charset=UTF-8"},
		{"ResponseCopiesInit", `(() => { const h = new Headers({a: "1"}), r = new Response("x", {headers: h}); h.set("a", "2"); return r.headers.get("a") })()`, "1"},
		{"RequestInit", `(() => { const r = new Request("http://x/", {method: "POST", headers: {"X-Q": "1"}, body: "b"}); return list(r.headers) })()`, "content-type=text/plain;charset=UTF-8|x-q=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, `return {default:{fetch(req){ `+prologue+` return new Response(String(`+tt.expr+`)) }}}`, schemas.Limits{})
			if got := body(t, p, "POST", "x"); got != tt.want {
				t.Errorf("%s\n got: %s\nwant: %s", tt.expr, got, tt.want)
			}
		})
	}
}

// TestHeadersSent: the headers the server sends of a Response: one line
// per name with the values joined, one per Set-Cookie, the body's
// implied type unless the init gave one.
func TestHeadersSent(t *testing.T) {
	p := compile(t, `return {default:{fetch(){
		const h = new Headers([["X-A", "1"], ["set-cookie", "a=1"], ["x-a", "2"], ["Set-Cookie", "b=2"]]);
		const r = new Response("hi", {headers: h});
		r.headers.append("x-b", "3");
		return r;
	}}}`, schemas.Limits{})
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{"X-A": {"1, 2"}, "Set-Cookie": {"a=1", "b=2"}, "X-B": {"3"}, "Content-Type": {"text/plain;charset=UTF-8"}}
	if !reflect.DeepEqual(resp.Header, want) {
		t.Errorf("sent %v, want %v", resp.Header, want)
	}
}
