package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Sources are the callbacks read when Prometheus scrapes. Any may be nil,
// and its metrics are then left out. They run on the scrape's goroutines,
// concurrently with the node, and should return quickly without blocking
// on a request.
type Sources struct {
	// Head and Applied are the ledger's last sequence and the last one the
	// projector applied; their difference is how far this node lags.
	Head    func() uint64
	Applied func() uint64
	// Isolates are the isolates of each function, by function name.
	Isolates func() map[string]IsolateCount
	// Sched is the scheduler's state.
	Sched func() SchedStats
	// HTTP2 is the edge's HTTP/2 server's state.
	HTTP2 func() H2Stats
}

// IsolateCount is how many isolates a function has.
type IsolateCount struct {
	Live int // all isolates, running or idle
	Idle int // those waiting for a request, a subset of Live
}

// SchedStats is the scheduler's state at one instant.
type SchedStats struct {
	Limit   int // the adaptive limit on requests running at once
	Running int
	Queued  int
}

// H2Stats is the HTTP/2 server's state at one instant.
type H2Stats struct {
	Conns   int // open connections
	Streams int // open streams, over all connections
	// Errors counts protocol errors since the process started, by a kind
	// from a small fixed set (an HTTP/2 error code name such as
	// "PROTOCOL_ERROR", or "bad_preface"). Counts must never decrease.
	Errors map[string]uint64
}

// SetSources installs the scrape-time callbacks, replacing any installed
// before. The node calls it once its ledger, scheduler and server exist.
func (m *Metrics) SetSources(s Sources) {
	if m == nil {
		return
	}
	m.sources.src.Store(&s)
}

// sourceCollector turns Sources into metrics at scrape time.
type sourceCollector struct {
	src atomic.Pointer[Sources]

	head, applied                *prometheus.Desc
	isoLive, isoIdle             *prometheus.Desc
	schedLimit, running, queued  *prometheus.Desc
	h2Conns, h2Streams, h2Errors *prometheus.Desc
}

func newSourceCollector() *sourceCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	c := &sourceCollector{
		head:       d("vault_ledger_head_sequence", "Sequence of the last event in the ledger."),
		applied:    d("vault_ledger_applied_sequence", "Sequence of the last ledger event this node applied."),
		isoLive:    d("vault_isolates_live", "Isolates of a function, running or idle.", "function"),
		isoIdle:    d("vault_isolates_idle", "Isolates of a function waiting for a request.", "function"),
		schedLimit: d("vault_sched_concurrency_limit", "The scheduler's adaptive limit on requests running at once."),
		running:    d("vault_sched_running", "Requests running in isolates."),
		queued:     d("vault_sched_queued", "Requests waiting in the scheduler's queue."),
		h2Conns:    d("vault_http2_open_connections", "Open HTTP/2 connections."),
		h2Streams:  d("vault_http2_open_streams", "Open HTTP/2 streams, over all connections."),
		h2Errors:   d("vault_http2_protocol_errors_total", "HTTP/2 protocol errors, by kind.", "kind"),
	}
	return c
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.head, c.applied, c.isoLive, c.isoIdle,
		c.schedLimit, c.running, c.queued, c.h2Conns, c.h2Streams, c.h2Errors} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Load()
	if s == nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s.Head != nil {
		gauge(c.head, float64(s.Head()))
	}
	if s.Applied != nil {
		gauge(c.applied, float64(s.Applied()))
	}
	if s.Isolates != nil {
		for fn, n := range s.Isolates() {
			gauge(c.isoLive, float64(n.Live), fn)
			gauge(c.isoIdle, float64(n.Idle), fn)
		}
	}
	if s.Sched != nil {
		st := s.Sched()
		gauge(c.schedLimit, float64(st.Limit))
		gauge(c.running, float64(st.Running))
		gauge(c.queued, float64(st.Queued))
	}
	if s.HTTP2 != nil {
		st := s.HTTP2()
		gauge(c.h2Conns, float64(st.Conns))
		gauge(c.h2Streams, float64(st.Streams))
		for kind, n := range st.Errors {
			ch <- prometheus.MustNewConstMetric(c.h2Errors, prometheus.CounterValue, float64(n), kind)
		}
	}
}
