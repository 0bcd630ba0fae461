package isolate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
