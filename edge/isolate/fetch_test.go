package isolate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/egress"
	"github.com/vault-runtime/vault/schemas"
)

// upstream is a loopback server for fetch tests: /echo answers with the
// method, a header and the body; /slow waits; anything else is JSON.
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Seen", r.Header.Get("X-Test"))
			io.WriteString(w, r.Method+" "+string(b))
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"n": 41}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func compileFetch(t *testing.T, src string, allow []string, limits schemas.Limits) *Program {
	t.Helper()
	policy, err := egress.NewPolicy(allow)
	if err != nil {
		t.Fatal(err)
	}
	code := "var " + ModuleGlobal + " = (function(){ " + src + " })();"
	p, err := Compile(Config{Function: "f", Version: 1, Code: []byte(code), Limits: roomyCPU(limits), Logger: discardLogger(),
		Egress: egress.NewClient(policy, discardLogger())})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func TestFetch(t *testing.T) {
	srv := upstream(t)
	base := srv.URL
	tests := []struct {
		name, src string
		allow     []string
		limits    schemas.Limits
		want      string
	}{
		{"JSON", `return {default:{async fetch(){ const r = await fetch("` + base + `/data"); const o = await r.json(); return new Response(r.status + " " + r.headers.get("content-type") + " " + (o.n + 1) + " " + r.url.endsWith("/data")) }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "200 application/json 42 true"},
		{"PostWithHeaders", `return {default:{async fetch(){ const r = await fetch("` + base + `/echo", {method: "POST", body: "payload", headers: {"x-test": "yes"}}); return new Response(await r.text() + "|" + r.headers.get("x-seen")) }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "POST payload|yes"},
		{"ProxyTheServerRequest", `return {default:{async fetch(req){ const r = await fetch(new Request("` + base + `/echo", req)); return new Response(await r.text()) }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "POST forwarded"},
		{"Denied", `return {default:{async fetch(){ try { await fetch("` + base + `/data"); return new Response("reached") } catch (e) { return new Response(e.name + ": " + e.message) } }}}`,
			[]string{"api.example.com"}, schemas.Limits{}, "TypeError: fetch failed: egress to 127.0.0.1:"},
		{"LoopbackNeedsAGrant", `return {default:{async fetch(){ try { await fetch("` + strings.Replace(base, "127.0.0.1", "localhost", 1) + `/data"); return new Response("reached") } catch (e) { return new Response(e.name) } }}}`,
			[]string{"*.example.com"}, schemas.Limits{}, "TypeError"},
		{"SubrequestLimit", `return {default:{async fetch(){ let n = 0; try { for (;;) { await fetch("` + base + `/data"); n++ } } catch (e) { return new Response(n + " " + e.message) } }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{Subrequests: 3}, "3 fetch failed"},
		{"Abort", `return {default:{async fetch(){ const c = new AbortController(); setTimeout(() => c.abort(), 20); try { await fetch("` + base + `/slow", {signal: c.signal}); return new Response("finished") } catch (e) { return new Response(e.name) } }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "AbortError"},
		{"StreamBody", `return {default:{async fetch(){ const enc = new TextEncoder(); const body = new ReadableStream({start(c){ c.enqueue(enc.encode("str")); c.enqueue(enc.encode("eamed")); c.close() }}); const r = await fetch("` + base + `/echo", {method: "POST", body, duplex: "half"}); return new Response(await r.text()) }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "POST streamed"},
		{"StreamBodyThroughTransform", `return {default:{async fetch(req){ const up = new TransformStream({transform(chunk, c){ c.enqueue(new TextEncoder().encode(new TextDecoder().decode(chunk).toUpperCase())) }}); const r = await fetch("` + base + `/echo", {method: "POST", body: req.body.pipeThrough(up), duplex: "half"}); return new Response(await r.text()) }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "POST FORWARDED"},
		{"Parallel", `return {default:{async fetch(){ const rs = await Promise.all([1,2,3].map(() => fetch("` + base + `/data").then((r) => r.json()))); return new Response(String(rs.reduce((a, o) => a + o.n, 0))) }}}`,
			[]string{"127.0.0.1"}, schemas.Limits{}, "123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileFetch(t, tt.src, tt.allow, tt.limits)
			got := body(t, p, "POST", "forwarded")
			if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("got %q, want prefix %q", got, tt.want)
			}
		})
	}
}

func TestFetchStopsWithTheInvocation(t *testing.T) {
	srv := upstream(t)
	p := compileFetch(t, `return {default:{async fetch(){ await fetch("`+srv.URL+`/slow"); return new Response("late") }}}`,
		[]string{"127.0.0.1"}, schemas.Limits{WallMillis: 50})
	start := time.Now()
	_, err := invoke(t, p, "GET", "")
	if err == nil || !strings.Contains(err.Error(), "wall time") {
		t.Fatalf("got %v, want the wall time limit", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the invocation waited %s for its fetch", d)
	}
}
