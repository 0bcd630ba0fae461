package isolate

import (
	"sync"
	"time"
)

// The pool keeps a version's idle instances. It keeps as many as the
// version recently had in use at once (its peak concurrency), at least
// MaxIdle and at most maxPooled: when a burst of streamed responses, each
// holding its instance for the stream's life, ends, the next burst finds
// its instances warm instead of building all but MaxIdle again (~1 ms of
// CPU each, and the lazy Web API groups on first use). While the pool
// holds more than MaxIdle, a timer halves the peak every peakDecay and
// lets the instances above it go, so a version that has quietened down,
// or stopped serving, gives its memory back (an idle instance holds
// ~340 KB).

// maxPooled caps a version's idle instances whatever its peak.
const maxPooled = 128

// peakDecay is how often the remembered peak halves.
const peakDecay = 10 * time.Second

// pool is a stack of idle instances (the most recently used first: its
// memory is the likeliest to be in cache).
type pool struct {
	mu    sync.Mutex
	idle  []*instance
	min   int         // MaxIdle
	peak  int         // most instances in use at once, halved every peakDecay
	timer *time.Timer // the next decay, while idle holds more than min
	// dropped is told how many instances a decay let go.
	dropped func(n int)
}

// take pops an idle instance, or returns nil (the caller makes one). live
// is the version's count of instances: with the one the caller gets,
// those not idle are in use, which may be a new peak.
func (pl *pool) take(live int64) *instance {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	var inst *instance
	if n := len(pl.idle); n > 0 {
		inst = pl.idle[n-1]
		pl.idle[n-1] = nil
		pl.idle = pl.idle[:n-1]
	} else {
		live++ // the caller makes one
	}
	pl.peak = max(pl.peak, int(live)-len(pl.idle))
	return inst
}

// give pushes an instance back and reports whether the pool kept it.
func (pl *pool) give(inst *instance) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.idle) >= pl.capacity() {
		return false
	}
	pl.idle = append(pl.idle, inst)
	if len(pl.idle) > pl.min && pl.timer == nil {
		pl.timer = time.AfterFunc(peakDecay, pl.decay)
	}
	return true
}

// decay halves the peak and lets the idle instances above the pool's
// capacity go; it comes again while more than MaxIdle are left.
func (pl *pool) decay() {
	pl.mu.Lock()
	pl.peak /= 2
	n := 0
	for len(pl.idle) > pl.capacity() {
		pl.idle[len(pl.idle)-1] = nil
		pl.idle = pl.idle[:len(pl.idle)-1]
		n++
	}
	if len(pl.idle) > pl.min {
		pl.timer.Reset(peakDecay)
	} else {
		pl.timer = nil
	}
	pl.mu.Unlock()
	if n > 0 && pl.dropped != nil {
		pl.dropped(n)
	}
}

// capacity is how many idle instances the pool keeps now; pl.mu must be
// held.
func (pl *pool) capacity() int {
	return min(max(pl.min, pl.peak), maxPooled)
}

// size is the number of idle instances.
func (pl *pool) size() int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return len(pl.idle)
}
