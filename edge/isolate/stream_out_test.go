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
// and aborts the request's signal; the producer was held back meanwhile
// (one chunk in flight, not an unbounded buffer).
func TestClientGoneCancelsTheStream(t *testing.T) {
	p, logs := compileStreaming(t, `return {default:{fetch(r){
		let pulls = 0;
		r.signal.addEventListener("abort", () => console.log("signal aborted: " + r.signal.reason.name));
		const body = new ReadableStream({
			pull(c) { pulls++; c.enqueue(new TextEncoder().encode("chunk " + pulls + "\n")); },
			cancel(reason) { console.log("canceled after " + pulls + " pulls: " + reason.name); },
		});
		return new Response(body);
	}}}`, schemas.Limits{})
	resp, err := p.Invoke(t.Context(), &Request{ID: "gone", Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if got, want := readChunk(t, resp.Stream), "chunk "+string(rune('0'+i))+"\n"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	_ = resp.Stream.Close()
	got := map[string]bool{<-logs.ch: true, <-logs.ch: true}
	if !got["signal aborted: AbortError"] {
		t.Errorf("the request's signal did not abort: %v", got)
	}
	for line := range got {
		var n int
		if _, err := fmt.Sscanf(line, "canceled after %d pulls: AbortError", &n); err == nil {
			// Five read, one in flight, one in the queue (highWaterMark 1).
			if n > 8 {
				t.Errorf("the producer ran ahead: %d pulls for 5 chunks read", n)
			}
			return
		}
	}
	t.Errorf("the cancel algorithm did not run: %v", got)
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
	if got := readChunk(t, resp.Stream); got != "data: 0\n\n" {
		t.Fatalf("first event %q", got)
	}
	rest, err := io.ReadAll(resp.Stream)
	if err != nil || string(rest) != "data: 1\n\ndata: 2\n\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}
