package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// bounds are the latency buckets' upper bounds: 50 µs (a hello world from
// a warm isolate) to 10 s (past any sane CPU limit) in 1-2.5-5 steps, so
// they read as round numbers on a dashboard.
var bounds = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// histogram is a latency histogram that costs two atomic adds to observe:
// prometheus.Histogram costs four (it also counts observations, and adds
// the float sum in a compare-and-swap loop, which retries under
// contention). Its count is the sum of its buckets, computed at scrape.
// A scrape reads the buckets and the sum one by one while requests add to
// them, so sum and count may disagree by the observations in flight; each
// stays monotonic, which is what rate() needs.
type histogram struct {
	counts [len(bounds) + 1]atomic.Uint64 // the last is +Inf
	sum    atomic.Int64                   // nanoseconds: 292 years before it wraps
}

func (h *histogram) observe(d time.Duration) {
	// Binary search for the first bound >= d: le is inclusive.
	lo, hi := 0, len(bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bounds[mid] < d {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	h.counts[lo].Add(1)
	h.sum.Add(int64(d))
}

func (h *histogram) metric(desc *prometheus.Desc, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(bounds))
	var n uint64
	for i, b := range bounds {
		n += h.counts[i].Load()
		buckets[b.Seconds()] = n
	}
	n += h.counts[len(bounds)].Load()
	sum := time.Duration(h.sum.Load()).Seconds()
	return prometheus.MustNewConstHistogram(desc, n, sum, buckets, labels...)
}
