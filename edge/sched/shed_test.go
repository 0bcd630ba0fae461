package sched

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestQueueFullSheds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		meanRun time.Duration
		want    time.Duration // ceil(queued·meanRun/limit), at least 1 s
	}{
		{"RetryAfterAtLeastOneSecond", time.Millisecond, time.Second},
		{"RetryAfterFromQueueAndMeanRun", 700 * time.Millisecond, 3 * time.Second}, // 4·0.7 s / 1 = 2.8 s
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{Executors: 1, MinLimit: 1, QueueSize: 4, AdmitPerTick: 1 << 20})
			c := NewClass("fn")
			release := h.block(c, "gate")
			defer release()
			h.s.mu.Lock()
			h.s.meanRun = int64(tc.meanRun)
			h.s.mu.Unlock()
			for _, n := range names("q", 4) {
				h.s.Submit(h.task(c, n, nil))
			}
			h.s.Submit(h.task(c, "over", nil)) // Shed is synchronous
			h.mu.Lock()
			ra, shed := h.shed["over"]
			nshed := len(h.shed)
			h.mu.Unlock()
			if !shed || nshed != 1 {
				t.Fatalf("shed %v (%d tasks), want only the fifth", shed, nshed)
			}
			if ra != tc.want {
				t.Fatalf("Retry-After = %v, want %v", ra, tc.want)
			}
			if st := h.s.Stats(); st.ShedFull != 1 || st.Queued != 4 {
				t.Fatalf("stats %+v, want 1 shed full and 4 queued", st)
			}
		})
	}
}

// A task that waited past MaxWait is shed, not run late.
func TestLateTaskShed(t *testing.T) {
	h := newHarness(t, Config{Executors: 1, MinLimit: 1, MaxWait: time.Second, AdmitPerTick: 1 << 20})
	c := NewClass("fn")
	release := h.block(c, "gate")
	h.s.Submit(h.task(c, "late", nil))
	h.clock.advance(time.Second + time.Nanosecond)
	h.s.Submit(h.task(c, "fresh", nil))
	release()
	h.waitFor("queue to drain", func(st Stats) bool { return st.Queued == 0 && st.Running == 0 })
	h.mu.Lock()
	defer h.mu.Unlock()
	if ra, ok := h.shed["late"]; !ok || ra < time.Second {
		t.Fatalf("late task: shed %v with Retry-After %v, want shed with ≥ 1 s", ok, ra)
	}
	if got := fmt.Sprint(h.ran); got != "[gate fresh]" {
		t.Fatalf("ran %s, want [gate fresh]", got)
	}
	if st := h.s.Stats(); st.ShedLate != 1 {
		t.Fatalf("ShedLate = %d, want 1", st.ShedLate)
	}
}

// An idle scheduler starts a task at once: the tick is an hour, so a task
// that waited for it would never run within the test.
func TestIdleSubmitRunsWithoutTick(t *testing.T) {
	h := newHarness(t, Config{Executors: 2, Tick: time.Hour})
	ran := make(chan struct{})
	h.s.Submit(h.task(NewClass("fn"), "now", func() { close(ran) }))
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("task on an idle scheduler did not run")
	}
}

// At most AdmitPerTick tasks enter the run queue per tick; the rest wait in
// arrival order for the next tick.
func TestAdmitPerTick(t *testing.T) {
	h := newHarness(t, Config{Executors: 1, MinLimit: 1, AdmitPerTick: 3, Tick: time.Millisecond})
	c := NewClass("fn")
	release := h.block(c, "gate") // spends one admission of this tick
	defer release()
	for _, n := range names("q", 7) {
		h.s.Submit(h.task(c, n, nil))
	}
	if st := h.s.Stats(); st.Queued != 7 || st.Inbox != 5 || st.Admitted != 3 {
		t.Fatalf("first tick: %+v, want 7 queued of which 5 not admitted, 3 admitted in all", st)
	}
	h.clock.advance(time.Millisecond) // the real ticker sees a new tick of the fake clock
	h.waitFor("second tick", func(st Stats) bool { return st.Inbox == 2 })
	h.clock.advance(time.Millisecond)
	h.waitFor("third tick", func(st Stats) bool { return st.Inbox == 0 })
	if st := h.s.Stats(); st.Admitted != 8 {
		t.Fatalf("admitted %d, want 8", st.Admitted)
	}
}

func TestClose(t *testing.T) {
	h := newHarness(t, Config{Executors: 2, MinLimit: 2, AdmitPerTick: 1 << 20})
	c := NewClass("fn")
	release0, release1 := h.block(c, "gate0"), h.block(c, "gate1")
	for _, n := range names("q", 5) {
		h.s.Submit(h.task(c, n, nil))
	}
	closed := make(chan struct{})
	go func() {
		h.s.Close()
		close(closed)
	}()
	h.waitFor("queued tasks to be shed", func(st Stats) bool { return st.ShedClosed == 5 })
	select {
	case <-closed:
		t.Fatal("Close returned while tasks were running")
	default:
	}
	release0()
	release1()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the running tasks finished")
	}
	h.s.Submit(h.task(c, "after", nil))
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.shed) != 6 || len(h.ran) != 2 {
		t.Fatalf("ran %v, shed %v; want the 2 gates run and 6 shed", h.ran, h.shed)
	}
	for n, ra := range h.shed {
		if ra != closedRetryAfter {
			t.Errorf("%s shed with Retry-After %v, want %v", n, ra, closedRetryAfter)
		}
	}
}

// Under concurrent Submit from many goroutines every task is run or shed,
// exactly once.
func TestConcurrentSubmitRunsEachTaskOnce(t *testing.T) {
	const submitters, each = 16, 500
	s := New(Config{Executors: 4, QueueSize: 256, AdmitPerTick: 64}, nil, nil)
	calls := make([]atomic.Int32, submitters*each)
	var done sync.WaitGroup
	done.Add(len(calls))
	var ran, shed atomic.Int64
	classes := []*Class{NewClass("a"), NewClass("b"), NewClass("c")}
	var wg sync.WaitGroup
	for g := range submitters {
		wg.Go(func() {
			for i := range each {
				id := g*each + i
				s.Submit(&Task{
					Class: classes[id%len(classes)],
					Run: func(Slot) {
						calls[id].Add(1)
						ran.Add(1)
						done.Done()
					},
					Shed: func(error, time.Duration) {
						calls[id].Add(1)
						shed.Add(1)
						done.Done()
					},
				})
			}
		})
	}
	wg.Wait()
	done.Wait()
	s.Close()
	for id := range calls {
		if n := calls[id].Load(); n != 1 {
			t.Fatalf("task %d called %d times, want 1", id, n)
		}
	}
	st := s.Stats()
	if st.Completed != uint64(ran.Load()) || st.ShedFull+st.ShedLate+st.ShedClosed != uint64(shed.Load()) ||
		st.Submitted != uint64(len(calls)) || st.Running != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v disagree with %d run, %d shed of %d", st, ran.Load(), shed.Load(), len(calls))
	}
	t.Logf("ran %d, shed %d", ran.Load(), shed.Load())
}

// A task that panics costs neither its executor nor a slot of the limit.
func TestPanickingTaskKeepsExecutor(t *testing.T) {
	h := newHarness(t, Config{Executors: 1, MinLimit: 1})
	c := NewClass("fn")
	h.s.Submit(h.task(c, "panics", func() { panic("boom") }))
	h.waitFor("panicking task to finish", func(st Stats) bool { return st.Completed == 1 && st.Running == 0 })
	ran := make(chan struct{})
	h.s.Submit(h.task(c, "next", func() { close(ran) }))
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("no task ran after a panic")
	}
}
