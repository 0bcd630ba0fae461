package sched

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// ErrHeavyLaneFull is why a heavy class's task was shed: HeavyQueue tasks
// already wait for the heavy lane.
var ErrHeavyLaneFull = errors.New("sched: the node's lane for CPU-heavy functions is full")

// ErrCanceled is what Slot.Do returns when its context ended while the
// task waited for a heavy lane thread.
var ErrCanceled = errors.New("sched: canceled while waiting for the heavy lane")

// heavyRetryAfter is the Retry-After of a task the heavy lane refused.
const heavyRetryAfter = time.Second

// The heavy lane keeps CPU-heavy classes (heavy.go) from crowding out the
// rest of a node. Their CPU work runs on the lane's own OS threads, which
// the kernel schedules with SCHED_IDLE: they get the CPU that nothing else
// wants, and any other thread, the server's or a quick function's,
// preempts them at once. A loop that burns its whole CPU limit on every
// request then costs the node only idle time, while heavy work still uses
// an idle machine fully.
//
// The task of a heavy class runs on a goroutine of its own, and only what
// it passes to Slot.Do runs on a lane thread: the rest (making its
// context, answering on a shared connection, logging) takes locks that
// other requests wait for, and a lane thread preempted while holding one
// would hold them all up (priority inversion). For the same reason the
// lane counts with atomics, not under the scheduler's mutex. A task waits
// for a lane thread in Do, where its context can still end the wait.
//
// The lane's runs are not counted against the adaptive limit, are not
// observed (their run times would teach the limiter nothing about the
// node's capacity) and do not expire: HeavyQueue bounds how many wait, and
// Submit sheds the rest with ErrHeavyLaneFull.
type heavyLane struct {
	jobs      chan heavyJob   // unbuffered: Do hands its work to a free lane thread
	quit      <-chan struct{} // the scheduler's: closed by Close
	inLane    atomic.Int32    // tasks submitted to the lane whose Run has not returned
	completed atomic.Uint64   // tasks of the lane whose Run returned
	started   bool            // the threads run; guarded by Scheduler.mu
}

// heavyJob is the work a task passes to Slot.Do.
type heavyJob struct {
	f    func()
	done chan struct{}
}

// DefaultHeavyWorkers is the default size of the heavy lane: half the Ps,
// at least one.
func DefaultHeavyWorkers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// AddHeavyProcs adds a P (runtime.GOMAXPROCS) per heavy lane thread and
// returns cfg with HeavyWorkers set, for New. A lane thread holds its P
// while the kernel keeps it off the CPU, and without spare Ps the rest of
// the node would lose one (measured: quick p99 2.2x with a looping
// neighbour, 1.5x with the spare P). A node calls it once, at start; tests
// that make many schedulers need not.
func AddHeavyProcs(cfg Config) Config {
	if cfg.HeavyWorkers == 0 {
		cfg.HeavyWorkers = DefaultHeavyWorkers()
	}
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + cfg.HeavyWorkers)
	return cfg
}

// submitHeavy starts t's Run on a goroutine of its own, where its Slot.Do
// waits for a lane thread, or sheds t if the lane is full or the scheduler
// closed. The lane's threads start on its first task.
func (s *Scheduler) submitHeavy(t *Task) {
	l := &s.heavy
	s.mu.Lock()
	s.counters.Submitted++
	if s.closed {
		s.counters.ShedClosed++
		s.mu.Unlock()
		t.Shed(ErrClosed, closedRetryAfter)
		return
	}
	if l.inLane.Add(1) > int32(s.cfg.HeavyWorkers+s.cfg.HeavyQueue) {
		l.inLane.Add(-1)
		s.counters.ShedHeavy++
		s.mu.Unlock()
		t.Shed(fmt.Errorf("%w: %d invocations already wait", ErrHeavyLaneFull, s.cfg.HeavyQueue), heavyRetryAfter)
		return
	}
	if !l.started {
		l.started = true
		for range s.cfg.HeavyWorkers {
			s.wg.Add(1)
			go s.heavyWorker()
		}
	}
	s.counters.Admitted++
	s.wg.Add(1)
	s.mu.Unlock()
	go s.runHeavy(t)
}

// runHeavy runs t, logging rather than dying if it panics, as an executor
// does.
func (s *Scheduler) runHeavy(t *Task) {
	c := t.Class
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("sched: task panicked", "fn", c.Name, "panic", r, "stack", string(debug.Stack()))
		}
		s.heavy.inLane.Add(-1)
		s.heavy.completed.Add(1)
		s.wg.Done()
	}()
	t.Run(Slot{lane: &s.heavy})
}

// do runs f on a lane thread once one is free and returns when f has; it
// gives up waiting when ctx ends or the scheduler closes.
func (l *heavyLane) do(ctx context.Context, f func()) error {
	j := heavyJob{f: f, done: make(chan struct{})}
	select {
	case l.jobs <- j:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrCanceled, context.Cause(ctx))
	case <-l.quit:
		return ErrClosed
	}
	<-j.done
	return nil
}

// heavyWorker is a lane thread: locked for its whole life, so the
// scheduling class set here stays with the goroutine and is never handed
// to others, and it exits with the goroutine.
func (s *Scheduler) heavyWorker() {
	defer s.wg.Done()
	runtime.LockOSThread()
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		// The lowest priority an unprivileged thread can take.
		if err2 := unix.Setpriority(unix.PRIO_PROCESS, 0, 19); err2 != nil {
			s.log.Warn("heavy lane runs at normal priority", "sched_idle", err, "nice", err2)
		}
	}
	for {
		select {
		case j := <-s.heavy.jobs:
			s.work(j)
		case <-s.quit:
			return
		}
	}
}

// work runs a job's f, logging rather than dying if it panics, and tells
// its Do.
func (s *Scheduler) work(j heavyJob) {
	defer close(j.done)
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("sched: heavy work panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	j.f()
}
