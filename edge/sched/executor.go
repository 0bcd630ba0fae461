package sched

import (
	"runtime/debug"
	"time"

	"github.com/vault-runtime/vault/edge/osthread"
)

// An executor is a long-lived goroutine. It holds its OS thread while it
// has work, from the first task it takes until it parks, and offers the
// hold to its tasks (Slot.Thread), so that an invocation need not ask the
// kernel which thread it runs on or read the thread's CPU clock each time
// (osthread). It is not locked for life: then every park and wake-up is a
// hand-off of the P between OS threads (two futex calls and two context
// switches, see doc.go).
type executor struct {
	s      *Scheduler
	next   chan entry // the task to run; capacity 1, sent to only while idle
	shed   []entry    // expired tasks found while taking the next, reused
	thread osthread.Held

	gen     uint64    // runs started; owned by the executor's goroutine
	state   slotState // see Slot
	retired bool      // its slot was released: it leaves after this run
}

// newExecutorLocked starts an executor goroutine; s.mu is held. The caller
// puts it among the idle.
func (s *Scheduler) newExecutorLocked() *executor {
	x := &executor{s: s, next: make(chan entry, 1)}
	s.wg.Add(1)
	go x.loop()
	return x
}

func (x *executor) loop() {
	defer x.s.wg.Done()
	defer x.thread.Release()
	e, ok := <-x.next
	start := x.s.now()
	for ok {
		x.thread.Hold()
		e, start, ok = x.run(e, start)
		if x.retired {
			break
		}
		if !ok {
			x.thread.Release()
			e, ok = <-x.next
			start = x.s.now()
		}
	}
}

// run runs e, records it, and takes the next task without sleeping if one
// is ready. It returns that task and its start time, or ok false after
// parking itself among the idle executors (or on close).
func (x *executor) run(e entry, start int64) (next entry, nextStart int64, ok bool) {
	s := x.s
	c := e.class
	wait := start - e.at
	x.gen++
	gen := x.gen
	x.state.Store(gen<<2 | slotRunning)
	x.call(e.task.Run, Slot{x: x, gen: gen}, c)
	end := s.now()
	d := end - start
	if !x.state.CompareAndSwap(gen<<2|slotRunning, gen<<2|slotIdle) {
		// Released while it ran: the task no longer counts as running and
		// another executor has taken this one's place. Its run time is
		// that of an abandoned invocation, not of its class.
		x.retired = true
		s.mu.Lock()
		s.counters.Completed++
		s.mu.Unlock()
		return entry{}, 0, false
	}
	if s.obs != nil {
		s.obs.Observe(c, time.Duration(wait), time.Duration(d))
	}
	norm := c.observe(d)

	s.mu.Lock()
	s.limit = s.limiter.sample(norm, s.running)
	s.running--
	s.meanRun += (max(d, 1) - s.meanRun) >> expectedShift
	s.counters.Completed++
	if s.closed {
		s.mu.Unlock()
		close(x.next) // no one else sends to a busy executor; loop exits
		return entry{}, 0, false
	}
	s.admitLocked(end)
	for len(s.runq) > 0 && s.running < s.limit {
		next = s.runq.pop()
		if end-next.at > int64(s.cfg.MaxWait) {
			x.shed = append(x.shed, next)
			continue
		}
		s.running++
		ok = true
		break
	}
	s.dispatchLocked() // the limit may have grown
	if !ok {
		s.idle = append(s.idle, x)
	}
	var ra time.Duration
	if len(x.shed) > 0 {
		s.counters.ShedLate += uint64(len(x.shed))
		ra = s.retryAfterLocked()
	}
	s.mu.Unlock()
	x.shedAll(ra)
	return next, end, ok
}

// call runs f, logging rather than dying if it panics: one bad request
// must not take an executor, and the running count, with it.
func (x *executor) call(f func(Slot), slot Slot, c *Class) {
	defer func() {
		if r := recover(); r != nil {
			x.s.log.Error("sched: task panicked", "fn", c.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f(slot)
}

func (x *executor) shedAll(ra time.Duration) {
	for i := range x.shed {
		x.shed[i].task.Shed(ErrLate, ra)
		x.shed[i] = entry{}
	}
	x.shed = x.shed[:0]
}
