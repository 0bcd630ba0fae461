package node

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/vault-runtime/vault/edge/admin"
	"github.com/vault-runtime/vault/edge/metrics"
)

// startAdmin serves Prometheus metrics and the health probes on the admin
// address, if one is set. The node is ready when its projector has applied
// the ledger's head and its edge takes traffic.
func (n *Node) startAdmin(log *slog.Logger) error {
	n.metrics.SetSources(metrics.Sources{
		Head:       n.store.Head,
		Applied:    func() uint64 { return n.proj.Current().State.Seq },
		Isolates:   n.fns.Isolates,
		Cache:      n.fns.CacheStats,
		Containers: n.containerStats,
		Sched: func() metrics.SchedStats {
			st := n.edge.Scheduler().Stats()
			return metrics.SchedStats{Limit: st.Limit, Running: st.Running, Queued: st.Queued}
		},
		HTTP2: func() metrics.H2Stats {
			e := n.edge.Engine()
			if e == nil {
				return metrics.H2Stats{}
			}
			st := e.Stats()
			return metrics.H2Stats{Conns: int(st.OpenConns), Streams: int(st.OpenStreams), Errors: map[string]uint64{
				"http1_rejected": uint64(st.HTTP1Rejected), "tls": uint64(st.TLSErrors), "protocol": uint64(st.ProtocolErrors),
				"bad_header": uint64(st.BadHeaders), "header_too_large": uint64(st.HeaderTooLarge),
				"body_too_large": uint64(st.BodyTooLarge), "refused": uint64(st.Refused), "rapid_reset": uint64(st.RapidReset),
				"continuation_flood": uint64(st.ContinuationFlood), "control_flood": uint64(st.ControlFlood),
				"stall": uint64(st.Stalls), "write_stall": uint64(st.WriteStalls), "idle_closed": uint64(st.IdleClosed),
				"body_timeout": uint64(st.BodyTimeouts), "body_budget": uint64(st.BodyBudget),
			}}
		},
	})
	if n.cfg.AdminListen == "" {
		return nil
	}
	n.admin = admin.New(n.cfg.AdminListen, n.metrics.Registry(), n.ready, log)
	if err := n.admin.Start(); err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	return nil
}

// ready is nil once the node serves what its ledger says.
func (n *Node) ready() error {
	head, applied := n.store.Head(), n.proj.Current().State.Seq
	switch {
	case applied < head:
		return fmt.Errorf("the projector applied seq %d of %d", applied, head)
	case n.edge.Paused():
		return errors.New("the server is stopped (vault server start resumes it)")
	case n.closing.Load():
		return errors.New("the node is stopping")
	}
	return nil
}
