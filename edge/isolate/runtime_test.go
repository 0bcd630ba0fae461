package isolate

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// body invokes a module once and returns the response body, failing the
// test on any error.
func body(t *testing.T, p *Program, method, reqBody string) string {
	t.Helper()
	resp, err := invoke(t, p, method, reqBody)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return string(resp.Body)
}

func TestWorkersAPI(t *testing.T) {
	tests := []struct {
		name, src, method, body, want string
	}{
		{"RequestFields", `return {default:{fetch(r){ return new Response([r.method, r.url, r.headers.get("X-TEST"), r instanceof Request, Object.keys(r).length].join("|")) }}}`,
			"GET", "", "GET|http://x/p?q=1|a, b|true|0"},
		{"RequestText", `return {default:{async fetch(r){ return new Response(await r.text() + "|" + r.bodyUsed) }}}`,
			"POST", "héllo", "héllo|true"},
		{"RequestBodyOnce", `return {default:{async fetch(r){ await r.text(); try { await r.text(); return new Response("reused") } catch (e) { return new Response(e.name) } }}}`,
			"POST", "x", "TypeError"},
		{"RequestArrayBuffer", `return {default:{async fetch(r){ const b = new Uint8Array(await r.arrayBuffer()); return new Response(b.length + ":" + b[0]) }}}`,
			"POST", "AB", "2:65"},
		{"RequestClone", `return {default:{async fetch(r){ const c = r.clone(); return new Response(await c.text() + await r.text() + c.url) }}}`,
			"POST", "ab", "ababhttp://x/p?q=1"},
		{"NewRequestFromServer", `return {default:{async fetch(r){ const c = new Request(r, {headers: {a: "1"}}); return new Response(c.method + c.headers.get("a") + await c.text() + r.bodyUsed) }}}`,
			"POST", "zz", "POST1zztrue"},
		{"FormData", `return {default:{async fetch(r){ const f = await new Request("http://x/", {method: "POST", body: "a=1&b=two+words&a=3", headers: {"content-type": "application/x-www-form-urlencoded"}}).formData(); return new Response(f.getAll("a").join(",") + "|" + f.get("b")) }}}`,
			"GET", "", "1,3|two words"},
		{"ResponseGetters", `return {default:{fetch(){ const r = new Response("x", {status: 201, statusText: "Made", headers: {"x-a": "1"}}); return new Response([r.status, r.statusText, r.ok, r.headers.get("x-a"), r.headers.get("content-type"), r instanceof Response].join("|")) }}}`,
			"GET", "", "201|Made|true|1|text/plain;charset=UTF-8|true"},
		{"ResponseClone", `return {default:{async fetch(){ const r = Response.json({a: 1}); const c = r.clone(); return new Response(await r.text() + await c.text() + c.headers.get("content-type")) }}}`,
			"GET", "", `{"a":1}{"a":1}application/json`},
		{"ResponseSubclass", `class Mine extends Response { constructor(){ super("sub") } hello(){ return "hi" } } return {default:{fetch(){ const r = new Mine(); return new Response(r.hello() + (r instanceof Mine) + (r instanceof Response)) }}}`,
			"GET", "", "hitruetrue"},
		{"ResponseBadStatus", `return {default:{fetch(){ try { new Response("", {status: 99}) } catch (e) { return new Response(e.name) } }}}`,
			"GET", "", "RangeError"},
		{"ResponseJSONHeaderOverride", `return {default:{fetch(){ return new Response(Response.json(1, {headers: {"content-type": "text/x"}}).headers.get("content-type")) }}}`,
			"GET", "", "text/x"},
		{"SetCookie", `return {default:{fetch(){ const h = new Headers([["Set-Cookie","a=1"],["set-cookie","b=2"]]); return new Response(h.getSetCookie().join(";") + "|" + h.get("SET-COOKIE")) }}}`,
			"GET", "", "a=1;b=2|a=1, b=2"},
		{"Timers", `return {default:{async fetch(){ const order = []; setTimeout(() => order.push("b"), 5); setTimeout(() => order.push("a"), 1); const id = setTimeout(() => order.push("never"), 2); clearTimeout(id); await new Promise((ok) => setTimeout(ok, 10)); queueMicrotask(() => order.push("m")); await null; return new Response(order.join("")) }}}`,
			"GET", "", "abm"},
		{"Interval", `return {default:{async fetch(){ let n = 0; await new Promise((ok) => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); ok() } }, 1) }); return new Response(String(n)) }}}`,
			"GET", "", "3"},
		{"AsyncAwaitChain", `const wait = (ms) => new Promise((ok) => setTimeout(ok, ms)); return {default:{async fetch(){ let s = ""; for (const c of "abc") { await wait(1); s += c } return new Response(s) }}}`,
			"GET", "", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, tt.src, schemas.Limits{})
			for range 2 {
				if got := body(t, p, tt.method, tt.body); got != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestWaitUntilRunsAfterTheResponse(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	sink := sinkFunc(func(e LogEntry) { mu.Lock(); lines = append(lines, e.Message); mu.Unlock() })
	code := "var " + ModuleGlobal + ` = (function(){ return {default:{fetch(r, env, ctx){
		ctx.waitUntil(new Promise((ok) => setTimeout(() => { console.log("late work done"); ok() }, 20)));
		return new Response("early");
	}}} })();`
	p, err := Compile(Config{Function: "w", Version: 1, Code: []byte(code), Logger: discardLogger(), Logs: sink})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := invoke(t, p, "GET", "")
	if err != nil || string(resp.Body) != "early" {
		t.Fatalf("got %v %v", resp, err)
	}
	mu.Lock()
	if len(lines) != 0 {
		t.Fatalf("waitUntil work ran before the response returned: %q", lines)
	}
	mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(lines)
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the waitUntil promise never ran")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The instance went back to the pool and still answers.
	if got := body(t, p, "GET", ""); got != "early" {
		t.Fatalf("second call got %q", got)
	}
}

type sinkFunc func(LogEntry)

func (f sinkFunc) Log(e LogEntry) { f(e) }

func TestCanceledInvocationStops(t *testing.T) {
	p := compile(t, `return {default:{fetch(){ for(;;){} }}}`, schemas.Limits{CPUMillis: 60000, WallMillis: 60000})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := p.Invoke(ctx, &Request{ID: "c", Method: "GET", URL: "http://x/", Header: http.Header{}})
	if !errors.Is(err, ErrCanceled) {
		t.Fatalf("got %v, want ErrCanceled", err)
	}
}

func TestGlobalsAreInvisibleAcrossFunctions(t *testing.T) {
	a := compile(t, `globalThis.secret = "a's secret"; Object.prototype.polluted = "by a"; return {default:{fetch(){ return new Response(String(globalThis.secret)) }}}`, schemas.Limits{})
	b := compile(t, `return {default:{fetch(){ return new Response(typeof globalThis.secret + "|" + ({}).polluted) }}}`, schemas.Limits{})
	if got := body(t, a, "GET", ""); got != "a's secret" {
		t.Fatalf("a got %q", got)
	}
	if got := body(t, b, "GET", ""); got != "undefined|undefined" {
		t.Fatalf("b sees a's globals: %q", got)
	}
}

func TestHostHooksAreUnreachable(t *testing.T) {
	p := compile(t, `return {default:{fetch(){ return new Response(typeof globalThis.__vault + "|" + Object.getOwnPropertyNames(globalThis).filter((k) => k.startsWith("__vault")).join(",")) }}}`, schemas.Limits{})
	if got := body(t, p, "GET", ""); got != "undefined|"+ModuleGlobal {
		t.Fatalf("got %q", got)
	}
}

func TestStaleRequestThrows(t *testing.T) {
	p := compile(t, `let kept; return {default:{async fetch(r){ if (!kept) { kept = r; return new Response("kept") } try { await kept.text(); return new Response("read a finished request") } catch (e) { return new Response(e.message) } }}}`, schemas.Limits{})
	body(t, p, "POST", "first")
	if got := body(t, p, "POST", "second"); !strings.Contains(got, "invocation that has ended") {
		t.Fatalf("got %q", got)
	}
}

func TestSourceMappedStack(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/vault.yaml", "name: sm\nentry: main.ts\nroutes: [/]\n")
	writeFile(t, dir+"/lib.ts", "export function boom(): never {\n  throw new Error(\"kaboom\");\n}\n")
	writeFile(t, dir+"/main.ts", "import { boom } from \"./lib\";\nexport default {\n  fetch(): Response {\n    boom();\n  },\n};\n")
	m, err := schemas.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	code, sm, err := schemas.Bundle(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(Config{Function: "sm", Version: 1, Code: code, SourceMap: sm, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = invoke(t, p, "GET", "")
	if !errors.Is(err, ErrThrew) || !strings.Contains(err.Error(), "lib.ts:2") || !strings.Contains(err.Error(), "main.ts:4") {
		t.Fatalf("stack does not point at the sources: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestUnhandledRejectionIsLogged(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	sink := sinkFunc(func(e LogEntry) { mu.Lock(); lines = append(lines, e.Level+" "+e.Message); mu.Unlock() })
	code := "var " + ModuleGlobal + ` = (function(){ return {default:{async fetch(r){
		Promise.reject(new Error("nobody listens"));
		Promise.reject(new Error("handled")).catch(() => {});
		if (r.method === "POST") throw new Error("the handler's own");
		return new Response("fine");
	}}} })();`
	p, err := Compile(Config{Function: "u", Version: 1, Code: []byte(code), Logger: discardLogger(), Logs: sink})
	if err != nil {
		t.Fatal(err)
	}
	if got := body(t, p, "GET", ""); got != "fine" {
		t.Fatalf("got %q", got)
	}
	if _, err := invoke(t, p, "POST", ""); !errors.Is(err, ErrThrew) {
		t.Fatalf("POST: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	if strings.Count(all, "uncaught (in promise) Error: nobody listens") != 2 || strings.Contains(all, "handled\n") ||
		strings.Count(all, "the handler's own") != 1 {
		t.Fatalf("log lines:\n%s", all)
	}
}
