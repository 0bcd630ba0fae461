package sched

import (
	"testing"
	"time"
)

// An invocation stuck in a Go call after its limit tripped: its slot is
// released while Run still runs, and the queued task runs at once on an
// executor started in its place. The stuck executor leaves when Run returns.
func TestReleasedSlotLetsTheNextTaskRun(t *testing.T) {
	h := newHarness(t, Config{Executors: 1, MinLimit: 1, InitialLimit: 1, AdmitPerTick: 1 << 20})
	c := NewClass("fn")
	slots, gate := make(chan Slot, 1), make(chan struct{})
	h.s.Submit(&Task{Class: c, Run: func(sl Slot) {
		slots <- sl
		<-gate // the Go call that does not see the interrupt
	}, Shed: func(error, time.Duration) { t.Error("stuck task shed") }})
	slot := <-slots
	ran := make(chan struct{})
	h.s.Submit(h.task(c, "next", func() { close(ran) }))
	if st := h.s.Stats(); st.Running != 1 || st.Queued != 1 {
		t.Fatalf("before release: %+v, want 1 running and 1 queued", st)
	}

	slot.Release()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatalf("the queued task did not run after the release: %+v", h.s.Stats())
	}
	h.waitFor("next to finish", func(st Stats) bool { return st.Running == 0 && st.Completed == 1 })
	slot.Release() // a second release changes nothing
	if st := h.s.Stats(); st.Released != 1 || st.Running != 0 {
		t.Fatalf("after a second release: %+v, want 1 released, 0 running", st)
	}

	close(gate)
	h.waitFor("stuck task to return", func(st Stats) bool { return st.Completed == 2 && st.Running == 0 })
	slot.Release()     // after Run returned: nothing
	for i := range 3 { // one executor still serves, one task at a time
		done := make(chan struct{})
		h.s.Submit(h.task(c, "later", func() { close(done) }))
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("task %d after the stuck one did not run: %+v", i, h.s.Stats())
		}
	}
	if st := h.s.Stats(); st.Released != 1 || st.Executors != 1 {
		t.Fatalf("at the end: %+v", st)
	}
}

// The zero Slot, which tasks run outside a scheduler hold, releases nothing.
func TestZeroSlotReleaseIsANoOp(t *testing.T) {
	var sl Slot
	sl.Release()
}
