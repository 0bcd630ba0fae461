package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds a node's metrics in a registry of its own. The zero value
// is not usable; call New. A nil *Metrics records nothing, so components
// can be wired without it in tests.
type Metrics struct {
	reg     *prometheus.Registry
	sources atomic.Pointer[Sources]

	// mu guards the maps. The hot path never takes it: it holds handles.
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
		reg:     prometheus.NewRegistry(),
		fns:     map[string]*fnSeries{},
		handles: map[fnKey]*FnHandles{},
	}
	m.reg.MustRegister(collector{m},
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
		fn = &fnSeries{name: name}
		fn.shed.byReason.Store(&map[string]*atomic.Uint64{})
		fn.discarded.byReason.Store(&map[string]*atomic.Uint64{})
		m.fns[name] = fn
	}
	fn.versions++
	h = &FnHandles{mu: &m.mu, fn: fn, version: strconv.Itoa(version)}
	m.handles[k] = h
	return h
}

// Forget stops exporting a version's series, and its function's when it
// was the function's last version with handles. The edge calls it when a
// version leaves the route table, so retired versions do not pile up
// series. Handles of a forgotten version stay safe to use (a request in
// flight may still record), but what they record is not exported. A later
// Function call for the same version starts from zero. Forgetting a version
// that has no handles does nothing.
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
	if h.fn.versions--; h.fn.versions == 0 {
		delete(m.fns, name)
	}
}
