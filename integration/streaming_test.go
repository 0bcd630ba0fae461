package integration

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// streamingApp answers /stream/sse with server-sent events whose last one
// waits for the request body, /stream/echo with its request body as a
// stream, and /stream/ticks with a stream that runs until the client goes.
const streamingApp = `export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const enc = new TextEncoder();
    if (path === "/stream/sse") {
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(enc.encode("event: hello\ndata: first\n\n"));
          const rest = await request.text();
          c.enqueue(enc.encode("data: " + rest + "\n\n"));
          c.close();
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    }
    if (path === "/stream/echo") {
      return new Response(request.body, { headers: { "content-type": request.headers.get("content-type") ?? "application/octet-stream" } });
    }
    if (path === "/stream/ticks") {
      request.signal.addEventListener("abort", () => console.log("request signal aborted"));
      let n = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          return new Promise<void>((ok) => setTimeout(() => { c.enqueue(enc.encode("tick " + n++ + "\n")); ok(); }, 2));
        },
        cancel(reason) { console.log("ticks canceled after " + n + ": " + (reason as Error).name); },
      });
      return new Response(body);
    }
    return new Response("no such stream", { status: 404 });
  },
};
`

// TestStreamingEndToEnd runs a streaming function in the real binary over
// HTTP/2 on loopback: an SSE response's first event arrives while the
// function's stream is still open (it waits for the request body, which
// the client holds), a request body streams back chunk by chunk, and a
// client that resets mid-stream cancels the function's stream.
func TestStreamingEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	dir := e.writeFunction("stream", map[string]string{
		"vault.yaml":   "name: stream\nentry: src/index.ts\nroutes: [/stream/*]\nlimits:\n  wall_ms: 30000\n",
		"src/index.ts": streamingApp,
	})
	e.mustVault(srv, "deploy", dir)
	e.mustVault(srv, "activate", "stream@v1")
	base := "http://" + n.h2c
	c := h2cClient()
	c.Timeout = 0 // the streams are bounded by the function's limits and the test's reads

	t.Run("SSEFirstEventBeforeTheEnd", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		// A node that buffered the response would never answer: fail
		// instead of hanging.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/stream/sse", pr)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("status %d, header %v", resp.StatusCode, resp.Header)
		}
		events := bufio.NewReader(resp.Body)
		// The function's stream cannot end before the request body does:
		// this event was sent while it was open.
		first := readEvent(t, events)
		if first != "event: hello\ndata: first\n" {
			t.Fatalf("first event %q", first)
		}
		if _, err := io.WriteString(pw, "the rest"); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		if second := readEvent(t, events); second != "data: the rest\n" {
			t.Fatalf("second event %q", second)
		}
		if _, err := events.ReadByte(); err != io.EOF {
			t.Fatalf("after the last event: %v, want EOF", err)
		}
	})

	t.Run("EchoesARequestBodyStream", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/stream/echo", pr)
		req.Header.Set("Content-Type", "text/x-chunks")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/x-chunks" {
			t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
		}
		// Each chunk comes back before the next is sent.
		for _, chunk := range []string{"first chunk;", "second;", strings.Repeat("x", 70000)} {
			go func() { _, _ = io.WriteString(pw, chunk) }()
			got := make([]byte, len(chunk))
			if _, err := io.ReadFull(resp.Body, got); err != nil || string(got) != chunk {
				t.Fatalf("echo of %.20q: %.20q, %v", chunk, got, err)
			}
		}
		pw.Close()
		if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 0 {
			t.Fatalf("after the end: %q, %v", rest, err)
		}
	})

	t.Run("ClientResetCancelsTheStream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/stream/ticks", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewReader(resp.Body)
		for i, want := range []string{"tick 0\n", "tick 1\n"} {
			if got, err := lines.ReadString('\n'); err != nil || got != want {
				t.Fatalf("line %d: %q, %v", i, got, err)
			}
		}
		cancel() // the client resets the stream
		resp.Body.Close()
		e.waitLogs(t, srv, []string{"ticks canceled after", ": AbortError", "request signal aborted"}, "stream")
	})
}

// readEvent reads one server-sent event: its lines up to the blank line.
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var ev strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading an event: %q, %v", ev.String()+line, err)
		}
		if line == "\n" {
			return ev.String()
		}
		ev.WriteString(line)
	}
}
