package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// The node's metrics. Names follow Prometheus's conventions: vault_
// prefix, base units (seconds), _total for counters.
var (
	requestsDesc = desc("vault_requests_total",
		"Requests answered, by function, version and status class (1xx…5xx, other).",
		"function", "version", "code")
	durationDesc = desc("vault_request_duration_seconds",
		"Time from a request's arrival to the end of its response.", "function")
	queueWaitDesc = desc("vault_queue_wait_seconds",
		"Time a request waited in the scheduler's queue before it ran.", "function")
	runDesc = desc("vault_run_seconds",
		"Time a request ran in an isolate, from leaving the queue to finishing.", "function")
	shedDesc = desc("vault_shed_total",
		"Requests the scheduler refused to run, by reason.", "function", "reason")
	discardedDesc = desc("vault_isolates_discarded_total",
		"Isolates thrown away rather than reused, by reason.", "function", "reason")

	headDesc    = desc("vault_ledger_head_sequence", "Sequence of the last event in the ledger.")
	appliedDesc = desc("vault_ledger_applied_sequence", "Sequence of the last ledger event this node applied.")
	isoLiveDesc = desc("vault_isolates_live", "Isolates of a function, running or idle.", "function")
	isoIdleDesc = desc("vault_isolates_idle", "Isolates of a function waiting for a request.", "function")
	limitDesc   = desc("vault_sched_concurrency_limit", "The scheduler's adaptive limit on requests running at once.")
	runningDesc = desc("vault_sched_running", "Requests running in isolates.")
	queuedDesc  = desc("vault_sched_queued", "Requests waiting in the scheduler's queue.")
	h2ConnsDesc = desc("vault_http2_open_connections", "Open HTTP/2 connections.")
	h2StrDesc   = desc("vault_http2_open_streams", "Open HTTP/2 streams, over all connections.")
	h2ErrDesc   = desc("vault_http2_protocol_errors_total", "HTTP/2 protocol errors, by kind.", "kind")

	cacheEntriesDesc = desc("vault_cache_entries", "Responses a function holds in the Cache API store.", "function")
	cacheBytesDesc   = desc("vault_cache_bytes", "Bytes a function holds in the Cache API store.", "function")
	cacheHitsDesc    = desc("vault_cache_hits_total", "Cache API matches that found a fresh entry.", "function")
	cacheMissesDesc  = desc("vault_cache_misses_total", "Cache API matches that found nothing.", "function")
	cacheStoresDesc  = desc("vault_cache_stores_total", "Responses stored by Cache API puts.", "function")
	cacheEvictsDesc  = desc("vault_cache_evictions_total", "Cache API entries dropped for space or because they expired.", "function")

	ctrCPUDesc      = desc("vault_container_cpu_seconds_total", "CPU time a container version's cgroup used.", "function", "version")
	ctrMemoryDesc   = desc("vault_container_memory_bytes", "Memory a container version's cgroup uses.", "function", "version")
	ctrRestartsDesc = desc("vault_container_restarts_total", "Restarts of a container version since this node process started or adopted it.", "function", "version")
	ctrStateDesc    = desc("vault_container_state", "1 for a container version's current state (running, paused, restarting, crashloop, starting).", "function", "version", "state")
)

// collector exports Metrics: the handles' counters and histograms of the
// versions not forgotten, and what Sources say at scrape time.
type collector struct{ m *Metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{requestsDesc, durationDesc, queueWaitDesc, runDesc,
		shedDesc, discardedDesc, headDesc, appliedDesc, isoLiveDesc, isoIdleDesc,
		limitDesc, runningDesc, queuedDesc, h2ConnsDesc, h2StrDesc, h2ErrDesc,
		cacheEntriesDesc, cacheBytesDesc, cacheHitsDesc, cacheMissesDesc, cacheStoresDesc, cacheEvictsDesc,
		ctrCPUDesc, ctrMemoryDesc, ctrRestartsDesc, ctrStateDesc} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.RLock()
	handles := make([]*FnHandles, 0, len(c.m.handles))
	for _, h := range c.m.handles {
		handles = append(handles, h)
	}
	fns := make([]*fnSeries, 0, len(c.m.fns))
	for _, fn := range c.m.fns {
		fns = append(fns, fn)
	}
	c.m.mu.RUnlock()

	for _, h := range handles {
		for class := range h.codes {
			// A class nobody returned yet is no series: a version that only
			// answers 200 has one, not six.
			if v := h.codes[class].Load(); v > 0 {
				ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue,
					float64(v), h.fn.name, h.version, codeClasses[class])
			}
		}
	}
	for _, fn := range fns {
		ch <- fn.duration.metric(durationDesc, fn.name)
		ch <- fn.wait.metric(queueWaitDesc, fn.name)
		ch <- fn.run.metric(runDesc, fn.name)
		for reason, n := range *fn.shed.byReason.Load() {
			ch <- prometheus.MustNewConstMetric(shedDesc, prometheus.CounterValue, float64(n.Load()), fn.name, reason)
		}
		for reason, n := range *fn.discarded.byReason.Load() {
			ch <- prometheus.MustNewConstMetric(discardedDesc, prometheus.CounterValue, float64(n.Load()), fn.name, reason)
		}
	}
	if s := c.m.sources.Load(); s != nil {
		collectSources(ch, s)
	}
}

func collectSources(ch chan<- prometheus.Metric, s *Sources) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s.Head != nil {
		gauge(headDesc, float64(s.Head()))
	}
	if s.Applied != nil {
		gauge(appliedDesc, float64(s.Applied()))
	}
	if s.Isolates != nil {
		for fn, n := range s.Isolates() {
			gauge(isoLiveDesc, float64(n.Live), fn)
			gauge(isoIdleDesc, float64(n.Idle), fn)
		}
	}
	if s.Sched != nil {
		st := s.Sched()
		gauge(limitDesc, float64(st.Limit))
		gauge(runningDesc, float64(st.Running))
		gauge(queuedDesc, float64(st.Queued))
	}
	if s.HTTP2 != nil {
		st := s.HTTP2()
		gauge(h2ConnsDesc, float64(st.Conns))
		gauge(h2StrDesc, float64(st.Streams))
		for kind, n := range st.Errors {
			ch <- prometheus.MustNewConstMetric(h2ErrDesc, prometheus.CounterValue, float64(n), kind)
		}
	}
	if s.Cache != nil {
		counter := func(d *prometheus.Desc, v uint64, fn string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), fn)
		}
		for fn, st := range s.Cache() {
			gauge(cacheEntriesDesc, float64(st.Entries), fn)
			gauge(cacheBytesDesc, float64(st.Bytes), fn)
			counter(cacheHitsDesc, st.Hits, fn)
			counter(cacheMissesDesc, st.Misses, fn)
			counter(cacheStoresDesc, st.Stores, fn)
			counter(cacheEvictsDesc, st.Evictions, fn)
		}
	}
	if s.Containers != nil {
		for _, c := range s.Containers() {
			v := strconv.Itoa(c.Version)
			ch <- prometheus.MustNewConstMetric(ctrCPUDesc, prometheus.CounterValue, c.CPUSeconds, c.Function, v)
			gauge(ctrMemoryDesc, float64(c.MemoryBytes), c.Function, v)
			ch <- prometheus.MustNewConstMetric(ctrRestartsDesc, prometheus.CounterValue, float64(c.Restarts), c.Function, v)
			gauge(ctrStateDesc, 1, c.Function, v, c.State)
		}
	}
}
