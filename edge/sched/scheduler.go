package sched

import (
	"errors"
	"log/slog"
	"math"
	"sync"
	"time"
)

// priorMean is the assumed run time of every class before any run has been
// measured; an unknown class is assumed to take the mean run time after.
const priorMean = int64(time.Millisecond)

// closedRetryAfter is the Retry-After of tasks shed because the scheduler is
// closed: the node is going away, another may answer at once.
const closedRetryAfter = time.Second

// Why a task was shed (Task.Shed's first argument; ErrHeavyLaneFull is the
// heavy lane's, lane.go).
var (
	ErrQueueFull = errors.New("sched: queue full")
	ErrLate      = errors.New("sched: waited longer than MaxWait")
	ErrClosed    = errors.New("sched: closed")
)

// A Scheduler admits tasks and runs them on its executors. See the package
// documentation for the model.
type Scheduler struct {
	cfg   Config
	obs   Observer
	log   *slog.Logger
	now   func() int64 // monotonic ns
	aging float64
	maxE  int64 // cap on a class's expected run time in its priority

	quit chan struct{} // closed by Close
	wake chan struct{} // starts the ticker when a backlog forms
	wg   sync.WaitGroup

	heavy heavyLane // the lane of CPU-heavy classes (lane.go)

	mu       sync.Mutex
	closed   bool
	inbox    fifo     // not yet admitted, in arrival order
	runq     runQueue // admitted, by priority
	idle     []*executor
	running  int
	limiter  limiter
	limit    int
	window   int64 // current tick number: now / Tick
	budget   int   // admissions left in window
	ticking  bool  // the ticker is running
	seq      uint64
	meanRun  int64 // EWMA of all run times, ns
	counters Stats
}

// Stats is a snapshot of a Scheduler's state and its counters since New.
type Stats struct {
	Executors int // executor goroutines
	Limit     int // adaptive concurrency limit
	Running   int // tasks running now
	Queued    int // tasks waiting: Inbox + admitted, not yet running
	Inbox     int // tasks waiting for admission (over the per-tick budget)
	Heavy     int // tasks in the heavy lane, running or waiting (not in Running or Queued)

	MeanRun time.Duration // moving average of run time over all classes

	Submitted  uint64 // calls to Submit
	Admitted   uint64 // tasks that entered the run queue (or an executor directly) or the heavy lane
	Completed  uint64 // tasks whose Run returned
	Released   uint64 // running tasks whose Slot was released before Run returned
	ShedFull   uint64 // shed by Submit because the queue was full
	ShedLate   uint64 // shed because they waited longer than MaxWait
	ShedClosed uint64 // shed because the scheduler was closed
	ShedHeavy  uint64 // shed by Submit because the heavy lane was full
}

// New starts a scheduler with cfg's executors. obs may be nil. New panics if
// cfg.Validate fails: configuration is checked where it is loaded.
func New(cfg Config, obs Observer, log *slog.Logger) *Scheduler {
	epoch := time.Now()
	return newScheduler(cfg, obs, log, func() int64 { return int64(time.Since(epoch)) })
}

func newScheduler(cfg Config, obs Observer, log *slog.Logger, now func() int64) *Scheduler {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{
		cfg:     cfg,
		obs:     obs,
		log:     log,
		now:     now,
		aging:   cfg.AgingRate,
		maxE:    int64(cfg.AgingRate * float64(cfg.MaxWait) / 2),
		quit:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		limiter: newLimiter(cfg.InitialLimit, cfg.MinLimit, cfg.Executors),
		limit:   cfg.InitialLimit,
		window:  -1,
		meanRun: priorMean,
		idle:    make([]*executor, 0, cfg.Executors),
	}
	s.heavy.jobs, s.heavy.quit = make(chan heavyJob), s.quit
	s.counters.Executors = cfg.Executors
	s.wg.Add(1)
	s.mu.Lock()
	for range cfg.Executors {
		s.idle = append(s.idle, s.newExecutorLocked())
	}
	s.mu.Unlock()
	go s.tickLoop()
	return s
}

// Submit queues t, or starts it at once if an executor is free and nothing
// waits; a task of a heavy class (Class.Heavy) goes to the heavy lane
// instead. It never blocks; if the queue (or the heavy lane) is full or the
// scheduler closed it calls t.Shed before returning.
func (s *Scheduler) Submit(t *Task) {
	if t.Class.Heavy() {
		s.submitHeavy(t)
		return
	}
	now := s.now()
	s.mu.Lock()
	s.counters.Submitted++
	if s.closed {
		s.counters.ShedClosed++
		s.mu.Unlock()
		t.Shed(ErrClosed, closedRetryAfter)
		return
	}
	queued := s.inbox.len() + len(s.runq)
	e := entry{task: t, class: t.Class, at: now}
	if queued == 0 && s.running < s.limit && len(s.idle) > 0 && s.takeBudget(now) {
		// The fast path: nothing waits, so nothing to order against.
		x := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		s.running++
		s.counters.Admitted++
		s.mu.Unlock()
		x.next <- e
		return
	}
	if queued >= s.cfg.QueueSize {
		s.counters.ShedFull++
		ra := s.retryAfterLocked()
		s.mu.Unlock()
		t.Shed(ErrQueueFull, ra)
		return
	}
	s.seq++
	e.seq = s.seq
	e.key = s.priority(e.class, now)
	s.admitLocked(now)
	if s.inbox.len() == 0 && s.takeBudget(now) {
		s.runq.push(e)
		s.counters.Admitted++
	} else {
		s.inbox.push(e)
	}
	s.dispatchLocked()
	s.startTickerLocked()
	s.mu.Unlock()
}

// priority returns the fixed run-queue key of a task of class c submitted
// at: lower runs first. The priority at time now is
//
//	Expected − AgingRate·(now − at)
//
// and since −AgingRate·now is the same for every waiting task, ordering by
// Expected + AgingRate·at gives the same order at every instant, so the key
// never needs updating.
func (s *Scheduler) priority(c *Class, at int64) int64 {
	e := c.expected.Load()
	if e == 0 {
		e = s.meanRun
	}
	return min(e, s.maxE) + int64(s.aging*float64(at))
}

// takeBudget spends one admission from the current tick's budget.
func (s *Scheduler) takeBudget(now int64) bool {
	if w := now / int64(s.cfg.Tick); w != s.window {
		s.window = w
		s.budget = s.cfg.AdmitPerTick
	}
	if s.budget == 0 {
		return false
	}
	s.budget--
	return true
}

// admitLocked moves tasks from the inbox to the run queue, oldest first,
// while the tick's budget lasts.
func (s *Scheduler) admitLocked(now int64) {
	for s.inbox.len() > 0 && s.takeBudget(now) {
		s.runq.push(s.inbox.pop())
		s.counters.Admitted++
	}
}

// dispatchLocked hands queued tasks to idle executors while the limit
// allows. Expired tasks are left for the executor to shed.
func (s *Scheduler) dispatchLocked() {
	for len(s.runq) > 0 && s.running < s.limit && len(s.idle) > 0 {
		x := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		s.running++
		x.next <- s.runq.pop() // buffered and empty: an idle executor's
	}
}

// retryAfterLocked estimates when the queue will have drained: every queued
// task runs for the mean run time, limit at a time. Rounded up to whole
// seconds, at least one, as HTTP Retry-After counts seconds.
func (s *Scheduler) retryAfterLocked() time.Duration {
	queued := s.inbox.len() + len(s.runq)
	d := float64(queued) * float64(s.meanRun) / float64(max(s.limit, 1))
	secs := max(1, math.Ceil(d/float64(time.Second)))
	return time.Duration(secs) * time.Second
}

// Close stops the scheduler: queued tasks, and those waiting for the heavy
// lane, are shed, running ones finish, and Close returns when every
// executor and lane thread has exited and every shed task was told. Tasks submitted after
// Close are shed at once. Close may be called more than once, but not from
// a task's Run, which it would wait for.
func (s *Scheduler) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.closed = true
	var shed []entry
	for s.inbox.len() > 0 {
		shed = append(shed, s.inbox.pop())
	}
	for len(s.runq) > 0 {
		shed = append(shed, s.runq.pop())
	}
	s.counters.ShedClosed += uint64(len(shed))
	for _, x := range s.idle {
		close(x.next)
	}
	s.idle = nil
	s.mu.Unlock()
	close(s.quit)
	for _, e := range shed {
		e.task.Shed(ErrClosed, closedRetryAfter)
	}
	s.wg.Wait()
}

// Stats returns a snapshot of the scheduler's state and counters.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.counters
	st.Limit = s.limit
	st.Running = s.running
	st.Inbox = s.inbox.len()
	st.Queued = st.Inbox + len(s.runq)
	st.Heavy = int(s.heavy.inLane.Load())
	st.Completed += s.heavy.completed.Load()
	st.MeanRun = time.Duration(s.meanRun)
	return st
}
