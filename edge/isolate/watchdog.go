package isolate

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/vault-runtime/vault/edge/osthread"
	"golang.org/x/sys/unix"
)

// watchdog enforces an invocation's CPU, wall and memory limits and
// follows the caller's context. While the invocation runs JavaScript its
// goroutine is locked to its OS thread, so that thread's CPU clock
// measures the invocation's own CPU time (and the GC work it was made to
// assist with). One timer per instance wakes at the earliest point a limit
// could be crossed, then every memInterval; it reads the thread's clock
// from outside and interrupts the VM when a limit is crossed.
//
// The thread's ID and the clock at the start cost two system calls, ~0.4
// µs on bare metal and ~1 µs each on some VMs. A caller that holds its
// thread across invocations (Request.Thread: the scheduler's executors)
// spares them: its ID is known, and the baseline is a reading at most
// cpuBaselineAge old, which overcounts by at most that. Charging the time
// before the first check as wall time instead was tried and dropped: under
// overload the timer fires late, and a hello world was charged tens of ms.
type watchdog struct {
	inst  *instance
	timer *time.Timer
	wake  chan struct{} // tells a waiting event loop that a limit tripped

	cpuLimit, wallLimit time.Duration
	memLimit            int64

	// ctx is the invocation's context for Go work it starts (fetch),
	// made on first use and canceled when the invocation ends.
	ctx    context.Context
	cancel context.CancelFunc

	mu sync.Mutex
	// caller is the context of whoever asked for the invocation; the
	// checks and the event loop's waits notice when it ends.
	caller context.Context
	// interrupted is the caller's hook (Request.Interrupted), until the
	// invocation returns to it.
	interrupted func()
	running     bool
	tripped     error
	struck      bool // this invocation was reported to Config.Strike
	start       time.Time
	tid         int
	// thread is the caller's hold on the invocation's thread
	// (Request.Thread) until the invocation first blocks.
	thread *osthread.Held
	// The thread's CPU clock when the running segment began; segOff while
	// suspended.
	segCPU  time.Duration
	usedCPU time.Duration // CPU of finished segments
	mem     memSample
}

const segOff time.Duration = -1

// cpuBaselineAge bounds how old the reading of a held thread's CPU clock
// an invocation takes as its baseline may be (osthread.Held.Baseline), and
// so by how much its CPU time can be overcounted: also at most a fiftieth
// of its CPU limit. Under load an executor then reads its clock about
// once a millisecond, not once an invocation.
const cpuBaselineAge = time.Millisecond

// First check, and the interval between checks.
const (
	memFirst    = 2 * time.Millisecond
	memInterval = 5 * time.Millisecond
)

func (w *watchdog) init(inst *instance) {
	w.inst = inst
	w.wake = make(chan struct{}, 1)
	w.timer = time.AfterFunc(time.Hour, w.check)
	w.timer.Stop()
	l := inst.prog.cfg.Limits
	w.cpuLimit = time.Duration(l.CPUMillis) * time.Millisecond
	w.wallLimit = time.Duration(l.WallMillis) * time.Millisecond
	w.memLimit = l.MemoryMB << 20
}

// begin starts watching an invocation that runs on the calling goroutine.
// thread, if not nil, is the thread that goroutine holds (Request.Thread).
func (w *watchdog) begin(ctx context.Context, interrupted func(), thread *osthread.Held) {
	runtime.LockOSThread()
	now := time.Now()
	var cpu time.Duration
	tid, held := thread.TID()
	if held {
		cpu = thread.Baseline(now, min(cpuBaselineAge, w.cpuLimit/50))
	} else {
		tid, cpu, thread = unix.Gettid(), osthread.Self(), nil
	}
	w.mu.Lock()
	w.running, w.tripped, w.struck = true, nil, false
	w.interrupted = interrupted
	w.start, w.tid, w.segCPU, w.usedCPU = now, tid, cpu, 0
	w.thread = thread
	w.mem = memSample{}
	w.caller = ctx
	w.mu.Unlock()
	select { // a wake-up left over from an earlier invocation
	case <-w.wake:
	default:
	}
	w.ctx, w.cancel = nil, nil
	w.timer.Reset(min(w.cpuLimit, w.wallLimit, memFirst))
}

// detach stops following the caller's context: the response went out and
// only the limits bound what is left (waitUntil).
func (w *watchdog) detach() {
	w.mu.Lock()
	w.caller = context.Background()
	w.interrupted = nil
	w.mu.Unlock()
}

// callerContext is the context of whoever asked for the invocation.
func (w *watchdog) callerContext() context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.caller
}

// invocationContext is the context Go work of this invocation runs under.
func (w *watchdog) invocationContext() context.Context {
	if w.ctx == nil {
		w.ctx, w.cancel = context.WithCancel(context.Background())
	}
	return w.ctx
}

// end stops watching. It reports whether a limit or a cancellation
// tripped, even after the handler finished: such an instance is dropped.
func (w *watchdog) end() (tripped error) {
	w.timer.Stop()
	if w.cancel != nil {
		w.cancel()
	}
	w.mu.Lock()
	w.running = false
	locked := w.segCPU != segOff
	tripped = w.tripped
	w.caller = nil
	w.interrupted = nil
	w.thread = nil
	w.mu.Unlock()
	if locked {
		runtime.UnlockOSThread()
	}
	return tripped
}

// suspend is called before the event loop blocks: the time it waits is not
// the invocation's CPU, and the goroutine need not hold its thread.
func (w *watchdog) suspend() {
	w.mu.Lock()
	w.usedCPU += w.segmentCPU()
	w.segCPU = segOff
	thread := w.thread
	w.thread = nil
	w.mu.Unlock()
	runtime.UnlockOSThread()
	// The caller's hold too: a goroutine that blocks holding its thread
	// passes its P to another thread and back.
	thread.Release()
}

// resume is called when the event loop has work again.
func (w *watchdog) resume() {
	runtime.LockOSThread()
	tid, cpu := unix.Gettid(), osthread.Self()
	w.mu.Lock()
	w.tid, w.segCPU = tid, cpu
	w.mu.Unlock()
}

// segmentCPU is the running segment's CPU so far, read on the segment's
// own goroutine or from the timer's; w.mu must be held.
func (w *watchdog) segmentCPU() time.Duration {
	if w.segCPU == segOff {
		return 0
	}
	return osthread.Of(w.tid) - w.segCPU
}

// err is what tripped, if anything.
func (w *watchdog) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tripped
}

func (w *watchdog) trip(err error) {
	w.mu.Lock()
	if !w.running || w.tripped != nil {
		w.mu.Unlock()
		return
	}
	w.tripped = err
	// Under w.mu, so that the hook never runs after end or detach
	// cleared it: the caller may reuse what it closes over.
	if w.interrupted != nil {
		w.interrupted()
		w.interrupted = nil
	}
	w.mu.Unlock()
	w.inst.vm.Interrupt(err)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// charge counts n bytes that a Go call of the invocation is about to
// allocate at once. If they would take the invocation over its memory
// limit, it trips the watchdog with ErrMemory and returns that error: the
// caller refuses the allocation. Outside an invocation (a new instance
// running its module) nothing is counted.
func (w *watchdog) charge(n int64) error {
	w.mu.Lock()
	if !w.running {
		w.mu.Unlock()
		return nil
	}
	if w.tripped != nil {
		err := w.tripped
		w.mu.Unlock()
		return err
	}
	used := w.mem.inUse()
	if used+n > w.memLimit && w.mem.charged > 0 {
		// What was charged since the last sample may be garbage by now
		// (buffers made and dropped in a loop): look at the heap again.
		w.mem.sample(w.usedCPU + w.segmentCPU())
		used = w.mem.inUse()
	}
	if used+n <= w.memLimit {
		w.mem.charged += n
		w.mu.Unlock()
		return nil
	}
	w.mu.Unlock()
	err := &LimitError{Limit: LimitMemory, Used: used + n, Max: w.memLimit, Refused: n}
	w.trip(err)
	return err
}

// callerGone is the caller's context error, as an invocation error.
func callerGone(ctx context.Context) error {
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
		return fmt.Errorf("%w: %w", ErrCanceled, cause)
	}
	return ErrCanceled
}

// check runs on the timer's goroutine.
func (w *watchdog) check() {
	w.mu.Lock()
	if !w.running || w.tripped != nil {
		w.mu.Unlock()
		return
	}
	caller := w.caller
	cpu := w.usedCPU + w.segmentCPU()
	elapsed := time.Since(w.start)
	if strike := w.inst.prog.cfg.Strike; strike != nil && !w.struck && cpu >= max(w.inst.prog.cfg.StrikeCPU, w.cpuLimit/2) {
		w.struck = true
		strike()
	}
	var err error
	switch {
	case cpu >= w.cpuLimit:
		err = &LimitError{Limit: LimitCPU, Used: int64(cpu), Max: int64(w.cpuLimit)}
	case elapsed >= w.wallLimit:
		err = &LimitError{Limit: LimitWall, Used: int64(elapsed), Max: int64(w.wallLimit)}
	default:
		err = callerGone(caller)
		if err == nil {
			if est := w.mem.sample(cpu); est > w.memLimit {
				err = &LimitError{Limit: LimitMemory, Used: est, Max: w.memLimit}
			}
		}
	}
	if err == nil {
		w.timer.Reset(min(w.cpuLimit-cpu, w.wallLimit-elapsed, memInterval))
	}
	w.mu.Unlock()
	if err != nil {
		w.trip(err)
	}
}
