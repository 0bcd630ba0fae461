package isolate

import (
	"runtime/metrics"
	"time"

	"github.com/vault-runtime/vault/edge/osthread"
)

// memSample estimates how much an invocation grew the Go heap. goja has no
// per-runtime accounting, so the watchdog samples the process's heap (live
// objects plus garbage not yet swept) and charges each change to the
// invocation in proportion to the CPU it used in that window, out of the
// CPU the whole process used: an allocation is made by whoever is
// running. Garbage collected between samples lowers the estimate again,
// so churn is not charged; only growth that stays is. The estimate starts
// at the first sample (memFirst into the invocation): the few megabytes
// goja can allocate before it are not counted. Precision: within a
// sample window (memInterval) the charge is exact when the invocation is
// the only thing allocating, and is shared by CPU time when several run.
type memSample struct {
	taken         bool
	heap          uint64
	proc, invoker time.Duration
	estimate      int64
	// charged is what the invocation announced it would allocate since the
	// last sample (charge, alloc.go): the heap does not show it yet.
	charged int64
}

// inUse is the estimate with what was charged since the last sample.
func (m *memSample) inUse() int64 { return m.estimate + m.charged }

const heapMetric = "/memory/classes/heap/objects:bytes"

// sample takes a sample given the invocation's CPU so far and returns the
// estimate, in bytes.
func (m *memSample) sample(invoker time.Duration) int64 {
	s := [1]metrics.Sample{{Name: heapMetric}}
	metrics.Read(s[:])
	heap, proc := s[0].Value.Uint64(), osthread.Process()
	if m.taken {
		dProc, dInv := proc-m.proc, invoker-m.invoker
		share := 1.0
		if dProc > 0 && dInv < dProc {
			share = float64(dInv) / float64(dProc)
		}
		m.estimate += int64(float64(int64(heap)-int64(m.heap)) * share)
		m.estimate = max(m.estimate, 0)
	} else {
		// Allocations charged before the first sample are inside its
		// heap, which the estimate counts from: they stay charged.
		m.estimate += m.charged
	}
	m.charged = 0
	m.taken, m.heap, m.proc, m.invoker = true, heap, proc, invoker
	return m.estimate
}
