// Package osthread lets a goroutine hold its OS thread across many short
// calls, and reads thread CPU clocks.
//
// The isolate watchdog measures an invocation's CPU time on the thread's
// own clock, so it needs the thread's ID (for reads from its timer's
// goroutine) and a reading of that clock when the invocation starts. Both
// are system calls, and on some virtual machines a system call costs about
// a microsecond, as much as a whole warm invocation of a small handler.
// A goroutine that runs invocations back to back (a scheduler's executor)
// holds its thread while it has work instead: it asks for the thread's ID
// once per hold, and each invocation takes as its CPU baseline a reading
// of the clock no older than a bound the caller gives (Baseline), read
// again only when the last one is older. Such a baseline is at most the
// clock's value at the start, so the CPU time measured from it is never
// less than the true one, and at most the bound more.
//
// The holder must release the thread before it blocks: a goroutine locked
// to its thread that parks makes the runtime hand its P to another thread
// and back (futex calls and context switches).
package osthread

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Held is a goroutine's hold on its OS thread. The zero Held holds
// nothing. Only the goroutine that called Hold may use it.
type Held struct {
	held bool
	tid  int // 0 until TID asks the kernel
	// A reading of the thread's CPU clock, and when it was taken (zero:
	// none since Hold).
	cpu time.Duration
	at  time.Time
}

// Hold locks the calling goroutine to its OS thread, unless h holds it
// already. It makes no system call.
func (h *Held) Hold() {
	if h.held {
		return
	}
	runtime.LockOSThread()
	h.held, h.tid, h.at = true, 0, time.Time{}
}

// Release unlocks the thread Hold locked, if h holds one (a nil h holds
// none).
func (h *Held) Release() {
	if h == nil || !h.held {
		return
	}
	h.held = false
	runtime.UnlockOSThread()
}

// TID is the held thread's ID, asked of the kernel once per hold; ok is
// false when h holds no thread.
func (h *Held) TID() (tid int, ok bool) {
	if h == nil || !h.held {
		return 0, false
	}
	if h.tid == 0 {
		h.tid = unix.Gettid()
	}
	return h.tid, true
}

// Baseline returns a reading of the held thread's CPU clock taken at most
// maxAge before now, reading the clock only when the last reading is
// older. h must hold its thread.
func (h *Held) Baseline(now time.Time, maxAge time.Duration) time.Duration {
	if h.at.IsZero() || now.Sub(h.at) > maxAge {
		h.cpu, h.at = Self(), now
	}
	return h.cpu
}

// Self is the calling thread's CPU time.
func Self() time.Duration { return read(unix.CLOCK_THREAD_CPUTIME_ID) }

// Of reads another thread's CPU clock: Linux names it by the thread ID
// (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)).
func Of(tid int) time.Duration { return read(int32(^uint32(tid)<<3 | 6)) }

// Process is the CPU time of the whole process.
func Process() time.Duration { return read(unix.CLOCK_PROCESS_CPUTIME_ID) }

func read(clock int32) time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(clock, &ts)
	return time.Duration(ts.Nano())
}
