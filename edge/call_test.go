package edge

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// vault kill said "aborted 4" while the scheduler still counted 4 running:
// an invocation stuck in a Go call (here a backtracking match, which only
// its 3 s wall limit ends) kept its executor and its slot. Now the kill
// frees the slot at once; the stuck call finishes on its own goroutine.
func TestKillFreesTheSchedulerSlotOfAStuckInvocation(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	f := NewFunctions(log, Options{})
	v := fold.ServedVersion{Version: 1, Artifact: "a1", Routes: []string{"/stuck"}}
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"stuck","entry":"i.js","limits":{"cpu_ms":10000,"wall_ms":3000}}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(fmt.Sprintf(
			`var %s={default:{fetch(){return new Response(String(/^(a+)+(?!x)$/.test("a".repeat(30) + "!")))}}};`, schemas.BundleGlobal))})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Warm(context.Background(), "stuck", v, blob, nil); err != nil {
		t.Fatal(err)
	}
	f.Publish(&fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{
		"stuck": {Function: "stuck", Versions: []fold.ServedVersion{v}, ActivatedSeq: 1},
	}})
	s, err := NewServer(Config{Listen: "127.0.0.1:0", Scheduler: sched.Config{Executors: 1, MinLimit: 1}}, f, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.sched.Close)

	h := &handler{s: s}
	r := &h2.Request{Method: "GET", Scheme: "http", Authority: "example.com", Path: "/stuck", Header: http.Header{}}
	if _, resp := h.Route(r); resp != nil {
		t.Fatalf("route: %d %s", resp.Status, resp.Body)
	}
	h.Serve(r)
	// Kill until the invocation is in flight: it registers when it starts.
	waitStats(t, s, "the invocation to start", func(sched.Stats) bool { return f.Kill("stuck") == 1 })
	st := waitStats(t, s, "the slot to be freed", func(st sched.Stats) bool { return st.Running == 0 })
	if st.Released != 1 || st.Completed != 0 {
		t.Fatalf("after the kill: %+v, want the slot released while the call still runs", st)
	}
	waitStats(t, s, "the stuck call to end", func(st sched.Stats) bool { return st.Completed == 1 })
}

// waitStats polls the scheduler until cond holds, for at most 10 s.
func waitStats(t *testing.T, s *Server, what string, cond func(sched.Stats) bool) sched.Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.Scheduler().Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, st)
		}
		time.Sleep(time.Millisecond)
	}
}

// consoleLines is a log sink handing each console line to the test.
type consoleLines chan string

func (c consoleLines) Log(e isolate.LogEntry) {
	if e.Source == isolate.SourceConsole {
		c <- e.Message
	}
}

// streamingServer serves one function at /s over h2c on loopback.
func streamingServer(t *testing.T, code string, logs isolate.LogSink) (url string, client *http.Client) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	f := NewFunctions(log, Options{Logs: logs})
	v := fold.ServedVersion{Version: 1, Artifact: "a1", Routes: []string{"/s"}}
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"s","entry":"i.js","limits":{"cpu_ms":5000,"wall_ms":20000}}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(fmt.Sprintf(`var %s=%s;`, schemas.BundleGlobal, code))})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Warm(context.Background(), "s", v, blob, nil); err != nil {
		t.Fatal(err)
	}
	f.Publish(&fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{
		"s": {Function: "s", Versions: []fold.ServedVersion{v}, ActivatedSeq: 1},
	}})
	s, err := NewServer(Config{Listen: "127.0.0.1:0"}, f, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	return "http://" + s.Addrs["h2c"] + "/s", &http.Client{Transport: tr}
}

// TestStreamedResponseThroughTheEdge: a function's stream reaches the
// client as it is produced, and the request body reaches the function as
// it is sent: the first event arrives while the client still holds the
// request body open, and the function's answer to the rest follows.
func TestStreamedResponseThroughTheEdge(t *testing.T) {
	url, client := streamingServer(t, `{default:{fetch(r){
		const enc = new TextEncoder();
		return new Response(new ReadableStream({ async start(c) {
			c.enqueue(enc.encode("data: first\n\n"));
			const rest = await r.text();
			c.enqueue(enc.encode("data: " + rest + "\n\n"));
			c.close();
		} }), { headers: { "content-type": "text/event-stream" } });
	}}}`, nil)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", url, pr)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("status %d, header %v", resp.StatusCode, resp.Header)
	}
	first := make([]byte, len("data: first\n\n"))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "data: first\n\n" {
		t.Fatalf("first event %q, %v", first, err)
	}
	if _, err := pw.Write([]byte("second")); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "data: second\n\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

// TestClientResetCancelsTheFunctionsStream: when the client goes away
// mid-stream, the function's stream is canceled and its request's signal
// aborts.
func TestClientResetCancelsTheFunctionsStream(t *testing.T) {
	lines := make(consoleLines, 16)
	url, client := streamingServer(t, `{default:{fetch(r){
		r.signal.onabort = () => console.log("aborted");
		let n = 0;
		return new Response(new ReadableStream({
			pull(c) { return new Promise((ok) => setTimeout(() => { c.enqueue(new TextEncoder().encode("tick " + n++ + "\n")); ok() }, 1)) },
			cancel(reason) { console.log("canceled: " + reason.name) },
		}));
	}}}`, lines)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("tick 0\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "tick 0\n" {
		t.Fatalf("first chunk %q, %v", buf, err)
	}
	cancel() // the client resets the stream
	_ = resp.Body.Close()
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case l := <-lines:
			got[l] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("after the reset the function logged only %v", got)
		}
	}
	if !got["canceled: AbortError"] || !got["aborted"] {
		t.Fatalf("got %v", got)
	}
}

// allLines is a log sink handing every line of the function's log to the
// test, with its source.
type allLines chan isolate.LogEntry

func (c allLines) Log(e isolate.LogEntry) { c <- e }

// TestClientResetCancelsAWaitingInvocation: a client that resets its
// stream while the function still awaits cancels the invocation: the
// call's context follows the stream.
func TestClientResetCancelsAWaitingInvocation(t *testing.T) {
	lines := make(allLines, 16)
	url, client := streamingServer(t, `{default:{fetch(r){
		console.log("started");
		return new Promise((ok) => setTimeout(() => ok(new Response("late")), 15000));
	}}}`, lines)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case e := <-lines:
		if e.Message != "started" {
			t.Fatalf("function logged %+v first", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the function did not start")
	}
	cancel() // the client resets the stream
	select {
	case e := <-lines:
		if e.Source != isolate.SourceRuntime || !strings.Contains(e.Message, "canceled") {
			t.Fatalf("after the reset the function logged %+v, want its cancellation", e)
		}
	case <-time.After(10 * time.Second): // the wall limit is 20 s
		t.Fatal("the invocation was not canceled")
	}
	if err := <-errc; err == nil {
		t.Fatal("request succeeded after its cancellation")
	}
}
