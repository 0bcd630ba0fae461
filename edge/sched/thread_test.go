package sched

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A task runs on the thread its executor holds, and its slot names it; the
// zero Slot names none.
func TestExecutorOffersTheThreadItHolds(t *testing.T) {
	if (Slot{}).Thread() != nil {
		t.Fatal("the zero Slot offers a thread")
	}
	h := newHarness(t, Config{Executors: 2})
	c := NewClass("f")
	type seen struct {
		held, running int
		ok            bool
	}
	got := make(chan seen, 20)
	for range cap(got) {
		h.s.Submit(&Task{Class: c, Run: func(slot Slot) {
			tid, ok := slot.Thread().TID()
			time.Sleep(100 * time.Microsecond) // a yield: only a held thread stays the same
			got <- seen{tid, unix.Gettid(), ok}
		}, Shed: func(why error, _ time.Duration) { t.Errorf("shed: %v", why) }})
	}
	for range cap(got) {
		s := <-got
		if !s.ok || s.held != s.running {
			t.Fatalf("the task ran on thread %d; its slot offers %d (%v)", s.running, s.held, s.ok)
		}
	}
}
