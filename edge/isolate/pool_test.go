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

// TestPoolPeakDecays: once a decay period has passed the remembered peak
// halves and the instances above what the pool now keeps go, down to
// MaxIdle; maxPooled bounds it whatever the peak.
func TestPoolPeakDecays(t *testing.T) {
	pl := &pool{min: 2, decayAt: time.Now().Add(time.Hour)}
	insts := make([]*instance, 10)
	for i := range insts {
		insts[i] = &instance{}
	}
	for i := range insts {
		if pl.take(int64(i)) != nil {
			t.Fatal("an empty pool gave an instance")
		}
	}
	for _, inst := range insts {
		if !pl.give(inst) {
			t.Fatal("the pool refused an instance below its peak of 10")
		}
	}
	pl.decayAt = time.Time{} // the period is over
	if pl.give(&instance{}) || pl.size() != 5 {
		t.Fatalf("after a decay: %d kept, want 5 (half the peak)", pl.size())
	}
	pl.decayAt = time.Time{}
	pl.give(&instance{})
	if pl.size() != 2 {
		t.Fatalf("after two decays: %d kept, want MaxIdle (2)", pl.size())
	}
	pl.peak = 10 * maxPooled
	if pl.capacity() != maxPooled {
		t.Fatalf("capacity %d, want maxPooled", pl.capacity())
	}
}
