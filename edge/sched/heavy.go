package sched

import "time"

// A class becomes heavy when heavyStrikes of its runs within strikeWindow
// are each seen using more than StrikeCPU or half their CPU limit,
// whichever is more, and stays so for heavyFor. The runtime notices (the
// isolate's watchdog calls Strike while the run still goes on; quick runs
// never pay for the check). One strike is not enough: under a burst an
// ordinary invocation can be charged a long GC assist. Submit runs the
// tasks of a heavy class on the heavy lane (lane.go).
//
// StrikeCPU is far above a typical handler (a 4 KB JSON transform takes
// ~0.3-2 ms in goja here) and far below a default CPU limit that a loop
// runs into (50 ms).
const (
	StrikeCPU    = 10 * time.Millisecond
	heavyStrikes = 3
	strikeWindow = time.Second
	heavyFor     = 30 * time.Second
)

// Strike records a run of the class that used more than StrikeCPU of CPU
// (or half its CPU limit, if more), and marks the class heavy at the
// heavyStrikes-th within strikeWindow. It may be called from any
// goroutine.
func (c *Class) Strike() {
	now := time.Now()
	c.strikeMu.Lock()
	defer c.strikeMu.Unlock()
	if now.Sub(c.strikesSince) > strikeWindow {
		c.strikes, c.strikesSince = 0, now
	}
	if c.strikes++; c.strikes >= heavyStrikes {
		c.heavyUntil.Store(now.Add(heavyFor).UnixNano())
	}
}

// Heavy reports whether the class is marked CPU-heavy now. A class never
// marked costs one atomic load.
func (c *Class) Heavy() bool {
	until := c.heavyUntil.Load()
	return until != 0 && time.Now().UnixNano() < until
}
