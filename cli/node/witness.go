package node

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// watchCheckpoints opens the COSIGNATURES stream (a hub's own, an edge's
// mirror) and runs the checkpoint watcher: every node checks the
// checkpoints it sees for a split view, and a node whose key holds the
// witness role cosigns those that match its own copy of the ledger.
func (n *Node) watchCheckpoints(ctx, runCtx context.Context, js jetstream.JetStream, topo ledger.Topology, genesis []byte, nodeKey *events.Signer, log *slog.Logger) error {
	if _, err := topo.OpenStream(ctx, js, ledger.CosignatureStreamConfig()); err != nil {
		return err
	}
	w, err := ledger.NewCheckpointWatcher(ledger.WatcherConfig{
		Store: n.store, JS: js, LedgerID: events.ID(genesis),
		Keyring:    func() *events.Keyring { return n.proj.Current().State.Keys },
		WitnessKey: nodeKey,
		// On an edge the stream's subjects are the hub's: the publish
		// crosses the leaf connection and the hub acknowledges it.
		Publish: func(ctx context.Context, subject string, data []byte) error {
			_, err := js.Publish(ctx, subject, data)
			return err
		},
		Log: log,
	})
	if err != nil {
		return fmt.Errorf("checkpoint watcher: %w", err)
	}
	n.watcher.Store(w)
	n.bg.Go(func() { w.Run(runCtx) })
	return nil
}

// latestCheckpoint is the newest checkpoint this node signed (a hub) or
// verified against its own ledger.
func (n *Node) latestCheckpoint() []byte {
	if cp := n.checkpoints.Load(); cp != nil {
		note, _ := cp.Latest()
		return note
	}
	if w := n.watcher.Load(); w != nil {
		note, _ := w.Latest()
		return note
	}
	return nil
}

// observeCheckpoint hands a checkpoint another node announced (note, its
// node ID) to the watcher, once there is one.
func (n *Node) observeCheckpoint(note []byte, source string) {
	if w := n.watcher.Load(); w != nil {
		w.Observe(note, source)
	}
}

// splitViews describes the split views this node found, for status and
// announcements.
func (n *Node) splitViews() []string {
	w := n.watcher.Load()
	if w == nil {
		return nil
	}
	var out []string
	for _, v := range w.SplitViews() {
		out = append(out, fmt.Sprintf("SPLIT VIEW: the log signed size %d root %s (from %s) and size %d root %s (from %s), which are inconsistent",
			v.A.Size, rootB64(v.A.Root), v.A.Source, v.B.Size, rootB64(v.B.Root), v.B.Source))
	}
	return out
}

func rootB64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

// alerts are the node's divergence and split-view reports.
func (n *Node) alerts() []string {
	out := n.splitViews()
	if n.pub != nil {
		out = append(out, n.pub.divergence()...)
	}
	return out
}
