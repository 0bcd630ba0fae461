package sched

import "math"

// Gradient limiter parameters (Netflix concurrency-limits Gradient2).
const (
	// limiterTolerance is how much slower than its class baseline the
	// recent runs may be, on average, before the limit shrinks.
	limiterTolerance = 1.5
	// limiterSmoothing is the share of each new estimate taken into the
	// limit, damping the reaction to any one run.
	limiterSmoothing = 0.2
	// limiterShortWeight is the weight of a sample in the short-term
	// average of normalised run times (a memory of about 10 runs).
	limiterShortWeight = 0.1
)

// limiter is a gradient concurrency limiter in the style of Gradient2, with
// one change: instead of comparing raw latencies to one long-term average,
// each run time is first divided by its own class's baseline (see
// Class.observe). A sample of 1 means "as fast as this function usually
// is", so a mix of 1 ms and 1 s functions reads as a steady 1, and a shift
// in the mix does not look like congestion.
//
// For each sample n (normalised run time) with inflight tasks running:
//
//	short    = short + 0.1·(n − short)
//	gradient = clamp(tolerance / short, 0.5, 1)       tolerance = 1.5
//	estimate = limit·gradient + (√limit if gradient = 1, else 0)
//	limit    = clamp(0.8·limit + 0.2·estimate, minLimit, maxLimit)
//
// While runs hold their usual speed (short ≤ 1.5) the gradient is 1 and
// the limit grows by 0.2·√limit per sample; when they inflate, it shrinks
// by up to half per step (before smoothing). √limit is the queue Gradient2
// allows for, the headroom that lets it probe upwards; unlike Gradient2 it
// is added only while runs are not inflated, because with it the limit
// settles at limit = 0.5·limit + √limit = 4 under any congestion and could
// never reach a MinLimit of 2 on a two-core node. As in Gradient2, the
// limit does not change while fewer than half of it are in use: an idle
// node has learnt nothing about its capacity.
//
// A limiter is not safe for concurrent use; the scheduler holds its mutex.
type limiter struct {
	limit    float64
	short    float64
	minLimit float64
	maxLimit float64
}

func newLimiter(initial, minLimit, maxLimit int) limiter {
	return limiter{
		limit:    float64(initial),
		short:    1,
		minLimit: float64(minLimit),
		maxLimit: float64(maxLimit),
	}
}

// current returns the limit as a number of concurrent tasks.
func (l *limiter) current() int {
	return int(l.limit)
}

// sample takes one normalised run time n, observed with inflight tasks
// running (this one included), and returns the new limit.
func (l *limiter) sample(n float64, inflight int) int {
	if math.IsNaN(n) || math.IsInf(n, 0) || n <= 0 {
		return l.current()
	}
	l.short += limiterShortWeight * (n - l.short)
	if float64(inflight) < l.limit/2 {
		return l.current()
	}
	gradient := max(0.5, min(1, limiterTolerance/l.short))
	estimate := l.limit * gradient
	if gradient == 1 {
		estimate += math.Sqrt(l.limit)
	}
	l.limit = (1-limiterSmoothing)*l.limit + limiterSmoothing*estimate
	l.limit = max(l.minLimit, min(l.maxLimit, l.limit))
	return l.current()
}
