// Package sched is the edge's admission scheduler: it runs each request's
// task on a bounded set of executors, short functions first, with aging,
// under an adaptive concurrency limit, and sheds with Retry-After when its
// queue is full. Tasks of CPU-heavy function versions run on a lane of
// their own, on idle-priority threads. Every admission decision of the
// edge is made here; the runtime only runs the code it is given.
//
// # Model
//
// The HTTP/2 engine calls Submit on its connection goroutine; Submit never
// blocks. A task passes through three places:
//
//	Submit ──▶ inbox (FIFO) ──tick budget──▶ run queue (heap by priority) ──limit──▶ executor
//
// The inbox holds tasks that arrived after the current tick's admission
// budget (AdmitPerTick) was spent; when the budget lasts, Submit puts a task
// straight into the run queue. The run queue orders admitted tasks by
// priority. An executor runs a task when fewer than the adaptive limit are
// running. QueueSize bounds inbox + run queue together; past it Submit
// sheds at once.
//
// Fast path: when nothing waits, an executor is idle and the limit allows,
// Submit hands the task to that executor directly, with no tick latency.
// Under load an executor that finishes takes the next task under the same
// lock acquisition, without parking. Executors park only when there is
// nothing to run; the ticker runs only while tasks wait, so an idle
// scheduler has no timer.
//
// # Executors
//
// Executors are long-lived goroutines. An executor holds its OS thread
// (runtime.LockOSThread, osthread.Held) from the task it takes after a
// park until it parks again, and offers the hold to its tasks
// (Slot.Thread): the JS runtime, which measures an invocation's CPU on the
// thread's own clock, then learns the thread's ID once per hold and reads
// the clock about once a millisecond instead of twice per invocation. On a
// VM where a system call costs ~1 µs those two calls were 10% of a node's
// CPU under h2load (hello-url). An invocation that waits for its event
// loop releases the hold before it blocks. Executors were once locked for
// life: then every park (an idle executor waiting for work) and every
// wake-up (Submit handing it a task) had to pass the P between the
// executor's own thread and another (runtime.stoplockedm, startlockedm:
// futex sleep and wake, two context switches), about 2 µs of CPU per task
// (BenchmarkSubmitRun: 2.1–3.5 µs per task locked, 0.4 µs unlocked) and
// ~6–10% of a node's CPU under h2load. A held executor that blocks on a
// contended lock (the connection's, the scheduler's) still pays that
// hand-off, which is why it lets go before it parks for want of work. At
// most Executors goroutines hold a thread, so the thread count stays
// bounded.
// Default 4×GOMAXPROCS: CPU-bound work saturates at GOMAXPROCS, but a
// function awaiting fetch holds its executor, so the limiter needs room
// above the core count to learn whether more concurrency still helps.
//
// A task can give its place back before Run returns (Slot.Release): an
// invocation that a limit or a kill interrupted inside a Go call the
// interrupt cannot reach. The scheduler then counts it as done, starts an
// executor in its place and dispatches; the old executor leaves when Run
// returns. Executors can so outnumber Executors for a while, by the number
// of released runs still in their Go calls; the running count, which the
// limit bounds, never does.
//
// # Priority and aging
//
// Each Class (function version) keeps an EWMA of its run time, E (weight
// 1/8). A task's priority at time now, lower first, is
//
//	p = min(E, AgingRate·MaxWait/2) − AgingRate·(now − submitted)
//
// Every waiting task ages at the same rate, so the order never changes
// while tasks wait, and the run queue keys on the constant
// min(E, cap) + AgingRate·submitted (ties by submit order). Consequences,
// with the default AgingRate 4:
//
//   - A task of class A runs before one of class B submitted Δ later iff
//     Δ > (E_A − E_B)/AgingRate. A 100 ms function is overtaken only by
//     1 ms requests that arrived within 24.75 ms after it: short first,
//     and no starvation, since later arrivals stop overtaking it.
//   - The cap AgingRate·MaxWait/2 (4 s by default) bounds that window to
//     MaxWait/2, so even a very slow function ages past new arrivals well
//     before it would be shed as late.
//   - A class with no run yet takes the scheduler's mean run time over all
//     classes (1 ms before any run): an unknown function is assumed
//     average, so a new deployment neither jumps the queue nor waits last.
//
// # Admission per tick
//
// At most AdmitPerTick tasks enter the run queue per Tick (a budget per
// tick window of the monotonic clock). Why a budget and not plain arrival:
// a burst larger than the budget waits in arrival order and enters in
// batches, each ordered by priority against the work already admitted, so
// it cannot flood the run queue, and then the executors, ahead of earlier
// work in one instant; the work done under the lock per tick is bounded;
// and the operator has an explicit rate cap. The default, 1024×GOMAXPROCS
// per 1 ms tick, is one task per microsecond per core, about four times
// what a core can run of the cheapest function, so it bounds bursts without
// throttling a node at capacity. A lower budget is a deliberate throttle:
// with 256 per core per tick, empty tasks were capped at the budget.
//
// # Adaptive limit
//
// A gradient limiter in the style of Netflix's Gradient2 sets how many
// tasks may run at once, within [MinLimit, Executors]. Each run time is
// divided by its class's baseline, a near-unloaded run time that falls
// fast (1/8) and rises slowly (1/256), so a mix of 1 ms and 1 s functions
// reads as a steady 1 and only slowdowns relative to each function's norm
// count. See limiter for the update rule: growth by 0.2·√limit per sample
// while recent runs average under 1.5× their baselines, shrinking by up to
// a tenth per sample when they inflate, no change while under half the
// limit is in use.
//
// # The heavy lane
//
// A class is marked heavy for 30 s when three of its runs within a second
// each used more than StrikeCPU (10 ms) of CPU, or half their CPU limit if
// that is more: the isolate's watchdog reports such runs (Class.Strike)
// while they go on. Submit sends the tasks of a heavy class to the heavy
// lane instead of the run queue: each runs on a goroutine of its own, and
// the CPU work it passes to Slot.Do runs on one of HeavyWorkers threads
// (half of GOMAXPROCS by default) that the kernel schedules as SCHED_IDLE,
// so any other thread preempts them and a loop that burns its CPU limit on
// every request costs the node only idle time. Only that work runs there:
// a lane thread must hold no lock the rest of the node waits for, as a
// preempted one would hold it. A lane thread holds its Go P while the
// kernel keeps it off the CPU, so a node adds a P per lane thread
// (AddHeavyProcs). The lane's runs are not counted against the adaptive
// limit and not observed; at most HeavyQueue (64) tasks wait for a lane
// thread, in Do, where their context can end the wait (ErrCanceled), and
// Submit sheds the next with ErrHeavyLaneFull.
//
// # Shedding
//
// Shed replaces Run, with the reason, when: the queue is full
// (ErrQueueFull, synchronously, in Submit) or the heavy lane is
// (ErrHeavyLaneFull, likewise, with a Retry-After of 1 s); a task waited
// longer than MaxWait (ErrLate: at the head of the queue, or by the
// ticker's sweep every MaxWait/8), since its client has probably given up;
// or the scheduler is closed (ErrClosed). The Retry-After of ErrQueueFull
// and ErrLate is the time the queue needs to drain,
//
//	retryAfter = ⌈queued · meanRun / limit⌉ seconds, at least 1 s,
//
// rounded up to whole seconds because HTTP Retry-After counts seconds, and
// at least one because "retry after 0" invites an instant retry storm.
// Close sheds with 1 s: another node may answer at once.
//
// # Metrics
//
// An Observer receives each task's class, queue wait and run time after
// it runs; the metrics layer keeps its per-function series in Class.Tag.
// Stats gives the limit, running and queued counts, and the admission and
// shedding counters.
package sched
