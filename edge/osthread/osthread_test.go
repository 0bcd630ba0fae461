package osthread

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// spin burns about d of the calling thread's CPU.
func spin(d time.Duration) {
	for start := Self(); Self()-start < d; {
	}
}

func TestHoldKeepsTheGoroutineOnItsThread(t *testing.T) {
	// Other goroutines keep every P busy, so an unheld goroutine that
	// yields is soon resumed on another thread.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					spin(50 * time.Microsecond)
					runtime.Gosched()
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	var h Held
	if _, ok := h.TID(); ok {
		t.Fatal("the zero Held reports a thread")
	}
	h.Hold()
	tid, ok := h.TID()
	if !ok || tid != unix.Gettid() {
		t.Fatalf("TID = %d, %v; the thread is %d", tid, ok, unix.Gettid())
	}
	h.Hold() // a second Hold keeps the first
	for i := range 200 {
		runtime.Gosched()
		time.Sleep(10 * time.Microsecond)
		if now := unix.Gettid(); now != tid {
			t.Fatalf("after %d yields the goroutine runs on thread %d, not the held %d", i, now, tid)
		}
	}
	h.Release()
	if _, ok := h.TID(); ok {
		t.Fatal("TID still reports a thread after Release")
	}
	h.Release() // releasing twice is harmless
	var none *Held
	none.Release()
	if _, ok := none.TID(); ok {
		t.Fatal("a nil Held reports a thread")
	}
}

func TestBaselineIsRecentAndNeverAhead(t *testing.T) {
	var h Held
	h.Hold()
	defer h.Release()
	now := time.Now()
	first := h.Baseline(now, time.Millisecond)
	spin(3 * time.Millisecond)
	// Within maxAge of the last reading: that reading, not a new one.
	if again := h.Baseline(now.Add(500*time.Microsecond), time.Millisecond); again != first {
		t.Fatalf("a baseline within maxAge changed: %v, then %v", first, again)
	}
	// Older than maxAge: read again, and the new reading has the CPU
	// burnt since.
	later := h.Baseline(now.Add(2*time.Millisecond), time.Millisecond)
	if later-first < 3*time.Millisecond {
		t.Fatalf("a stale baseline was not read again: %v, then %v after 3 ms of CPU", first, later)
	}
	if self := Self(); later > self {
		t.Fatalf("baseline %v is ahead of the clock %v", later, self)
	}
	// A new hold takes a fresh reading.
	h.Release()
	h.Hold()
	spin(2 * time.Millisecond)
	if fresh := h.Baseline(now.Add(2*time.Millisecond), time.Hour); fresh-later < 2*time.Millisecond {
		t.Fatalf("Hold kept the last hold's reading: %v, then %v", later, fresh)
	}
}

func TestOfReadsTheNamedThreadsClock(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	before := Of(tid)
	spin(2 * time.Millisecond)
	own, other := Self(), Of(tid)
	if other-before < 2*time.Millisecond {
		t.Fatalf("Of(own tid) moved %v over 2 ms of CPU", other-before)
	}
	if d := other - own; d < 0 || d > time.Millisecond {
		t.Fatalf("Of(own tid) = %v, Self = %v", other, own)
	}
	if p := Process(); p < other {
		t.Fatalf("process CPU %v is less than one of its threads' %v", p, other)
	}
}
