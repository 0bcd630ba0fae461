package isolate

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// watchdog enforces an invocation's CPU, wall and memory limits. While the
// invocation runs JavaScript its goroutine is locked to its OS thread, so
// that thread's CPU clock measures the invocation's own CPU time (and the
// GC work it was made to assist with). One timer per instance wakes at the
// earliest point a limit could be crossed; it reads the thread's clock from
// outside, and interrupts the VM when a limit is crossed.
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
	// unwatch stops watching the caller's context.
	unwatch func() bool

	mu      sync.Mutex
	running bool
	tripped error
	start   time.Time
	tid     int
	segCPU  time.Duration // thread CPU when the running segment began; -1 while suspended
	usedCPU time.Duration // CPU of finished segments
	mem     memSample
}

// First memory sample, and the interval between samples.
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
func (w *watchdog) begin(ctx context.Context) {
	runtime.LockOSThread()
	tid, cpu := unix.Gettid(), threadCPU()
	w.mu.Lock()
	w.running, w.tripped = true, nil
	w.start, w.tid, w.segCPU, w.usedCPU = time.Now(), tid, cpu, 0
	w.mem = memSample{}
	w.mu.Unlock()
	select { // a wake-up left over from an earlier invocation
	case <-w.wake:
	default:
	}
	w.timer.Reset(min(w.cpuLimit, w.wallLimit, memFirst))
	w.ctx, w.cancel = nil, nil
	w.unwatch = context.AfterFunc(ctx, func() {
		err := ErrCanceled
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
			err = fmt.Errorf("%w: %w", ErrCanceled, cause)
		}
		w.trip(err)
	})
}

// detach stops following the caller's context.
func (w *watchdog) detach() {
	w.unwatch()
	w.unwatch = func() bool { return false }
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
	w.unwatch()
	if w.cancel != nil {
		w.cancel()
	}
	w.mu.Lock()
	w.running = false
	locked := w.segCPU >= 0
	tripped = w.tripped
	w.mu.Unlock()
	if locked {
		runtime.UnlockOSThread()
	}
	return tripped
}

// suspend is called before the event loop blocks: the time it waits is not
// the invocation's CPU, and the goroutine need not hold its thread.
func (w *watchdog) suspend() {
	cpu := threadCPU()
	w.mu.Lock()
	w.usedCPU += cpu - w.segCPU
	w.segCPU = -1
	w.mu.Unlock()
	runtime.UnlockOSThread()
}

// resume is called when the event loop has work again.
func (w *watchdog) resume() {
	runtime.LockOSThread()
	tid, cpu := unix.Gettid(), threadCPU()
	w.mu.Lock()
	w.tid, w.segCPU = tid, cpu
	w.mu.Unlock()
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
	w.mu.Unlock()
	w.inst.vm.Interrupt(err)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// cpu is the invocation's CPU time so far; w.mu must be held.
func (w *watchdog) cpu() time.Duration {
	used := w.usedCPU
	if w.segCPU >= 0 {
		used += threadCPUOf(w.tid) - w.segCPU
	}
	return used
}

// check runs on the timer's goroutine.
func (w *watchdog) check() {
	w.mu.Lock()
	if !w.running || w.tripped != nil {
		w.mu.Unlock()
		return
	}
	cpu, elapsed := w.cpu(), time.Since(w.start)
	if cpu >= heavyCPU {
		w.inst.prog.markHeavy()
	}
	var err error
	switch {
	case cpu >= w.cpuLimit:
		err = fmt.Errorf("%w: used %s of CPU, limit %s", ErrCPUTime, cpu.Round(time.Millisecond/10), w.cpuLimit)
	case elapsed >= w.wallLimit:
		err = fmt.Errorf("%w: ran for %s, limit %s", ErrWallTime, elapsed.Round(time.Millisecond), w.wallLimit)
	default:
		if est := w.mem.sample(cpu); est > w.memLimit {
			err = fmt.Errorf("%w: grew the heap by about %d MiB, limit %d MiB", ErrMemory, est>>20, w.memLimit>>20)
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

// threadCPU is the calling thread's CPU time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// threadCPUOf reads another thread's CPU clock: Linux names it by the
// thread ID (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)).
func threadCPUOf(tid int) time.Duration {
	var ts unix.Timespec
	clock := int32(^uint32(tid)<<3 | 6)
	_ = unix.ClockGettime(clock, &ts)
	return time.Duration(ts.Nano())
}

func processCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}
