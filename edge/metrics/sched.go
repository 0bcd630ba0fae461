package metrics

import (
	"time"

	"github.com/vault-runtime/vault/edge/sched"
)

var _ sched.Observer = (*Metrics)(nil)

// Observe is the scheduler's Observer: it records a task of c that waited
// for wait and ran for run, into the handles the edge set as c.Tag. A class
// whose Tag is not a *FnHandles is not recorded.
func (m *Metrics) Observe(c *sched.Class, wait, run time.Duration) {
	h, _ := c.Tag.(*FnHandles)
	m.ObserveRun(h, wait, run)
}
