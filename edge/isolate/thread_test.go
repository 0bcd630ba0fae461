package isolate

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/osthread"
	"github.com/vault-runtime/vault/schemas"
	"golang.org/x/sys/unix"
)

// invokeHeld invokes p on a thread the caller holds, as an executor does.
func invokeHeld(t *testing.T, p *Program, thread *osthread.Held) (*Response, error) {
	t.Helper()
	return p.Invoke(context.Background(), &Request{ID: "r1", Method: "GET", URL: "http://x/", Header: http.Header{}, Thread: thread})
}

// An invocation on a held thread takes its CPU baseline from a recent
// reading: CPU the thread spent before it, outside any invocation, is not
// charged to it.
func TestHeldThreadChargesOnlyTheInvocationsCPU(t *testing.T) {
	// About 8 ms of CPU, long enough for the watchdog's first checks.
	p := compile(t, `return {default:{fetch(){ const end = Date.now() + 8; while (Date.now() < end) {} return new Response("done") }}}`,
		schemas.Limits{CPUMillis: 40, WallMillis: 5000})
	var thread osthread.Held
	thread.Hold()
	defer thread.Release()
	for i := range 3 {
		// The thread burns 60 ms, more than the limit, between invocations.
		for start := osthread.Self(); osthread.Self()-start < 60*time.Millisecond; {
		}
		if _, err := invokeHeld(t, p, &thread); err != nil {
			t.Fatalf("invocation %d after the thread's own 60 ms of CPU: %v", i, err)
		}
	}
}

func TestHeldThreadStillEnforcesTheCPULimit(t *testing.T) {
	p := compile(t, `return {default:{fetch(){ for(;;){} }}}`, schemas.Limits{CPUMillis: 20, WallMillis: 5000})
	var thread osthread.Held
	thread.Hold()
	defer thread.Release()
	_, err := invokeHeld(t, p, &thread)
	var lim *LimitError
	if !errors.As(err, &lim) || lim.Limit != LimitCPU || lim.Used < lim.Max {
		t.Fatalf("got %v, want the CPU limit", err)
	}
}

// A synchronous invocation leaves the caller's hold as it was; one that
// waits for its event loop releases it before it blocks.
func TestHeldThreadIsReleasedBeforeBlocking(t *testing.T) {
	var thread osthread.Held
	thread.Hold()
	defer thread.Release()
	tid := unix.Gettid()

	sync := compile(t, `return {default:{fetch(){ return new Response("now") }}}`, schemas.Limits{})
	if _, err := invokeHeld(t, sync, &thread); err != nil {
		t.Fatal(err)
	}
	if held, ok := thread.TID(); !ok || held != tid || unix.Gettid() != tid {
		t.Fatalf("after a synchronous invocation: held %d (%v), running on %d, want %d", held, ok, unix.Gettid(), tid)
	}

	waits := compile(t, `return {default:{async fetch(){ await new Promise((ok) => setTimeout(ok, 1)); return new Response("later") }}}`, schemas.Limits{})
	resp, err := invokeHeld(t, waits, &thread)
	if err != nil || string(resp.Body) != "later" {
		t.Fatalf("got %v, %v", resp, err)
	}
	if _, ok := thread.TID(); ok {
		t.Fatal("an invocation that waited for a timer kept the caller's hold on its thread")
	}
}
