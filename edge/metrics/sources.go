package metrics

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
	// Cache is the Cache API store's state, by function name.
	Cache func() map[string]CacheStats
	// Containers are the node's containers, read from their cgroups.
	Containers func() []ContainerStats
}

// ContainerStats is one container version's state and use.
type ContainerStats struct {
	Function    string
	Version     int
	State       string // running, paused, restarting, crashloop, …
	CPUSeconds  float64
	MemoryBytes uint64
	Restarts    int
}

// CacheStats are one function's Cache API entries and counts. The counts
// never decrease.
type CacheStats struct {
	Entries   int
	Bytes     int64
	Hits      uint64
	Misses    uint64
	Stores    uint64
	Evictions uint64
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
	m.sources.Store(&s)
}
