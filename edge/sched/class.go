package sched

import (
	"sync"
	"sync/atomic"
	"time"
)

// Weights of the per-class moving averages, as right shifts: a new sample
// moves the average by 1/2^shift of the difference.
const (
	// expectedShift gives Expected a memory of about 8 runs: it follows a
	// function that changes speed within a few requests.
	expectedShift = 3
	// baselineUpShift and baselineDownShift make the baseline the class's
	// near-unloaded run time: it falls quickly (1/8) towards faster runs
	// but rises slowly (1/256), so a burst of load-inflated runs hardly
	// moves it, while a function that truly became slower is learnt within
	// a few hundred runs.
	baselineUpShift   = 8
	baselineDownShift = 3
)

// A Class is one function version. The engine keeps one per (function,
// version) and puts it in every Task of that version, so the scheduler
// needs no map lookup; the class learns how long its runs take.
//
// A Class may be shared by any number of Schedulers and goroutines.
type Class struct {
	// Name identifies the class in logs, e.g. "fn@version".
	Name string
	// Tag is opaque to the scheduler; the metrics layer hangs its per-function
	// series here so an Observer finds them without a lookup.
	Tag any

	expected atomic.Int64 // EWMA of run time, ns; 0 until the first run
	baseline atomic.Int64 // near-unloaded run time, ns; 0 until the first run

	// heavyUntil is when the class's heavy mark ends (unix ns), 0 if it
	// was never marked; strikes counts runs over StrikeCPU since
	// strikesSince (heavy.go).
	heavyUntil   atomic.Int64
	strikeMu     sync.Mutex
	strikes      int
	strikesSince time.Time
}

// NewClass returns a class with no observations yet.
func NewClass(name string) *Class {
	return &Class{Name: name}
}

// Expected returns the moving average of the class's run time, or 0 before
// its first run (the scheduler then assumes the mean run time of all
// classes: an unknown function is taken to be average, neither first nor
// last).
func (c *Class) Expected() time.Duration {
	return time.Duration(c.expected.Load())
}

// Baseline returns the class's near-unloaded run time that the concurrency
// limiter compares each run against, or 0 before its first run.
func (c *Class) Baseline() time.Duration {
	return time.Duration(c.baseline.Load())
}

// observe records one run of d nanoseconds and returns it normalised by the
// class's baseline before this run (1 for the first run): how much slower
// than usual this run was, whatever the function's own speed.
func (c *Class) observe(d int64) float64 {
	d = max(d, 1)
	ewma(&c.expected, d, expectedShift, expectedShift)
	base := ewma(&c.baseline, d, baselineUpShift, baselineDownShift)
	if base == 0 {
		return 1
	}
	return float64(d) / float64(base)
}

// ewma moves the average in v towards sample by 1/2^up if the sample is
// above it, 1/2^down if below; a zero average takes the sample. It returns
// the average before the update. Concurrent updates from several executors
// are merged by compare-and-swap, so none is lost.
func ewma(v *atomic.Int64, sample int64, up, down uint) int64 {
	for {
		old := v.Load()
		next := sample
		switch {
		case old == 0:
		case sample > old:
			next = old + (sample-old)>>up
		default:
			next = old - (old-sample)>>down
		}
		if v.CompareAndSwap(old, next) {
			return old
		}
	}
}

// A Task is one request's work. The scheduler calls exactly one of Run and
// Shed, once, and does not keep the Task afterwards (nor read it once Run
// has started), so callers may pool Tasks.
type Task struct {
	Class *Class
	// Run does the work, on an executor goroutine locked to its OS thread;
	// for a heavy class, on a goroutine of its own. It passes its CPU work
	// to slot.Do, which runs it on a heavy lane thread for a heavy class
	// and at once otherwise. The slot also lets it stop counting as
	// running before it returns (see Slot.Release).
	Run func(slot Slot)
	// Shed is called instead of Run, why saying when: the queue is full
	// (ErrQueueFull) or the heavy lane is (ErrHeavyLaneFull), both
	// synchronously inside Submit; the scheduler is closed (ErrClosed); or
	// the task waited longer than MaxWait (ErrLate). retryAfter is a whole
	// number of seconds, at least one, for the HTTP Retry-After header of
	// the 503.
	Shed func(why error, retryAfter time.Duration)
}

// An Observer learns how long each task waited and ran; it is the hook for
// per-function metrics. Observe is called on the executor after Run
// returns, before the executor takes its next task, so it must be cheap.
type Observer interface {
	Observe(c *Class, wait, run time.Duration)
}
