package isolate

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// stuck is a handler caught in a Go call that vm.Interrupt cannot stop:
// a backtracking match that only the wall limit (2 s) ends.
const stuck = `return {default:{fetch(){ return new Response(String(/^(a+)+(?!x)$/.test("a".repeat(30) + "!"))) }}}`

// When a limit or the caller interrupts an invocation stuck in a Go call,
// Request.Interrupted fires at once, long before Invoke can return: the
// edge frees the invocation's scheduler slot there.
func TestInterruptedFiresWhileAGoCallRuns(t *testing.T) {
	tests := []struct {
		name   string
		limits schemas.Limits
		kill   bool
		want   error
	}{
		{"ErrCPUTime", schemas.Limits{CPUMillis: 50, WallMillis: 2000}, false, ErrCPUTime},
		{"ErrCanceled", schemas.Limits{CPUMillis: 10000, WallMillis: 2000}, true, ErrCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, stuck, tt.limits)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			interrupted, returned := make(chan struct{}), make(chan error, 1)
			start := time.Now()
			go func() {
				_, err := p.Invoke(ctx, &Request{ID: "r1", Method: "GET", URL: "http://x/", Header: http.Header{},
					Interrupted: func() { close(interrupted) }})
				returned <- err
			}()
			if tt.kill {
				cancel()
			}
			select {
			case <-interrupted:
			case err := <-returned:
				t.Fatalf("Invoke returned (%v) after %v before Interrupted fired", err, time.Since(start))
			case <-time.After(10 * time.Second):
				t.Fatal("Interrupted did not fire")
			}
			fired := time.Since(start)
			err := <-returned
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			t.Logf("interrupted after %v, Invoke returned after %v", fired.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		})
	}
}

// An invocation that ends normally never calls Interrupted, nor does one
// that a limit stops after it returned its response (waitUntil work).
func TestInterruptedNotCalledAfterReturn(t *testing.T) {
	p := compile(t, `return {default:{fetch(r, env, ctx){ ctx.waitUntil(new Promise(() => setTimeout(() => { for(;;){} }, 1))); return new Response("ok") }}}`,
		schemas.Limits{CPUMillis: 50})
	called := make(chan struct{}, 1)
	resp, err := p.Invoke(context.Background(), &Request{ID: "r1", Method: "GET", URL: "http://x/", Header: http.Header{},
		Interrupted: func() { called <- struct{}{} }})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("Invoke: %v, %v", resp, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for live, _ := p.Isolates(); live > 0 && time.Now().Before(deadline); live, _ = p.Isolates() {
		time.Sleep(time.Millisecond) // the waitUntil loop runs into its CPU limit and is discarded
	}
	select {
	case <-called:
		t.Fatal("Interrupted was called after Invoke returned")
	default:
	}
}
