package h2

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// bystander is a well-behaved client that keeps making requests on its own connection while
// an attack runs; stop reports how many got answered and what failed.
type bystander struct {
	ok     atomic.Int64
	mu     sync.Mutex
	errs   []string
	stopCh chan struct{}
	wg     sync.WaitGroup
}

func startBystander(t *testing.T, ts *testServer) *bystander {
	b := &bystander{stopCh: make(chan struct{})}
	c := ts.client()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			select {
			case <-b.stopCh:
				return
			default:
			}
			resp, err := c.Get(ts.url("/"))
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 && string(body) == string(helloBody) {
					b.ok.Add(1)
					continue
				}
				err = fmt.Errorf("bystander: %s %q", resp.Status, body)
			}
			b.mu.Lock()
			b.errs = append(b.errs, err.Error())
			b.mu.Unlock()
		}
	}()
	return b
}

// check stops the bystander once it has had at least min answers during the attack, and fails
// on any error it saw.
func (b *bystander) check(t *testing.T, min int64) {
	t.Helper()
	eventually(20*time.Second, func() bool { return b.ok.Load() >= min })
	close(b.stopCh)
	b.wg.Wait()
	if n := b.ok.Load(); n < min {
		t.Errorf("bystander got %d answers, want >= %d", n, min)
	}
	if len(b.errs) > 0 {
		t.Errorf("bystander failures: %v", b.errs)
	}
}

func TestAbuse(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		attack func(t *testing.T, rc *rawClient)
		want   http2.ErrCode
		stat   func(Stats) int64
	}{
		{"RapidReset", Config{}, func(t *testing.T, rc *rawClient) {
			for id := uint32(1); id < 2000; id += 2 {
				if rc.request(id, "GET", "/slow?ms=50", true) != nil || rc.fr.WriteRSTStream(id, http2.ErrCodeCancel) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.RapidReset }},
		{"RapidResetOpenBody", Config{}, func(t *testing.T, rc *rawClient) {
			for id := uint32(1); id < 2000; id += 2 {
				if rc.request(id, "POST", "/echo", false) != nil || rc.fr.WriteRSTStream(id, http2.ErrCodeCancel) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.RapidReset }},
		{"ContinuationFlood", Config{}, func(t *testing.T, rc *rawClient) {
			blk := rc.headerBlock("GET", "/", "x-a", "b")
			rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk, EndStream: true})
			frag := rc.headerBlock("GET", "/", "x-a", "b") // indexed: a few bytes, many fields
			for range 100000 {
				if rc.fr.WriteContinuation(1, false, frag) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.ContinuationFlood }},
		{"ContinuationFloodEmpty", Config{}, func(t *testing.T, rc *rawClient) {
			rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: rc.headerBlock("GET", "/")})
			for range 100000 {
				if rc.fr.WriteContinuation(1, false, nil) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.ContinuationFlood }},
		{"PingFlood", Config{}, func(t *testing.T, rc *rawClient) {
			for range 100000 {
				if rc.fr.WritePing(false, [8]byte{}) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.ControlFlood }},
		{"SettingsFlood", Config{}, func(t *testing.T, rc *rawClient) {
			for range 100000 {
				if rc.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16384}) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.ControlFlood }},
		{"EmptyDataFlood", Config{}, func(t *testing.T, rc *rawClient) {
			rc.request(1, "POST", "/echo", false)
			for range 100000 {
				if rc.fr.WriteData(1, false, nil) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, func(s Stats) int64 { return s.ControlFlood }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.cfg, &testHandler{}, false)
			by := startBystander(t, ts)
			rc := dialRaw(t, ts.addr)
			go tt.attack(t, rc)
			if code := rc.goAwayOrClose(); code != tt.want && code != ^http2.ErrCode(0) {
				t.Errorf("GOAWAY %v, want %v", code, tt.want)
			}
			by.check(t, 20)
			if n := tt.stat(ts.srv.Stats()); n != 1 {
				t.Errorf("stat counter = %d, want 1", n)
			}
		})
	}
}

// TestZeroWindowStall: a client that advertises a zero window and never reads gets its
// responses reset after StallTimeout; the server holds no goroutine per stream.
func TestZeroWindowStall(t *testing.T) {
	ts := startServer(t, Config{StallTimeout: 300 * time.Millisecond}, &testHandler{}, false)
	by := startBystander(t, ts)
	before := runtime.NumGoroutine()
	rc := dialRaw(t, ts.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	const streams = 100
	for i := range streams {
		rc.request(uint32(2*i+1), "GET", "/big?n=100000", true)
	}
	deadline := time.Now().Add(20 * time.Second)
	for ts.srv.Stats().Stalls < streams && time.Now().Before(deadline) {
		if g := runtime.NumGoroutine(); g > before+20 {
			t.Fatalf("goroutines grew from %d to %d", before, g)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := ts.srv.Stats().Stalls; n != streams {
		t.Fatalf("stalled responses reset: %d, want %d", n, streams)
	}
	resets := 0
	for resets < streams {
		rst := rc.readUntil("RST_STREAM", func(f http2.Frame) bool { _, ok := f.(*http2.RSTStreamFrame); return ok })
		if code := rst.(*http2.RSTStreamFrame).ErrCode; code != http2.ErrCodeCancel {
			t.Fatalf("RST_STREAM %v", code)
		}
		resets++
	}
	by.check(t, 20)
	if n := ts.srv.Stats().OpenStreams; n != 0 {
		t.Errorf("open streams after the stall: %d", n)
	}
}

// TestWriteStall: a client with huge windows that stops reading the socket gets its
// connection closed after StallTimeout of blocked writes.
func TestWriteStall(t *testing.T) {
	ts := startServer(t, Config{StallTimeout: 300 * time.Millisecond}, &testHandler{}, false)
	by := startBystander(t, ts)
	rc := dialRaw(t, ts.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1})
	rc.fr.WriteWindowUpdate(0, 1<<31-1-65535)
	for i := range 40 {
		rc.request(uint32(2*i+1), "GET", "/big?n=1000000", true)
	}
	eventually(20*time.Second, func() bool { return ts.srv.Stats().WriteStalls > 0 })
	if ts.srv.Stats().WriteStalls != 1 {
		t.Fatal("blocked connection not closed")
	}
	by.check(t, 20)
}

// TestSilentBodies (issue 18 item 4): a client opens every stream it may with a body it never
// finishes. Each body is cut BodyReadTimeout after its last DATA frame (408), nothing stays
// buffered, and a bystander is served throughout.
func TestSilentBodies(t *testing.T) {
	ts := startServer(t, Config{BodyReadTimeout: 100 * time.Millisecond}, &testHandler{}, false)
	by := startBystander(t, ts)
	rc := dialRaw(t, ts.addr)
	const streams = 250
	chunk := makeBody(1000)
	for i := range streams {
		id := uint32(2*i + 1)
		rc.request(id, "POST", "/echo", false)
		rc.fr.WriteData(id, false, chunk)
	}
	timedOut := 0
	for timedOut < streams {
		f := rc.readUntil("408", func(f http2.Frame) bool {
			h, ok := f.(*http2.MetaHeadersFrame)
			return ok && h.PseudoValue("status") == "408"
		})
		if f.Header().StreamID%2 != 1 {
			t.Fatalf("408 on stream %d", f.Header().StreamID)
		}
		timedOut++
	}
	s := ts.srv.Stats()
	if s.BodyTimeouts != streams || s.BodyBuffered != 0 {
		t.Fatalf("BodyTimeouts %d, BodyBuffered %d; want %d and 0", s.BodyTimeouts, s.BodyBuffered, streams)
	}
	if s.BodyBufferedPeak > streams*int64(len(chunk)) {
		t.Fatalf("buffered peak %d for %d bytes sent", s.BodyBufferedPeak, streams*len(chunk))
	}
	by.check(t, 20)
	if !eventually(5*time.Second, func() bool { return ts.srv.Stats().OpenStreams == 0 }) {
		t.Fatalf("open streams %d after the timeouts", ts.srv.Stats().OpenStreams)
	}
}
