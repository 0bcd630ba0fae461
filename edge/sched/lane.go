package sched

import (
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

// heavyRetryAfter is the Retry-After of a task the heavy lane refused.
const heavyRetryAfter = time.Second

// The heavy lane keeps CPU-heavy classes (heavy.go) from crowding out the
// rest of a node. Their tasks run on the lane's own OS threads, which the
// kernel schedules with SCHED_IDLE: they get the CPU that nothing else
// wants, and any other thread, the server's or a quick function's,
// preempts them at once. A loop that burns its whole CPU limit on every
// request then costs the node only idle time, while heavy work still uses
// an idle machine fully.
//
// The lane's runs are not counted against the adaptive limit, are not
// observed (their run times would teach the limiter nothing about the
// node's capacity) and do not expire: HeavyQueue bounds how many wait, and
// Submit sheds the rest with ErrHeavyLaneFull.
//
// A lane thread takes no lock that the rest of the node waits for: one
// preempted while holding it would hold up every request behind it
// (priority inversion). So each waiting task waits on a goroutine of its
// own, which hands it to a free lane thread over an unbuffered channel,
// and the lane's counts are atomics, not the scheduler's mutex. Run must
// keep to this too: see Slot.Heavy.
type heavyLane struct {
	jobs      chan *Task    // unbuffered: a waiting task's goroutine hands it to a lane thread
	inLane    atomic.Int32  // tasks submitted to the lane and not yet done
	completed atomic.Uint64 // tasks whose Run returned on a lane thread
	started   bool          // the threads run; guarded by Scheduler.mu
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

// submitHeavy queues t for the heavy lane, or sheds it if the lane is full
// or the scheduler closed. The lane's threads start on its first task.
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
	go s.waitHeavy(t)
}

// waitHeavy hands t to a lane thread once one is free, or sheds it when
// the scheduler closes first.
func (s *Scheduler) waitHeavy(t *Task) {
	defer s.wg.Done()
	select {
	case s.heavy.jobs <- t:
	case <-s.quit:
		s.heavy.inLane.Add(-1)
		s.mu.Lock()
		s.counters.ShedClosed++
		s.mu.Unlock()
		t.Shed(ErrClosed, closedRetryAfter)
	}
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
		case t := <-s.heavy.jobs:
			s.runHeavy(t)
			s.heavy.inLane.Add(-1)
			s.heavy.completed.Add(1)
		case <-s.quit:
			return
		}
	}
}

// runHeavy runs t, logging rather than dying if it panics, as an executor
// does.
func (s *Scheduler) runHeavy(t *Task) {
	c := t.Class
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("sched: task panicked", "fn", c.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	t.Run(Slot{heavy: true})
}
