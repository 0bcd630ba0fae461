package isolate

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/osthread"
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

// BenchmarkIdleInstanceMemory reports what one idle warm instance keeps
// on the heap (B/isolate): prelude, module and pooled state, after a GC.
func BenchmarkIdleInstanceMemory(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(){ return new Response("hello") }}}`)
	const n = 100
	for b.Loop() {
		keep := make([]*instance, 0, n)
		before := heapInUse()
		for range n {
			inst, err := p.newInstance()
			if err != nil {
				b.Fatal(err)
			}
			keep = append(keep, inst)
		}
		after := heapInUse()
		b.ReportMetric(float64(after-before)/n, "B/isolate")
		runtime.KeepAlive(keep)
	}
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkFirstRequest10KB is a version's first request after it went
// live: Compile (what the node does before activating it, reported as
// compile-ms) builds one warm instance; the timed part is the first
// invocation of a 10 KB bundle on it.
func BenchmarkFirstRequest10KB(b *testing.B) {
	var src strings.Builder
	src.WriteString("const table = {};\n")
	for i := 0; src.Len() < 10<<10; i++ {
		fmt.Fprintf(&src, "function helper%d(s) { return s.length > %d ? s.slice(0, %d) + \"…\" : s + \"-%d\"; }\ntable[\"k%d\"] = helper%d;\n", i, i, i, i, i, i)
	}
	src.WriteString(`return {default:{fetch(r){ return new Response(table.k3(r.url)) }}}`)
	code := []byte("var " + ModuleGlobal + " = (function(){ " + src.String() + " })();")
	req := &Request{ID: "r", Method: "GET", URL: "http://x/first", Header: http.Header{}}
	var compile time.Duration
	for b.Loop() {
		b.StopTimer()
		start := time.Now()
		p, err := Compile(Config{Function: "first", Version: 1, Code: code, Logger: discardLogger()})
		if err != nil {
			b.Fatal(err)
		}
		compile += time.Since(start)
		b.StartTimer()
		if _, err := p.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(compile.Microseconds())/1000/float64(b.N), "compile-ms")
	b.ReportMetric(float64(len(code)), "bundle-B")
}

// BenchmarkInvokeJSONTransform is make bench-peers' JSON handler in
// process: parse a 4 KB order, rename every item's fields, answer JSON.
func BenchmarkInvokeJSONTransform(b *testing.B) {
	p := compileBench(b, `return {default:{async fetch(request){
		const { order, items } = await request.json();
		return Response.json({ order, count: items.length,
			items: items.map(({ id, name, price }) => ({ identifier: id, title: name, cost: price })) });
	}}}`)
	var body strings.Builder
	body.WriteString(`{"order":"bench-0001","items":[`)
	for i := 1; body.Len() < 4000; i++ {
		if i > 1 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":%d,"name":"item %03d","price":%d.%02d}`, i, i, i*379%10000/100, i*379%100)
	}
	body.WriteString(`]}`)
	req := &Request{ID: "r", Method: "POST", URL: "http://x/", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body.String())}
	ctx := context.Background()
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeSSE is make bench-peers' SSE handler in process: a
// ReadableStream whose async pull enqueues 10 events, read to its end.
func BenchmarkInvokeSSE(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(){
		const encoder = new TextEncoder();
		let n = 0;
		const body = new ReadableStream({
			async pull(controller) {
				await null;
				n++;
				controller.enqueue(encoder.encode("id: " + n + "\nevent: tick\ndata: {\"n\":" + n + ",\"of\":10}\n\n"));
				if (n === 10) controller.close();
			},
		});
		return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
	}}}`)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := p.Invoke(context.Background(), &Request{ID: "b", Method: "GET", URL: "http://x/"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Stream); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeHelloURL is make bench-peers' hello-url handler in
// process (issue 17's first handler: goal under 5 us): the path through
// new URL() and a headers literal in the Response init.
func BenchmarkInvokeHelloURL(b *testing.B) { benchHelloURL(b, nil) }

// BenchmarkInvokeHelloURLHeld is the same on a thread the caller holds, as
// the node's executors run invocations (Request.Thread): without the two
// system calls the watchdog otherwise makes to start.
func BenchmarkInvokeHelloURLHeld(b *testing.B) {
	var thread osthread.Held
	thread.Hold()
	defer thread.Release()
	benchHelloURL(b, &thread)
}

func benchHelloURL(b *testing.B, thread *osthread.Held) {
	p := compileBench(b, `return {default:{fetch(r){
		const { pathname } = new URL(r.url);
		return new Response("hello from " + pathname + "\n", {
			headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-bench": "hello-url" },
		});
	}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Invoke(context.Background(), &Request{ID: "b", Method: "GET", URL: "http://x/greet", Thread: thread}); err != nil {
			b.Fatal(err)
		}
	}
}
