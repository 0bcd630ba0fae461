package isolate

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/schemas"
)

// wptResult is one case of a testdata/streams script, as harness.js
// reports it.
type wptResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Msg  string `json:"msg"`
}

// runWPT runs a script of WPT-style cases (testdata/streams/harness.js
// first) in a function's isolate, through a real invocation so timers and
// the event loop work as they do for a function, and returns the results.
func runWPT(t *testing.T, file string) []wptResult {
	t.Helper()
	harness, err := os.ReadFile("testdata/streams/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(harness) + "\n" + string(cases) +
		"\nreturn {default:{async fetch(){ return new Response(JSON.stringify(await __runTests())) }}};"
	p := compile(t, src, schemas.Limits{CPUMillis: 60000, WallMillis: 120000, MemoryMB: 512})
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []wptResult
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("%s: results: %v: %s", file, err, resp.Body)
	}
	return out
}

// TestStreamsWPT runs the WPT streams, encoding-streams and compression
// cases ported to testdata/streams, each file in its own isolate, each
// case a subtest named file/case.
func TestStreamsWPT(t *testing.T) {
	files, err := filepath.Glob("testdata/streams/*.js")
	if err != nil {
		t.Fatal(err)
	}
	total, passed := 0, 0
	for _, f := range files {
		if filepath.Base(f) == "harness.js" {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".js")
		t.Run(name, func(t *testing.T) {
			results := runWPT(t, f)
			if len(results) == 0 {
				t.Fatal("no cases ran")
			}
			for _, r := range results {
				total++
				if r.OK {
					passed++
				}
				t.Run(r.Name, func(t *testing.T) {
					if !r.OK {
						t.Error(r.Msg)
					}
				})
			}
		})
	}
	t.Logf("WPT cases: %d ported, %d passing", total, passed)
}

// TestStreamsLeaveNoUnhandledRejections: the promises a stream keeps for
// itself (a released reader's closed, a pipe's own result inside
// pipeThrough, an errored writer's ready) are marked handled as the spec
// says, so a function that handles what it was given logs no "uncaught
// (in promise)" lines.
func TestStreamsLeaveNoUnhandledRejections(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	sink := sinkFunc(func(e LogEntry) { mu.Lock(); lines = append(lines, e.Level+" "+e.Message); mu.Unlock() })
	code := "var " + ModuleGlobal + ` = (function(){ return {default:{async fetch(){
		const boom = new Error("boom");
		// An errored stream read through a reader, the error caught once.
		const r1 = new ReadableStream({ start(c) { c.error(boom) } }).getReader();
		await r1.read().catch(() => {});
		r1.releaseLock();
		// A transform that throws, piped through: only the output is read.
		const out = new ReadableStream({ start(c) { c.enqueue(1); c.close() } })
			.pipeThrough(new TransformStream({ transform() { throw boom } }));
		await out.getReader().read().catch(() => {});
		// A writable whose sink fails: the write's rejection is caught.
		const w = new WritableStream({ write() { throw boom } }).getWriter();
		await w.write("x").catch(() => {});
		w.releaseLock();
		// A tee whose source errors, both branches read.
		const [a, b] = new ReadableStream({ pull(c) { c.error(boom) } }).tee();
		await Promise.all([a.getReader().read().catch(() => {}), b.getReader().read().catch(() => {})]);
		// A pipe aborted by its signal, its promise caught.
		const ac = new AbortController();
		const p = new ReadableStream().pipeTo(new WritableStream(), { signal: ac.signal }).catch(() => {});
		ac.abort();
		await p;
		// A failing decompression, read to its end.
		const ds = new DecompressionStream("gzip");
		const dw = ds.writable.getWriter();
		dw.write(new Uint8Array([1, 2, 3])).catch(() => {});
		dw.close().catch(() => {});
		await ds.readable.getReader().read().catch(() => {});
		return new Response("done");
	}}} })();`
	p, err := Compile(Config{Function: "u", Version: 1, Code: []byte(code), Logger: discardLogger(), Logs: sink,
		Limits: schemas.Limits{CPUMillis: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	if got := body(t, p, "GET", ""); got != "done" {
		t.Fatalf("got %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 0 {
		t.Fatalf("log lines:\n%s", strings.Join(lines, "\n"))
	}
}

// TestStreamsWithBundledForAwait: code as functions write it, bundled by
// schemas.Bundle as vault deploy does (which lowers for-await and async
// generators for goja), iterates streams with for await and feeds
// ReadableStream.from with an async generator. The lowering looks for
// Symbol.asyncIterator, or Symbol.for("Symbol.asyncIterator") where it is
// missing; streams answer to both, being the same symbol here.
func TestStreamsWithBundledForAwait(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/vault.yaml", "name: fa\nentry: main.ts\nroutes: [/]\n")
	writeFile(t, dir+"/main.ts", `async function* numbers(): AsyncGenerator<string> {
  for (let i = 1; i <= 3; i++) yield String(i);
}
export default {
  async fetch(): Promise<Response> {
    const parts: string[] = [];
    const upper = ReadableStream.from(numbers()).pipeThrough(new TransformStream({
      transform(chunk, c) { c.enqueue("<" + chunk + ">"); },
    }));
    for await (const chunk of upper) parts.push(chunk);
    let early = "";
    const s = new ReadableStream({ pull(c) { c.enqueue("x"); }, cancel() { early = "canceled"; } });
    for await (const chunk of s) { early = chunk; break; }
    return new Response(parts.join("") + "|" + early + "|" + s.locked);
  },
};
`)
	m, err := schemas.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	code, sm, err := schemas.Bundle(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(Config{Function: "fa", Version: 1, Code: code, SourceMap: sm, Logger: discardLogger(),
		Limits: schemas.Limits{CPUMillis: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	if got := body(t, p, "GET", ""); got != "<1><2><3>|canceled|false" {
		t.Fatalf("got %q", got)
	}
}

// captureHosts, when set, receives each new instance's host object, so a
// test can call what the prelude leaves on it.
var captureHosts func(inst *instance, host *goja.Object)

func init() {
	installers = append(installers, func(inst *instance, host *goja.Object) {
		if captureHosts != nil {
			captureHosts(inst, host)
		}
	})
}

// TestHostStreamHelpers: host.isReadableStream is a brand check (false
// before any stream exists, and for look-alikes), and host.readAll reads a
// stream of any BufferSource chunks into one new Uint8Array, locking the
// stream, and rejects with a TypeError for another chunk.
func TestHostStreamHelpers(t *testing.T) {
	var host *goja.Object
	captureHosts = func(_ *instance, h *goja.Object) { host = h }
	inst := preludeInstance(t, "")
	captureHosts = nil
	vm := inst.vm
	isStream, _ := goja.AssertFunction(host.Get("isReadableStream"))
	readAll, _ := goja.AssertFunction(host.Get("readAll"))
	check := func(v goja.Value) bool {
		r, err := isStream(goja.Undefined(), v)
		if err != nil {
			t.Fatal(err)
		}
		return r.ToBoolean()
	}
	plain, _ := vm.RunString(`({ getReader() {} })`)
	if check(plain) {
		t.Fatal("a plain object passed before any stream existed")
	}
	v, err := vm.RunString(`globalThis.enqueued = new Uint8Array([1, 2]);
		globalThis.s = new ReadableStream({ start(c) {
			c.enqueue(enqueued); c.enqueue(new Uint16Array([0x0403]).buffer); c.enqueue(new DataView(new Uint8Array([9, 5, 9]).buffer, 1, 1)); c.close();
		} });
		globalThis.fake = Object.create(ReadableStream.prototype);
		s`)
	if err != nil {
		t.Fatal(err)
	}
	if !check(v) || check(vm.Get("fake")) || check(plain) {
		t.Fatal("isReadableStream is not the brand check")
	}
	p, err := readAll(goja.Undefined(), v)
	if err != nil {
		t.Fatal(err)
	}
	_ = vm.Set("__p", p)
	res := webapiEval(t, vm, `return (async () => {
		const u = await globalThis.__p;
		return [u.constructor.name, Array.from(u).join(","), s.locked].join(" ");
	})()`)
	if res != "resolves Uint8Array 1,2,3,4,5 true" {
		t.Fatalf("readAll: %s", res)
	}
	one, _ := vm.RunString(`globalThis.single = new Uint8Array([5, 6]); new ReadableStream({ start(c) { c.enqueue(single); c.close(); } })`)
	p, err = readAll(goja.Undefined(), one)
	if err != nil {
		t.Fatal(err)
	}
	_ = vm.Set("__p", p)
	if res := webapiEval(t, vm, `return globalThis.__p.then((u) => { single[0] = 0; return u.join(",") + " " + (u.buffer !== single.buffer) })`); res != "resolves 5,6 true" {
		t.Fatalf("readAll of one chunk is not a copy: %s", res)
	}
	bad, _ := vm.RunString(`globalThis.bad = new ReadableStream({ start(c) { c.enqueue("text"); }, cancel(r) { globalThis.canceledWith = r; } }); bad`)
	p, err = readAll(goja.Undefined(), bad)
	if err != nil {
		t.Fatal(err)
	}
	_ = vm.Set("__p", p)
	if res := webapiEval(t, vm, `return globalThis.__p`); res != "rejects TypeError: a body stream's chunk must be an ArrayBuffer or a view (Uint8Array), not string" {
		t.Fatalf("readAll of a string chunk: %s", res)
	}
	if res := webapiEval(t, vm, `return [canceledWith instanceof TypeError, bad.locked].join(" ")`); res != "true true" {
		t.Fatalf("the stream with a bad chunk is not canceled with the error (and kept locked): %s", res)
	}
}

// BenchmarkStreamPipeThrough is one invocation moving 100 chunks from a
// ReadableStream through a TransformStream into a WritableStream: the
// per-chunk cost of the interpreted stream machinery (divide by 100).
func BenchmarkStreamPipeThrough(b *testing.B) {
	p := compileBench(b, `return {default:{async fetch(){
		let i = 0, n = 0;
		await new ReadableStream({ pull(c) { if (i++ < 100) c.enqueue(i); else c.close(); } })
			.pipeThrough(new TransformStream({ transform(x, c) { c.enqueue(x * 2); } }))
			.pipeTo(new WritableStream({ write(x) { n += x; } }));
		return new Response(String(n));
	}}}`)
	req := &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamGzipRoundTrip compresses and decompresses 64 KiB in 16
// chunks through CompressionStream and DecompressionStream.
func BenchmarkStreamGzipRoundTrip(b *testing.B) {
	p := compileBench(b, `const data = new TextEncoder().encode("lorem ipsum dolor sit amet ".repeat(2500)).subarray(0, 65536);
	return {default:{async fetch(){
		const chunks = [];
		for (let i = 0; i < 16; i++) chunks.push(data.subarray(i * 4096, (i + 1) * 4096));
		let n = 0;
		await ReadableStream.from(chunks).pipeThrough(new CompressionStream("gzip")).pipeThrough(new DecompressionStream("gzip"))
			.pipeTo(new WritableStream({ write(c) { n += c.length; } }));
		return new Response(String(n));
	}}}`)
	req := &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := p.Invoke(context.Background(), req)
		if err != nil || string(resp.Body) != "65536" {
			b.Fatal(err, resp)
		}
	}
}

// TestStreamsIgnorePatchedGlobals (after WPT's patched-global.any.js):
// streams take the built-ins they use while running before user code
// runs, so a function replacing globals before its first stream does not
// change how streams work.
func TestStreamsIgnorePatchedGlobals(t *testing.T) {
	vm := webapiVM(t)
	got := webapiEval(t, vm, `
		const saved = { all: Promise.all, create: Object.create, trunc: Math.trunc, qm: globalThis.queueMicrotask, apply: Reflect.apply };
		const boom = () => { throw new Error("patched global used") };
		Promise.all = boom; Object.create = boom; Math.trunc = boom; globalThis.queueMicrotask = boom; Reflect.apply = boom;
		const restore = () => { Promise.all = saved.all; Object.create = saved.create; Math.trunc = saved.trunc; globalThis.queueMicrotask = saved.qm; Reflect.apply = saved.apply };
		const out = [];
		const [a, b] = new ReadableStream({ start(c) { c.enqueue("x"); c.close() } }).tee();
		const byob = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close() } });
		const ac = new AbortController();
		let aborted = "";
		const piped = new ReadableStream().pipeTo(new WritableStream(), { signal: ac.signal }).catch((e) => { aborted = e.name });
		ac.abort();
		return Promise.resolve().then(() => a.getReader().read()).then((r) => { out.push(r.value); return b.getReader().read() })
			.then((r) => { out.push(r.value); return byob.getReader({ mode: "byob" }).read(new Uint8Array(4)) })
			.then((r) => { out.push(r.value.join(",")); return piped })
			.then(() => { restore(); return out.join(" ") + " " + aborted }, (e) => { restore(); throw e });`)
	if got != "resolves x x 1,2,3 AbortError" {
		t.Fatalf("got %q", got)
	}
}
