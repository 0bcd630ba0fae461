package metrics

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// codeClasses are the values of vault_requests_total's code label. A
// function chooses its status codes, so exact codes would let one function
// mint up to 500 series per version; classes bound it to six.
var codeClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}

func codeClass(code int) int {
	if code >= 100 && code <= 599 {
		return code/100 - 1
	}
	return len(codeClasses) - 1
}

// FnHandles are a function version's series, resolved once by
// Metrics.Function so that recording a request takes no map lookup and no
// lock. The edge keeps them beside the version and sets them as its
// scheduler class's Tag. A nil *FnHandles records nothing.
type FnHandles struct {
	mu      *sync.RWMutex // Metrics.mu, for a reason's first count
	fn      *fnSeries
	version string
	codes   [len(codeClasses)]atomic.Uint64 // requests by class
}

// fnSeries are the series a function's versions share.
type fnSeries struct {
	name                string
	duration, wait, run histogram
	shed, discarded     reasonCounts

	versions int // handles that are not forgotten, under Metrics.mu
}

// Name is the function the handles record.
func (h *FnHandles) Name() string { return h.fn.name }

// reasonCounts count events by reason, reading without a lock: the map is
// copied on write, which happens once per reason in a function's life.
type reasonCounts struct {
	byReason atomic.Pointer[map[string]*atomic.Uint64]
}

func (r *reasonCounts) inc(mu *sync.RWMutex, reason string) {
	if n := (*r.byReason.Load())[reason]; n != nil {
		n.Add(1)
		return
	}
	mu.Lock()
	defer mu.Unlock()
	old := *r.byReason.Load()
	n := old[reason]
	if n == nil {
		n = new(atomic.Uint64)
		next := maps.Clone(old)
		next[reason] = n
		r.byReason.Store(&next)
	}
	n.Add(1)
}

// Request records a request the edge answered with code after d, from its
// arrival to the end of its response.
func (m *Metrics) Request(h *FnHandles, code int, d time.Duration) {
	if h == nil {
		return
	}
	h.codes[codeClass(code)].Add(1)
	h.fn.duration.observe(d)
}

// ObserveRun records a request that waited in the scheduler's queue for
// wait and then ran for run.
func (m *Metrics) ObserveRun(h *FnHandles, wait, run time.Duration) {
	if h == nil {
		return
	}
	h.fn.wait.observe(wait)
	h.fn.run.observe(run)
}

// Shed records a request the scheduler refused to run. reason is one of a
// few constants (such as "queue_full" or "late"), never a value from the
// request: each distinct reason is a series.
func (m *Metrics) Shed(h *FnHandles, reason string) {
	if h == nil {
		return
	}
	h.fn.shed.inc(h.mu, reason)
}

// IsolateDiscarded records an isolate of h's function that was thrown away
// rather than reused. reason is a constant (such as "heavy", "error",
// "memory"), as for Shed.
func (m *Metrics) IsolateDiscarded(h *FnHandles, reason string) {
	if h == nil {
		return
	}
	h.fn.discarded.inc(h.mu, reason)
}
