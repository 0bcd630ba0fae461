package isolate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// logLines collects a program's console output and hands each line to
// whoever waits for it.
type logLines struct {
	ch chan string
}

func (l *logLines) Log(e LogEntry) {
	if e.Source == SourceConsole {
		l.ch <- e.Message
	}
}

// compileStreaming compiles a module whose console lines the test reads.
func compileStreaming(t *testing.T, src string, limits schemas.Limits) (*Program, *logLines) {
	t.Helper()
	logs := &logLines{ch: make(chan string, 64)}
	code := "var " + ModuleGlobal + " = (function(){ " + src + " })();"
	p, err := Compile(Config{Function: "s", Version: 1, Code: []byte(code), Limits: roomyCPU(limits), Logger: discardLogger(), Logs: logs})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p, logs
}

// readChunk reads what one Read gives.
func readChunk(t *testing.T, r io.Reader) string {
	t.Helper()
	buf := make([]byte, 4096)
	n, err := r.Read(buf)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(buf[:n])
}

// TestStreamedResponseArrivesAsProduced: an SSE-style stream's first event
// reaches the caller while the handler's stream is still open: it ends
// only when the request body (which the test holds) ends.
func TestStreamedResponseArrivesAsProduced(t *testing.T) {
	p, _ := compileStreaming(t, `return {default:{fetch(r){
		const enc = new TextEncoder();
		const body = new ReadableStream({ async start(c) {
			c.enqueue(enc.encode("data: first\n\n"));
			const rest = await r.text();
			c.enqueue(enc.encode("data: " + rest + "\n\n"));
			c.close();
		} });
		return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
	}}}`, schemas.Limits{})
	pr, pw := io.Pipe()
	resp, err := p.Invoke(t.Context(), &Request{ID: "sse", Method: "POST", URL: "http://x/", BodyStream: pr})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Stream == nil || resp.Body != nil {
		t.Fatalf("want a stream and no body, got %+v", resp)
	}
	defer resp.Stream.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" || resp.Status != 200 {
		t.Fatalf("status %d, content type %q", resp.Status, ct)
	}
	if got := readChunk(t, resp.Stream); got != "data: first\n\n" {
		t.Fatalf("first event %q", got)
	}
	go func() { _, _ = pw.Write([]byte("second")); _ = pw.Close() }()
	rest, err := io.ReadAll(resp.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if string(rest) != "data: second\n\n" {
		t.Fatalf("rest %q", rest)
	}
	// The instance was freed and still serves.
	resp, err = p.Invoke(t.Context(), &Request{ID: "again", Method: "POST", URL: "http://x/", Body: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(resp.Stream)
	if string(all) != "data: first\n\ndata: x\n\n" {
		t.Fatalf("second invocation %q", all)
	}
}

// TestStreamedEcho: new Response(request.body) streams the request body
// back chunk by chunk: each chunk comes back before the next is sent.
func TestStreamedEcho(t *testing.T) {
	p, _ := compileStreaming(t, `return {default:{fetch(r){ return new Response(r.body) }}}`, schemas.Limits{})
	pr, pw := io.Pipe()
	resp, err := p.Invoke(t.Context(), &Request{ID: "echo", Method: "POST", URL: "http://x/", BodyStream: pr})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Stream.Close()
	for _, chunk := range []string{"one", "two", "three"} {
		go func() { _, _ = pw.Write([]byte(chunk)) }()
		if got := readChunk(t, resp.Stream); got != chunk {
			t.Fatalf("got %q, want %q", got, chunk)
		}
	}
	_ = pw.Close()
	if n, err := resp.Stream.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("after the end: %d, %v", n, err)
	}
}

// TestClientGoneCancelsTheStream: Close runs the stream's cancel algorithm
// and aborts the request's signal; the producer was held back meanwhile:
// it ran ahead of what was read by aheadBytes at most, not without bound.
func TestClientGoneCancelsTheStream(t *testing.T) {
	p, logs := compileStreaming(t, `return {default:{fetch(r){
		let pulls = 0, bytes = 0;
		r.signal.addEventListener("abort", () => console.log("signal aborted: " + r.signal.reason.name));
		const body = new ReadableStream({
			pull(c) { pulls++; const b = new TextEncoder().encode("chunk " + pulls + "\n"); bytes += b.length; c.enqueue(b); },
			cancel(reason) { console.log("canceled after " + bytes + " bytes: " + reason.name); },
		});
		return new Response(body);
	}}}`, schemas.Limits{})
	resp, err := p.Invoke(t.Context(), &Request{ID: "gone", Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := 1; want.Len() < 5000; i++ {
		fmt.Fprintf(&want, "chunk %d\n", i)
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(resp.Stream, got); err != nil || string(got) != want.String() {
		t.Fatalf("read %q, %v", got, err)
	}
	_ = resp.Stream.Close()
	lines := map[string]bool{<-logs.ch: true, <-logs.ch: true}
	if !lines["signal aborted: AbortError"] {
		t.Errorf("the request's signal did not abort: %v", lines)
	}
	for line := range lines {
		var n int
		if _, err := fmt.Sscanf(line, "canceled after %d bytes: AbortError", &n); err == nil {
			// One chunk past the bound, one in the stream's queue
			// (highWaterMark 1).
			if max := len(got) + aheadBytes + 2*len("chunk 99999\n"); n > max {
				t.Errorf("the producer ran ahead: %d bytes made for %d read (at most %d)", n, len(got), max)
			}
			return
		}
	}
	t.Errorf("the cancel algorithm did not run: %v", lines)
}

// TestStreamLimits: the response byte limit, a throwing stream and the
// wall limit end a stream with an error for the reader.
func TestStreamLimits(t *testing.T) {
	tests := []struct {
		name, handler string
		limits        schemas.Limits
		first         string
		want          error
	}{
		{"TooManyBytes", `let n = 0; return new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(6).fill(97 + n++)) } }))`,
			schemas.Limits{ResponseBodyBytes: 10}, "aaaaaa", ErrResponseTooLarge},
		{"StreamErrors", `return new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104, 105])); setTimeout(() => c.error(new RangeError("broke")), 1) } }))`,
			schemas.Limits{}, "hi", ErrThrew},
		{"NothingLeftToProduce", `return new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([110])) }, cancel(e) { console.log(e.message) } }))`,
			schemas.Limits{}, "n", ErrUnsettled},
		{"NotBytes", `return new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([111])); c.enqueue("a string") } }))`,
			schemas.Limits{}, "o", ErrBadResponse},
		{"WallTime", `return new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([119])) }, pull() { setInterval(() => {}, 20) } }))`,
			schemas.Limits{WallMillis: 150}, "w", ErrWallTime},
		{"CPUTime", `return new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([99])) }, pull(c) { return new Promise(() => setTimeout(() => { for (;;) {} }, 1)) } }))`,
			schemas.Limits{CPUMillis: 100, WallMillis: 60000}, "c", ErrCPUTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := "var " + ModuleGlobal + " = (function(){ return {default:{fetch(){ " + tt.handler + " }}} })();"
			limits := tt.limits
			if limits.CPUMillis == 0 {
				limits = roomyCPU(limits)
			}
			p, err := Compile(Config{Function: "l", Version: 1, Code: []byte(code), Limits: limits, Logger: discardLogger()})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.Invoke(t.Context(), &Request{ID: "l", Method: "GET", URL: "http://x/"})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Stream.Close()
			if got := readChunk(t, resp.Stream); got != tt.first {
				t.Fatalf("first chunk %q, want %q", got, tt.first)
			}
			_, err = io.ReadAll(resp.Stream)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCallerContextEndCancelsTheStream: the end of the context Invoke got
// (the request's, which the edge cancels when the client resets) cancels
// the stream as Close does.
func TestCallerContextEndCancelsTheStream(t *testing.T) {
	p, logs := compileStreaming(t, `return {default:{fetch(r){
		return new Response(new ReadableStream({
			start(c) { c.enqueue(new Uint8Array([120])); this.timer = setInterval(() => {}, 1000) },
			cancel(reason) { clearInterval(this.timer); console.log("canceled: " + reason.name) },
		}));
	}}}`, schemas.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := p.Invoke(ctx, &Request{ID: "ctx", Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Stream.Close()
	if got := readChunk(t, resp.Stream); got != "x" {
		t.Fatalf("got %q", got)
	}
	cancel()
	if line := <-logs.ch; line != "canceled: AbortError" {
		t.Fatalf("got %q", line)
	}
}

// TestBufferedStreamBodyIsNotStreamed: a body that is a stream only
// because the function asked for .body (Hono's new Response(res.body,
// res)) still goes out as bytes.
func TestBufferedStreamBodyIsNotStreamed(t *testing.T) {
	p, _ := compileStreaming(t, `return {default:{fetch(r){ const res = new Response("whole"); return new Response(res.body, res) }}}`, schemas.Limits{})
	resp, err := p.Invoke(t.Context(), &Request{ID: "b", Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Stream != nil || string(resp.Body) != "whole" {
		t.Fatalf("got stream %v, body %q", resp.Stream != nil, resp.Body)
	}
}

// TestStreamsConcurrently: two streamed responses of one version pump at
// once on their own instances.
func TestStreamsConcurrently(t *testing.T) {
	p, _ := compileStreaming(t, `return {default:{fetch(r){ return new Response(r.body) }}}`, schemas.Limits{})
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strings.Repeat(string(rune('a'+i)), 100000)
			resp, err := p.Invoke(context.Background(), &Request{ID: "c", Method: "POST", URL: "http://x/", BodyStream: strings.NewReader(want)})
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Stream.Close()
			got, err := io.ReadAll(resp.Stream)
			if err != nil || !bytes.Equal(got, []byte(want)) {
				t.Errorf("stream %d: %d bytes, %v", i, len(got), err)
			}
		}()
	}
	wg.Wait()
}

// TestTransformStreamResponse: Hono's streamSSE shape: the handler returns
// a TransformStream's readable side and writes events to its writable
// side from an async function that outlives the handler.
func TestTransformStreamResponse(t *testing.T) {
	p, _ := compileStreaming(t, `return {default:{fetch(r){
		const { readable, writable } = new TransformStream();
		const writer = writable.getWriter(), enc = new TextEncoder();
		(async () => {
			for (let i = 0; i < 3; i++) {
				await writer.write(enc.encode("data: " + i + "\n\n"));
				await new Promise((ok) => setTimeout(ok, 1));
			}
			await writer.close();
		})();
		return new Response(readable.pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream()), { headers: { "content-type": "text/event-stream" } });
	}}}`, schemas.Limits{})
	resp, err := p.Invoke(t.Context(), &Request{ID: "t", Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Stream.Close()
	// A Read takes what is ready: one event or several.
	all, err := io.ReadAll(resp.Stream)
	if err != nil || string(all) != "data: 0\n\ndata: 1\n\ndata: 2\n\n" {
		t.Fatalf("events %q, %v", all, err)
	}
}

// TestShortStreamEndsWithinInvoke: a stream whose chunks all come from
// promise jobs (make bench-peers' sse) is read whole before Invoke returns:
// its instance is back in the pool and its body is there whole
// (h2.Buffered). One that waits for Go work (the request body) goes on
// after Invoke.
func TestShortStreamEndsWithinInvoke(t *testing.T) {
	p, _ := compileStreaming(t, `return {default:{fetch(r){
		let n = 0;
		const wait = new URL(r.url).pathname === "/wait";
		return new Response(new ReadableStream({
			async pull(c) {
				await (wait && n === 1 ? r.text() : null);
				n++;
				c.enqueue(new TextEncoder().encode("data: " + n + "\n\n"));
				if (n === 3) c.close();
			},
		}));
	}}}`, schemas.Limits{})
	type buffered interface{ Buffered() ([]byte, bool) }
	resp, err := p.Invoke(t.Context(), &Request{ID: "short", Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	if live, idle := p.Isolates(); live != 1 || idle != 1 {
		t.Errorf("after Invoke: %d live, %d idle isolates, want the one back in the pool", live, idle)
	}
	body, whole := resp.Stream.(buffered).Buffered()
	if !whole || string(body) != "data: 1\n\ndata: 2\n\ndata: 3\n\n" {
		t.Fatalf("Buffered: %q, %v", body, whole)
	}
	_ = resp.Stream.Close()

	pr, pw := io.Pipe()
	resp, err = p.Invoke(t.Context(), &Request{ID: "wait", Method: "POST", URL: "http://x/wait", BodyStream: pr})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Stream.Close()
	if _, whole := resp.Stream.(buffered).Buffered(); whole {
		t.Fatal("a stream waiting for the request body reported its whole body")
	}
	if got := readChunk(t, resp.Stream); got != "data: 1\n\n" {
		t.Fatalf("first event %q", got)
	}
	_ = pw.Close()
	rest, err := io.ReadAll(resp.Stream)
	if err != nil || string(rest) != "data: 2\n\ndata: 3\n\n" {
		t.Fatalf("the rest %q, %v", rest, err)
	}
}

// TestPumpPullsAsReadDoes: the pump takes queued chunks without read()'s
// promise, but the stream's source sees the same calls as a JavaScript
// reader that starts when the pump does and reads as fast as it can: the
// same pulls, with the same desiredSize, in the same order.
func TestPumpPullsAsReadDoes(t *testing.T) {
	p, logs := compileStreaming(t, `return {default:{async fetch(r){
		let n = 0;
		const log = [];
		const stream = new ReadableStream({
			start(c) { c.enqueue(new Uint8Array([48])); log.push("start " + c.desiredSize); },
			pull(c) {
				n++;
				log.push("pull " + n + " " + c.desiredSize);
				c.enqueue(new Uint8Array([48 + n]));
				if (n % 2 === 0) return null;
				return Promise.resolve().then(() => { if (n === 5) { c.close(); console.log(log.join(", ")); } });
			},
		}, { highWaterMark: 2 });
		if (new URL(r.url).pathname === "/js") {
			// From where the pump starts: after the handler, its promise
			// jobs run.
			await new Promise((ok) => setTimeout(ok, 0));
			const reader = stream.getReader();
			while (!(await reader.read()).done) {}
			return new Response("");
		}
		return new Response(stream);
	}}}`, schemas.Limits{})
	if _, err := p.Invoke(t.Context(), &Request{ID: "js", Method: "GET", URL: "http://x/js"}); err != nil {
		t.Fatal(err)
	}
	want := <-logs.ch
	resp, err := p.Invoke(t.Context(), &Request{ID: "pump", Method: "GET", URL: "http://x/pump"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Stream)
	if err != nil || string(body) != "012345" {
		t.Fatalf("body %q, %v", body, err)
	}
	if got := <-logs.ch; got != want {
		t.Fatalf("the pump's pulls:\n%s\na reader's:\n%s", got, want)
	}
}

// TestPumpAheadIsBounded: before Invoke returns, the pump reads at most
// aheadChunks chunks of an endless stream made at once (the headers wait
// for no more), and at most aheadBytes of one made of big chunks.
func TestPumpAheadIsBounded(t *testing.T) {
	tests := []struct {
		name, size string
		want       int
	}{
		{"TinyChunks", "1", aheadChunks},
		{"BigChunks", "40000", 80000}, // the chunk that crosses aheadBytes is taken whole
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := compileStreaming(t, `return {default:{fetch(r){
				return new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(`+tt.size+`)) } }));
			}}}`, schemas.Limits{})
			inst, err := p.get()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := inst.invoke(t.Context(), &Request{ID: "b", Method: "GET", URL: "http://x/"}); err != nil || inst.out == nil {
				t.Fatalf("invoke: %v, stream %v", err, inst.out != nil)
			}
			inst.watch.resume()
			going, err := inst.pumpAhead()
			got := len(inst.out.buf)
			p.release(inst, errors.New("test over"))
			if !going || err != nil || got != tt.want {
				t.Fatalf("pumpAhead: going %v, %v, %d bytes buffered, want %d", going, err, got, tt.want)
			}
		})
	}
}
