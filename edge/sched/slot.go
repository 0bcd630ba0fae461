package sched

import (
	"context"
	"sync/atomic"

	"github.com/vault-runtime/vault/edge/osthread"
)

// A Slot is a running task's place: among the tasks the scheduler counts
// as running, or on the heavy lane. Run receives it; the zero Slot belongs
// to no scheduler, and its Release does nothing, nor does that of a task
// on the heavy lane, which the scheduler does not count.
type Slot struct {
	x    *executor
	gen  uint64
	lane *heavyLane // set on the heavy lane
}

// Heavy reports whether the task is on the heavy lane (see Do).
func (sl Slot) Heavy() bool { return sl.lane != nil }

// Thread is the OS thread the executor running the task holds, for work
// Do runs at once on the task's goroutine; nil for the zero Slot and on the
// heavy lane. Work that blocks releases it first (it is the executor's to
// take again).
func (sl Slot) Thread() *osthread.Held {
	if sl.x == nil || sl.lane != nil {
		return nil
	}
	return &sl.x.thread
}

// Do runs f, the task's CPU work, where the scheduler placed the task: at
// once on an executor (or for the zero Slot); on the heavy lane, on one of
// its idle-priority threads once one is free, returning when f has. The
// rest of Run stays on the task's own goroutine, so that a lane thread,
// which any other thread preempts, holds no lock other requests wait for.
// If ctx ends while the task waits for a lane thread, Do returns
// ErrCanceled wrapping ctx's cause without running f; if the scheduler
// closes meanwhile, ErrClosed.
func (sl Slot) Do(ctx context.Context, f func()) error {
	if sl.lane == nil {
		f()
		return nil
	}
	return sl.lane.do(ctx, f)
}

// Release frees the slot before Run returns. It is for work that will be
// thrown away but cannot be stopped at once: an invocation interrupted by a
// limit or an operator while it is inside a Go call (a regular expression,
// a large copy). The scheduler stops counting the task as running, starts
// an executor in its place (unless it is closed) and goes on dispatching;
// the executor still running Run leaves when Run returns, and its thread
// with it. So a stuck invocation holds no slot of the concurrency limit,
// only its own goroutine, for as long as its Go call lasts.
//
// Release may be called from any goroutine, any number of times, also after
// Run returned: only the first call while this Run runs has an effect.
func (sl Slot) Release() {
	x := sl.x
	if x == nil || !x.state.CompareAndSwap(sl.gen<<2|slotRunning, sl.gen<<2|slotReleased) {
		return
	}
	s := x.s
	s.mu.Lock()
	s.running--
	s.counters.Released++
	if !s.closed {
		nx := s.newExecutorLocked()
		s.idle = append(s.idle, nx)
		s.dispatchLocked()
	}
	s.mu.Unlock()
}

// The low bits of executor.state; the rest is the run's generation.
const (
	slotIdle     = 0
	slotRunning  = 1
	slotReleased = 2
)

// slotState is an executor's state, generation<<2 | slot*: Release and the
// executor's end of a run each claim the run with a compare-and-swap, so
// exactly one of them takes the task off the running count.
type slotState = atomic.Uint64
