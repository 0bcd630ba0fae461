package isolate

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

func compile(t *testing.T, src string, limits schemas.Limits) *Program {
	t.Helper()
	limits = roomyCPU(limits)
	code := "var " + ModuleGlobal + " = (function(){ " + src + " })();"
	p, err := Compile(Config{Function: "t", Version: 1, Code: []byte(code), Vars: map[string]string{"GREETING": "hi"},
		Limits: limits, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func invoke(t *testing.T, p *Program, method, body string) (*Response, error) {
	t.Helper()
	h := http.Header{"X-Test": {"a", "b"}, "Content-Type": {"application/json"}}
	return p.Invoke(context.Background(), &Request{ID: "r1", Method: method, URL: "http://x/p?q=1", Header: h, Body: []byte(body)})
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		name, src, method, body string
		status                  int
		wantBody                string
		header                  [2]string
	}{
		{"StringBody", `return {default:{fetch(r, env){ return new Response(env.GREETING + " " + r.method + " " + r.url) }}}`,
			"GET", "", 200, "hi GET http://x/p?q=1", [2]string{"Content-Type", "text/plain;charset=UTF-8"}},
		{"AsyncJSON", `return {default:{async fetch(r){ const b = await r.json(); return Response.json({got: b.n + 1}, {status: 201}) }}}`,
			"POST", `{"n":41}`, 201, `{"got":42}`, [2]string{"Content-Type", "application/json"}},
		{"HeadersMultiValue", `return {default:{fetch(r){ return new Response(r.headers.get("x-test"), {headers: [["set-cookie","a=1"],["set-cookie","b=2"]]}) }}}`,
			"GET", "", 200, "a, b", [2]string{"Set-Cookie", "a=1"}},
		{"Uint8Array", `return {default:{fetch(){ return new Response(new Uint8Array([104,105])) }}}`,
			"GET", "", 200, "hi", [2]string{}},
		{"ArrayBuffer", `return {default:{fetch(){ return new Response(new Uint8Array([111,107]).buffer) }}}`,
			"GET", "", 200, "ok", [2]string{}},
		{"Redirect", `return {default:{fetch(){ return Response.redirect("https://e.x/", 301) }}}`,
			"GET", "", 301, "", [2]string{"Location", "https://e.x/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, tt.src, schemas.Limits{})
			for range 3 { // a reused instance must answer the same
				resp, err := invoke(t, p, tt.method, tt.body)
				if err != nil {
					t.Fatalf("invoke: %v", err)
				}
				if resp.Status != tt.status || string(resp.Body) != tt.wantBody {
					t.Fatalf("got %d %q, want %d %q", resp.Status, resp.Body, tt.status, tt.wantBody)
				}
				if tt.header[0] != "" && resp.Header.Get(tt.header[0]) != tt.header[1] {
					t.Fatalf("header %s = %q, want %q", tt.header[0], resp.Header.Get(tt.header[0]), tt.header[1])
				}
			}
		})
	}
}

func TestInvokeFailures(t *testing.T) {
	tests := []struct {
		name, src string
		limits    schemas.Limits
		want      error
		msg       string
	}{
		{"ErrThrew", `return {default:{fetch(){ throw new Error("boom") }}}`, schemas.Limits{}, ErrThrew, "boom"},
		{"ErrThrewAsync", `return {default:{async fetch(){ await null; throw new Error("late boom") }}}`, schemas.Limits{}, ErrThrew, "late boom"},
		{"ErrBadResponse", `return {default:{fetch(){ return "not a response" }}}`, schemas.Limits{}, ErrBadResponse, "must return a Response"},
		{"ErrUnsettled", `return {default:{fetch(){ return new Promise(() => {}) }}}`, schemas.Limits{}, ErrUnsettled, ""},
		{"ErrWallTime", `return {default:{fetch(){ for(;;){} }}}`, schemas.Limits{WallMillis: 20}, ErrWallTime, ""},
		{"ErrResponseTooLarge", `return {default:{fetch(){ return new Response("x".repeat(100)) }}}`, schemas.Limits{ResponseBodyBytes: 10}, ErrResponseTooLarge, ""},
		// Limits that hold: CPU (across awaits too), wall while waiting, heap growth.
		{"ErrCPUTime", `return {default:{fetch(){ for(;;){} }}}`, schemas.Limits{CPUMillis: 20, WallMillis: 5000}, ErrCPUTime, "limit 20ms"},
		{"ErrCPUTimeAcrossAwaits", `return {default:{async fetch(){ for(;;){ const t = Date.now(); while (Date.now() - t < 2) {} await new Promise((ok) => setTimeout(ok, 1)) } }}}`,
			schemas.Limits{CPUMillis: 30, WallMillis: 5000}, ErrCPUTime, ""},
		{"ErrWallTimeWhileWaiting", `return {default:{async fetch(){ await new Promise((ok) => setTimeout(ok, 60000)); return new Response("late") }}}`,
			schemas.Limits{CPUMillis: 50, WallMillis: 40}, ErrWallTime, "limit 40ms"},
		{"ErrMemory", `return {default:{fetch(){ const keep = []; for(;;){ keep.push(new Array(4096).fill(keep.length)) } }}}`,
			schemas.Limits{CPUMillis: 20000, WallMillis: 30000, MemoryMB: 32}, ErrMemory, "limit 32 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, tt.src, tt.limits)
			_, err := invoke(t, p, "GET", "")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

func TestThrownInstanceIsDiscarded(t *testing.T) {
	// The handler poisons its global on the way to throwing; a reused
	// instance would carry the poison into the next request.
	p := compile(t, `var n = 0; return {default:{fetch(r){ n++; if (r.method === "POST") throw new Error("x"); return new Response(String(n)) }}}`, schemas.Limits{})
	if _, err := invoke(t, p, "POST", ""); !errors.Is(err, ErrThrew) {
		t.Fatalf("want ErrThrew, got %v", err)
	}
	resp, err := invoke(t, p, "GET", "")
	if err != nil || string(resp.Body) != "1" {
		t.Fatalf("after a throw got %v %q, want a fresh instance answering 1", err, resp.Body)
	}
}

func TestCompileRejectsModuleWithoutHandler(t *testing.T) {
	for _, src := range []string{`return {}`, `return {default: {}}`, `return {default: {fetch: 1}}`} {
		code := "var " + ModuleGlobal + " = (function(){ " + src + " })();"
		_, err := Compile(Config{Function: "t", Version: 1, Code: []byte(code), Logger: discardLogger()})
		if !errors.Is(err, ErrNoHandler) {
			t.Errorf("%s: got %v, want ErrNoHandler", src, err)
		}
	}
	_, err := Compile(Config{Function: "t", Version: 1, Code: []byte("syntax error here"), Logger: discardLogger()})
	if err == nil {
		t.Error("a syntax error compiled")
	}
	// goja's parser panics on this literal; Compile must return an error
	// (and would, for the missing handler, once goja parses it).
	if _, err = Compile(Config{Function: "t", Version: 1, Code: []byte(`var s = "\u{10FFFF}";`), Logger: discardLogger()}); err == nil {
		t.Error("a module that crashes goja's parser compiled")
	}
}

// preludeInstance is a fresh instance of a module whose source is script
// (run as is, after the prelude), as a function's module sees the world.
func preludeInstance(tb testing.TB, script string) *instance {
	tb.Helper()
	if script == "" {
		script = "var " + ModuleGlobal + " = {default: {fetch() { return new Response('') }}};"
	}
	p, err := Compile(Config{Function: "t", Version: 1, Code: []byte(script), Logger: discardLogger()})
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	inst, err := p.newInstance()
	if err != nil {
		tb.Fatalf("new instance: %v", err)
	}
	return inst
}

// roomyCPU gives tests that are not about CPU 10 s of it: under the race
// detector on a starved machine, goja can spend the 50 ms default on a few
// fetches and some JSON.
func roomyCPU(l schemas.Limits) schemas.Limits {
	if l.CPUMillis == 0 {
		l.CPUMillis = 10000
	}
	return l
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
