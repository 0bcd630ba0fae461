package isolate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// ErrOverloaded means a heavy function's invocation found its lane full.
var ErrOverloaded = errors.New("isolate: the node's lane for CPU-heavy functions is full")

// A Lane keeps CPU-heavy functions from crowding out the rest of a node.
// A version becomes heavy when heavyStrikes of its invocations within
// strikeWindow are each seen using more than heavyCPU or half their CPU
// limit, whichever is more (the watchdog
// notices; quick invocations never pay for the check), and stays so for
// heavyFor. One strike is not enough: under a burst an ordinary invocation
// can be charged a long GC assist. Invocations of heavy versions
// run on the lane's own OS threads, which the kernel schedules with
// SCHED_IDLE: they get the CPU that nothing else wants, and any other
// thread, the server's or a quick function's, preempts them at once. A loop
// that burns its whole CPU limit on every request then costs the node only
// idle time, while heavy work still uses an idle machine fully.
type Lane struct {
	workers    int
	jobs       chan func()
	waiting    atomic.Int32
	maxWaiting int32
	start      sync.Once
	log        *slog.Logger
}

// Heavy versions: the CPU one invocation must use to mark its version, and
// how long the mark lasts. 10 ms is far above a typical handler (a 4 KB
// JSON transform takes ~0.3-2 ms in goja here) and far below a default CPU
// limit that a loop runs into (50 ms).
const (
	heavyCPU     = 10 * time.Millisecond
	heavyStrikes = 3
	strikeWindow = time.Second
	heavyFor     = 30 * time.Second
)

// NewLane runs heavy invocations on workers threads (at least 1) and lets
// at most maxWaiting more wait for one.
func NewLane(workers, maxWaiting int, log *slog.Logger) *Lane {
	return &Lane{workers: max(workers, 1), jobs: make(chan func()), maxWaiting: int32(maxWaiting), log: log}
}

// run runs job on a lane thread and returns when it is done.
func (l *Lane) run(ctx context.Context, job func()) error {
	l.start.Do(func() {
		for range l.workers {
			go l.work()
		}
	})
	if l.waiting.Add(1) > l.maxWaiting+int32(l.workers) {
		l.waiting.Add(-1)
		return fmt.Errorf("%w: %d invocations already wait", ErrOverloaded, l.maxWaiting)
	}
	defer l.waiting.Add(-1)
	done := make(chan struct{})
	select {
	case l.jobs <- func() { defer close(done); job() }:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrCanceled, context.Cause(ctx))
	}
	<-done
	return nil
}

// work is a lane thread: locked for its whole life, so the scheduling
// class set here stays with the goroutine and is never handed to others.
func (l *Lane) work() {
	runtime.LockOSThread()
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		// The lowest priority an unprivileged thread can take.
		if err2 := unix.Setpriority(unix.PRIO_PROCESS, 0, 19); err2 != nil && l.log != nil {
			l.log.Warn("heavy lane runs at normal priority", "sched_idle", err, "nice", err2)
		}
	}
	for job := range l.jobs {
		job()
	}
}

// Heavy reports whether the version is marked CPU-heavy now, so that its
// invocations go to the lane: a caller should not hold a scarce executor
// while one waits there.
func (p *Program) Heavy() bool {
	return p.cfg.Lane != nil && p.heavyUntil.Load() != 0 && p.heavy(time.Now())
}

// heavy reports whether the version is marked heavy now.
func (p *Program) heavy(now time.Time) bool {
	return p.heavyUntil.Load() > now.UnixNano()
}

// strike records an invocation over heavyCPU, and marks the version heavy
// at the heavyStrikes-th within strikeWindow.
func (p *Program) strike() {
	now := time.Now()
	p.strikeMu.Lock()
	defer p.strikeMu.Unlock()
	if now.Sub(p.strikesSince) > strikeWindow {
		p.strikes, p.strikesSince = 0, now
	}
	if p.strikes++; p.strikes >= heavyStrikes {
		p.heavyUntil.Store(now.Add(heavyFor).UnixNano())
	}
}
