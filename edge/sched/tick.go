package sched

import "time"

// startTickerLocked wakes the ticker if tasks wait and it is not running.
func (s *Scheduler) startTickerLocked() {
	if s.ticking || s.inbox.len()+len(s.runq) == 0 {
		return
	}
	s.ticking = true
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// tickLoop runs the ticker while tasks wait, and sleeps otherwise: an idle
// scheduler has no timer. Each tick admits from the inbox up to the new
// budget, hands work to idle executors (the limit may have grown), and every
// MaxWait/8 sheds the tasks that have waited longer than MaxWait, so their
// clients learn it soon rather than when the task reaches the queue's head.
func (s *Scheduler) tickLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.Tick)
	t.Stop()
	sweepEvery := int64(s.cfg.MaxWait / 8)
	var lastSweep int64
	var shed []entry
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		}
		t.Reset(s.cfg.Tick)
		for ticking := true; ticking; {
			select {
			case <-s.quit:
				t.Stop()
				return
			case <-t.C:
			}
			shed, ticking = s.tick(shed, sweepEvery, &lastSweep)
		}
		t.Stop()
	}
}

// tick is one tick of the ticker. It returns whether tasks still wait.
func (s *Scheduler) tick(shed []entry, sweepEvery int64, lastSweep *int64) ([]entry, bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return shed, false
	}
	now := s.now()
	s.admitLocked(now)
	if now-*lastSweep >= sweepEvery {
		*lastSweep = now
		late := now - int64(s.cfg.MaxWait)
		shed = s.runq.removeIf(func(e *entry) bool { return e.at < late }, shed)
	}
	s.dispatchLocked()
	var ra time.Duration
	if len(shed) > 0 {
		s.counters.ShedLate += uint64(len(shed))
		ra = s.retryAfterLocked()
	}
	waiting := s.inbox.len()+len(s.runq) > 0
	s.ticking = waiting
	s.mu.Unlock()
	for i := range shed {
		shed[i].task.Shed(ErrLate, ra)
		shed[i] = entry{}
	}
	return shed[:0], waiting
}
