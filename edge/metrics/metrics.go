package metrics

import (
	"maps"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// latencyBuckets span 50 µs (a hello world served from a warm isolate) to
// 10 s (past any sane CPU limit) in 1-2.5-5 steps, so bucket bounds read as
// round numbers on a dashboard.
var latencyBuckets = []float64{
	50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
	1, 2.5, 5, 10,
}

// Metrics holds a node's metrics in a registry of its own. The zero value
// is not usable; call New. A nil *Metrics records nothing, so components
// can be wired without it in tests.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec   // function, version, code
	duration  *prometheus.HistogramVec // function
	queueWait *prometheus.HistogramVec // function
	run       *prometheus.HistogramVec // function
	shed      *prometheus.CounterVec   // function, reason
	discarded *prometheus.CounterVec   // function, reason

	sources *sourceCollector

	mu      sync.RWMutex
	fns     map[string]*fnSeries
	handles map[fnKey]*FnHandles
}

type fnKey struct {
	name    string
	version int
}

// New registers the node's metrics, and the Go runtime's and the
// process's, in a new registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vault_requests_total",
			Help: "Requests answered, by function, version and status class (1xx…5xx, other).",
		}, []string{"function", "version", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vault_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its response.",
			Buckets: latencyBuckets,
		}, []string{"function"}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vault_queue_wait_seconds",
			Help:    "Time a request waited in the scheduler's queue before it ran.",
			Buckets: latencyBuckets,
		}, []string{"function"}),
		run: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vault_run_seconds",
			Help:    "Time a request ran in an isolate, from leaving the queue to finishing.",
			Buckets: latencyBuckets,
		}, []string{"function"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vault_shed_total",
			Help: "Requests the scheduler refused to run, by reason.",
		}, []string{"function", "reason"}),
		discarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vault_isolates_discarded_total",
			Help: "Isolates thrown away rather than reused, by reason.",
		}, []string{"function", "reason"}),
		sources: newSourceCollector(),
		fns:     map[string]*fnSeries{},
		handles: map[fnKey]*FnHandles{},
	}
	m.reg.MustRegister(m.requests, m.duration, m.queueWait, m.run, m.shed, m.discarded,
		m.sources,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the metrics live: a prometheus.Gatherer for
// edge/admin, and a Registerer for anything else a node wants to export.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Function returns the handles that record a function version's requests,
// creating them on first use and returning the same ones afterwards until
// Forget. The edge calls it once per version, not per request.
func (m *Metrics) Function(name string, version int) *FnHandles {
	if m == nil {
		return nil
	}
	k := fnKey{name, version}
	m.mu.RLock()
	h := m.handles[k]
	m.mu.RUnlock()
	if h != nil {
		return h
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.handles[k]; h != nil {
		return h
	}
	fn := m.fns[name]
	if fn == nil {
		fn = &fnSeries{
			name:     name,
			duration: m.duration.WithLabelValues(name),
			wait:     m.queueWait.WithLabelValues(name),
			run:      m.run.WithLabelValues(name),
		}
		fn.shed.init(m.shed, name)
		fn.discarded.init(m.discarded, name)
		m.fns[name] = fn
	}
	fn.versions++
	h = &FnHandles{m: m, fn: fn, version: strconv.Itoa(version)}
	m.handles[k] = h
	return h
}

// Forget removes a version's series, and its function's when it was the
// function's last version with handles. The edge calls it when a version
// leaves the route table, so retired versions do not pile up series.
// Forgetting a version that has no handles does nothing.
func (m *Metrics) Forget(name string, version int) {
	if m == nil {
		return
	}
	k := fnKey{name, version}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.handles[k]
	if h == nil {
		return
	}
	delete(m.handles, k)
	h.forgotten = true
	m.requests.DeletePartialMatch(prometheus.Labels{"function": name, "version": h.version})

	fn := h.fn
	fn.versions--
	if fn.versions > 0 {
		return
	}
	delete(m.fns, name)
	fn.forgotten = true
	only := prometheus.Labels{"function": name}
	m.duration.DeletePartialMatch(only)
	m.queueWait.DeletePartialMatch(only)
	m.run.DeletePartialMatch(only)
	m.shed.DeletePartialMatch(only)
	m.discarded.DeletePartialMatch(only)
}

// discard takes what forgotten handles would otherwise resolve into a new
// series; it is registered nowhere.
var discard = prometheus.NewCounter(prometheus.CounterOpts{Name: "vault_discarded"})

// counterRef boxes a Counter so that it fits an atomic.Pointer.
type counterRef struct{ prometheus.Counter }

// reasonCounters are a function's counters by reason (shed, discarded),
// resolved once per reason and read without a lock: the map is copied on
// write, which happens once per reason in a function's life.
type reasonCounters struct {
	vec      *prometheus.CounterVec
	function string
	byReason atomic.Pointer[map[string]prometheus.Counter]
}

func (r *reasonCounters) init(vec *prometheus.CounterVec, function string) {
	r.vec, r.function = vec, function
	r.byReason.Store(&map[string]prometheus.Counter{})
}

// get returns reason's counter. forgotten is read under m.mu, which the
// caller passes as lock so that a counter is never created for a function
// that Forget has already removed.
func (r *reasonCounters) get(mu *sync.RWMutex, fn *fnSeries, reason string) prometheus.Counter {
	if c, ok := (*r.byReason.Load())[reason]; ok {
		return c
	}
	mu.Lock()
	defer mu.Unlock()
	old := *r.byReason.Load()
	if c, ok := old[reason]; ok {
		return c
	}
	if fn.forgotten {
		return discard
	}
	c := r.vec.WithLabelValues(r.function, reason)
	next := maps.Clone(old)
	next[reason] = c
	r.byReason.Store(&next)
	return c
}
