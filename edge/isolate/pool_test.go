package isolate

import (
	"io"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// TestPoolKeepsPeakConcurrency: after a burst of streams, each holding its
// instance, the pool keeps as many instances as were in use at once, not
// only MaxIdle: the next burst makes none.
func TestPoolKeepsPeakConcurrency(t *testing.T) {
	code := "var " + ModuleGlobal + " = (function(){ return {default:{fetch(r){ return new Response(r.body) }}} })();"
	p, err := Compile(Config{Function: "peak", Version: 1, Code: []byte(code), Limits: roomyCPU(schemas.Limits{}), Logger: discardLogger(), MaxIdle: 2})
	if err != nil {
		t.Fatal(err)
	}
	const burst = 6
	for round := range 2 {
		var writers []*io.PipeWriter
		var streams []io.ReadCloser
		for range burst {
			pr, pw := io.Pipe()
			resp, err := p.Invoke(t.Context(), &Request{ID: "s", Method: "POST", URL: "http://x/", BodyStream: pr})
			if err != nil {
				t.Fatal(err)
			}
			writers, streams = append(writers, pw), append(streams, resp.Stream)
		}
		if live, _ := p.Isolates(); live != burst {
			t.Fatalf("round %d: %d live isolates for %d streams", round, live, burst)
		}
		for i := range burst {
			_ = writers[i].Close()
			if _, err := io.ReadAll(streams[i]); err != nil {
				t.Fatal(err)
			}
		}
		// The last pump hands its instance back after the stream's end.
		deadline := time.Now().Add(10 * time.Second)
		for _, idle := p.Isolates(); idle < burst && time.Now().Before(deadline); _, idle = p.Isolates() {
			time.Sleep(time.Millisecond)
		}
		if live, idle := p.Isolates(); live != burst || idle != burst {
			t.Fatalf("round %d: after the burst %d live, %d idle, want %d kept", round, live, idle, burst)
		}
	}
}

// TestPoolPeakDecays: each decay halves the remembered peak and lets the
// idle instances above what the pool now keeps go, down to MaxIdle, and
// says how many went; maxPooled bounds the pool whatever the peak.
func TestPoolPeakDecays(t *testing.T) {
	var dropped int
	pl := &pool{min: 2, dropped: func(n int) { dropped += n }}
	insts := make([]*instance, 10)
	for i := range insts {
		if pl.take(int64(i)) != nil {
			t.Fatal("an empty pool gave an instance")
		}
		insts[i] = &instance{}
	}
	for _, inst := range insts {
		if !pl.give(inst) {
			t.Fatal("the pool refused an instance below its peak of 10")
		}
	}
	if pl.timer == nil {
		t.Fatal("no decay scheduled with more than MaxIdle idle")
	}
	pl.timer.Stop() // the test runs the decays itself
	pl.decay()
	if pl.size() != 5 || dropped != 5 || pl.give(&instance{}) {
		t.Fatalf("after a decay: %d kept, %d dropped, want 5 and 5 (half the peak), and no room", pl.size(), dropped)
	}
	pl.timer.Stop()
	pl.decay()
	if pl.size() != 2 || dropped != 8 || pl.timer != nil {
		t.Fatalf("after two decays: %d kept, %d dropped, timer %v, want MaxIdle (2) kept and no more decays", pl.size(), dropped, pl.timer != nil)
	}
	pl.peak = 10 * maxPooled
	if pl.capacity() != maxPooled {
		t.Fatalf("capacity %d, want maxPooled", pl.capacity())
	}
}
