package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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
// Metrics.Function so that recording a request takes no map lookup. The
// edge keeps them beside the version and sets them as its scheduler
// class's Tag. A nil *FnHandles records nothing.
type FnHandles struct {
	m       *Metrics
	fn      *fnSeries
	version string
	codes   [len(codeClasses)]atomic.Pointer[counterRef]

	forgotten bool // under m.mu
}

// fnSeries are the series a function's versions share.
type fnSeries struct {
	name                string
	duration, wait, run prometheus.Observer
	shed, discarded     reasonCounters

	versions  int  // handles that are not forgotten, under Metrics.mu
	forgotten bool // under Metrics.mu
}

// Name is the function the handles record.
func (h *FnHandles) Name() string { return h.fn.name }

// counter returns the requests counter for a status class, resolving it on
// the class's first request.
func (h *FnHandles) counter(class int) prometheus.Counter {
	if c := h.codes[class].Load(); c != nil {
		return c.Counter
	}
	m := h.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := h.codes[class].Load(); c != nil {
		return c.Counter
	}
	c := discard
	if !h.forgotten {
		c = m.requests.WithLabelValues(h.fn.name, h.version, codeClasses[class])
	}
	h.codes[class].Store(&counterRef{c})
	return c
}

// Request records a request the edge answered with code after d, from its
// arrival to the end of its response.
func (m *Metrics) Request(h *FnHandles, code int, d time.Duration) {
	if h == nil {
		return
	}
	h.counter(codeClass(code)).Inc()
	h.fn.duration.Observe(d.Seconds())
}

// ObserveRun records a request that waited in the scheduler's queue for
// wait and then ran for run.
func (m *Metrics) ObserveRun(h *FnHandles, wait, run time.Duration) {
	if h == nil {
		return
	}
	h.fn.wait.Observe(wait.Seconds())
	h.fn.run.Observe(run.Seconds())
}

// Shed records a request the scheduler refused to run. reason is one of a
// few constants (such as "queue_full" or "deadline"), never a value from
// the request: each distinct reason is a series.
func (m *Metrics) Shed(h *FnHandles, reason string) {
	if h == nil {
		return
	}
	h.fn.shed.get(&h.m.mu, h.fn, reason).Inc()
}

// IsolateDiscarded records an isolate of h's function that was thrown away
// rather than reused. reason is a constant (such as "heavy", "error",
// "memory"), as for Shed.
func (m *Metrics) IsolateDiscarded(h *FnHandles, reason string) {
	if h == nil {
		return
	}
	h.fn.discarded.get(&h.m.mu, h.fn, reason).Inc()
}
