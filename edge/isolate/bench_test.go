package isolate

import (
	"context"
	"net/http"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// BenchmarkInvokeHello is the warm per-request cost of a hello-world
// handler: Request built from Go, handler call, Response taken apart.
func BenchmarkInvokeHello(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(){ return new Response("hello") }}}`)
	req := &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{"Accept": {"*/*"}, "User-Agent": {"h2load"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeAsyncJSON parses a JSON body and answers with JSON.
func BenchmarkInvokeAsyncJSON(b *testing.B) {
	p := compileBench(b, `return {default:{async fetch(r){ const o = await r.json(); return Response.json({n: o.n + 1}) }}}`)
	req := &Request{ID: "r", Method: "POST", URL: "http://x/", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"n":1}`)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewInstance is the cost of a cold isolate for a compiled version.
func BenchmarkNewInstance(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(){ return new Response("hello") }}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.newInstance(); err != nil {
			b.Fatal(err)
		}
	}
}

func compileBench(b *testing.B, src string) *Program {
	b.Helper()
	code := "var " + ModuleGlobal + " = (function(){ " + src + " })();"
	p, err := Compile(Config{Function: "b", Version: 1, Code: []byte(code), Limits: schemas.Limits{}, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	return p
}
