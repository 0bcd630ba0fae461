package sched

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a fake monotonic clock the tests move by hand.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() int64              { return c.ns.Load() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// harness is a scheduler on a fake clock with helpers to build tasks that
// record the order they ran in.
type harness struct {
	t     *testing.T
	s     *Scheduler
	clock *clock

	mu   sync.Mutex
	ran  []string
	shed map[string]time.Duration
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{}, shed: map[string]time.Duration{}}
	h.clock.ns.Store(int64(time.Hour)) // far from zero: keys and waits are relative
	h.s = newScheduler(cfg, nil, nil, h.clock.now)
	t.Cleanup(h.s.Close)
	return h
}

// classWith returns a class whose expected run time is d.
func classWith(name string, d time.Duration) *Class {
	c := NewClass(name)
	c.observe(int64(d))
	return c
}

// task returns a task of class c that records name when it runs or sheds.
func (h *harness) task(c *Class, name string, run func()) *Task {
	return &Task{
		Class: c,
		Run: func(Slot) {
			h.mu.Lock()
			h.ran = append(h.ran, name)
			h.mu.Unlock()
			if run != nil {
				run()
			}
		},
		Shed: func(_ error, ra time.Duration) {
			h.mu.Lock()
			h.shed[name] = ra
			h.mu.Unlock()
		},
	}
}

// block submits a task of class c that runs until the returned release is
// called; it returns once the task is running.
func (h *harness) block(c *Class, name string) (release func()) {
	h.t.Helper()
	started, gate := make(chan struct{}), make(chan struct{})
	h.s.Submit(h.task(c, name, func() {
		close(started)
		<-gate
	}))
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		h.t.Fatalf("%s did not start", name)
	}
	return sync.OnceFunc(func() { close(gate) })
}

// waitFor polls cond until it holds; it fails the test after 10 s.
func (h *harness) waitFor(what string, cond func(Stats) bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(h.s.Stats()) {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s: %+v", what, h.s.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *harness) ranOrder() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ran)
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

// With a slow function occupying every executor and many of its requests
// queued, requests to a fast function submitted later run first.
func TestFastAdmittedAheadOfQueuedSlow(t *testing.T) {
	h := newHarness(t, Config{Executors: 2, MinLimit: 2, InitialLimit: 2, AdmitPerTick: 1 << 20})
	slow := classWith("slow", 200*time.Millisecond)
	fast := classWith("fast", time.Millisecond)

	release0 := h.block(slow, "gate0")
	release1 := h.block(slow, "gate1")
	defer release1()
	for _, n := range names("slow", 20) {
		h.s.Submit(h.task(slow, n, nil))
	}
	for _, n := range names("fast", 10) {
		h.s.Submit(h.task(fast, n, nil))
	}
	if st := h.s.Stats(); st.Running != 2 || st.Queued != 30 || st.Inbox != 0 {
		t.Fatalf("saturated: %+v, want 2 running, 30 admitted and queued", st)
	}

	// One executor frees up; the other stays busy with the slow function,
	// so the order of runs is the order the queue gives.
	release0()
	h.waitFor("queue to drain", func(st Stats) bool { return st.Queued == 0 && st.Running == 1 })
	want := append(append([]string{"gate0", "gate1"}, names("fast", 10)...), names("slow", 20)...)
	if got := h.ranOrder(); !slices.Equal(got, want) {
		t.Fatalf("run order:\n got %v\nwant %v", got, want)
	}
}

// A long task waiting long enough overtakes a stream of short ones: the
// stream keeps one executor busy forever, each short task submitting the
// next 1 ms later.
func TestAgingPreventsStarvation(t *testing.T) {
	h := newHarness(t, Config{Executors: 1, MinLimit: 1, AdmitPerTick: 1 << 20, AgingRate: 4})
	long := classWith("long", 100*time.Millisecond)
	short := classWith("short", time.Millisecond)

	release := h.block(NewClass("gate"), "gate")
	var longRan atomic.Bool
	h.s.Submit(h.task(long, "long", func() { longRan.Store(true) }))
	var stream func(i int) *Task
	stream = func(i int) *Task {
		return h.task(short, fmt.Sprintf("short%02d", i), func() {
			h.clock.advance(time.Millisecond)
			if !longRan.Load() && i < 1000 {
				h.s.Submit(stream(i + 1))
			}
		})
	}
	h.s.Submit(stream(0))
	release()
	h.waitFor("long to run", func(Stats) bool { return longRan.Load() })
	h.waitFor("stream to stop", func(st Stats) bool { return st.Queued == 0 && st.Running == 0 })

	got := h.ranOrder()
	pos := slices.Index(got, "long")
	// Priority is Expected − 4·waited: the long task (100 ms) is overtaken
	// only by short ones (1 ms) submitted within (100−1)/4 = 24.75 ms after
	// it, one per millisecond here: short00 … short24, then long.
	if want := 1 + 25; pos != want {
		t.Fatalf("long ran at %d, want %d (after the gate and 25 short): %v", pos, want, got)
	}
}
