package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/projector"
)

// Nodes announce what they serve: after every publication on
// appliedSubject, and on request on nodesSubject, which every node
// answers (scatter-gather), so a client finds all nodes on its NATS.
const (
	nodesSubject   = "vault.api.nodes"
	appliedSubject = "vault.nodes.applied"
)

// announcement is one node's account of what it applied and serves.
type announcement struct {
	NodeID  string                      `json:"nodeId"`
	Ledger  string                      `json:"ledger"`
	Applied uint64                      `json:"applied"`
	Served  map[string]projector.Served `json:"served"`
	Failed  map[string]string           `json:"failed,omitempty"`
	Time    time.Time                   `json:"time"`
}

func announce(id string, snap *projector.Snapshot) announcement {
	return announcement{NodeID: id, Ledger: snap.State.Ledger, Applied: snap.State.Seq, Served: snap.Served,
		Failed: snap.Failed, Time: time.Now().UTC()}
}

// announcer passes each snapshot on to the edge, then tells the world.
type announcer struct {
	projector.Publisher
	id  string
	nc  *nats.Conn
	log *slog.Logger
}

func (a *announcer) Publish(snap *projector.Snapshot) {
	a.Publisher.Publish(snap)
	data, err := json.Marshal(announce(a.id, snap))
	if err == nil {
		err = a.nc.Publish(appliedSubject, data)
	}
	if err != nil {
		a.log.Warn("announce applied state", "seq", snap.State.Seq, "err", err)
	}
}

// serveAnnouncements answers nodesSubject with the current snapshot.
func (n *node) serveAnnouncements(proj *projector.Projector) (*nats.Subscription, error) {
	sub, err := n.nc.Subscribe(nodesSubject, func(msg *nats.Msg) {
		data, _ := json.Marshal(announce(n.id, proj.Current()))
		msg.Respond(data)
	})
	if err != nil {
		return nil, fmt.Errorf("serve node announcements: %w", err)
	}
	return sub, nil
}

// gatherNodes asks every node for its announcement and collects answers
// until none came for quiet (or max passed).
func gatherNodes(ctx context.Context, nc *nats.Conn, quiet, max time.Duration) ([]announcement, error) {
	msgs, err := gather(ctx, nc, nodesSubject, nil, quiet, quiet, max)
	if err != nil {
		return nil, fmt.Errorf("find nodes: %w", err)
	}
	seen := map[string]announcement{}
	for _, msg := range msgs {
		var a announcement
		if json.Unmarshal(msg.Data, &a) == nil && a.NodeID != "" {
			seen[a.NodeID] = a
		}
	}
	return sortedNodes(seen), nil
}

// gather publishes data on subject with a reply inbox and collects the
// answers of every responder: it waits up to first for the first answer,
// then until none came for quiet, and never longer than max.
func gather(ctx context.Context, nc *nats.Conn, subject string, data []byte, first, quiet, max time.Duration) ([]*nats.Msg, error) {
	inbox := nc.NewRespInbox()
	ch := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, data); err != nil {
		return nil, err
	}
	var msgs []*nats.Msg
	wait, deadline := first, time.After(max)
	for {
		select {
		case msg := <-ch:
			msgs = append(msgs, msg)
			wait = quiet
		case <-time.After(wait):
			return msgs, nil
		case <-deadline:
			return msgs, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func sortedNodes(m map[string]announcement) []announcement {
	out := make([]announcement, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id])
	}
	return out
}

// nodeWait follows announcements from before an append until every node
// found has applied it.
type nodeWait struct {
	flags *waitFlags
	nodes []announcement
	sub   *nats.Subscription
	ch    chan arrival
}

// arrival is an announcement and when this process received it.
type arrival struct {
	announcement
	at time.Time
}

// start finds the nodes and subscribes to their announcements; without
// --wait it does nothing.
func (w *waitFlags) start(ctx context.Context, nc *nats.Conn) (*nodeWait, error) {
	nw := &nodeWait{flags: w}
	if !w.on {
		return nw, nil
	}
	nw.ch = make(chan arrival, 1024)
	var err error
	nw.sub, err = nc.Subscribe(appliedSubject, func(msg *nats.Msg) {
		a := arrival{at: time.Now()}
		if json.Unmarshal(msg.Data, &a.announcement) == nil {
			select {
			case nw.ch <- a:
			default: // a slow reader misses some; later ones carry the same news
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("--wait: %w", err)
	}
	if err := nc.Flush(); err != nil {
		return nil, fmt.Errorf("--wait: %w", err)
	}
	if nw.nodes, err = gatherNodes(ctx, nc, 150*time.Millisecond, 2*time.Second); err != nil {
		return nil, err
	}
	return nw, nil
}

func (nw *nodeWait) stop() {
	if nw.sub != nil {
		nw.sub.Unsubscribe()
	}
}

// report waits until every node applied res, and prints each node's
// delay from the append's acknowledgement and what it serves of fn.
func (nw *nodeWait) report(cmd *cobra.Command, res appended, fn string) error {
	if !nw.flags.on {
		return nil
	}
	seq, out := res.Seq, cmd.OutOrStdout()
	pending := map[string]bool{}
	for _, a := range nw.nodes {
		if a.Applied >= seq {
			fmt.Fprintf(out, "node %s: applied before the append was acknowledged: %s\n", a.NodeID, servedWords(a, fn))
			continue
		}
		pending[a.NodeID] = true
	}
	timeout := time.After(nw.flags.timeout)
	for len(pending) > 0 {
		select {
		case a := <-nw.ch:
			if !pending[a.NodeID] || a.Applied < seq {
				continue
			}
			delete(pending, a.NodeID)
			delay := max(a.at.Sub(res.At), 0)
			fmt.Fprintf(out, "node %s: applied seq %d %s after the acknowledgement: %s\n", a.NodeID, seq, delay.Round(10*time.Microsecond), servedWords(a.announcement, fn))
		case <-timeout:
			return fmt.Errorf("--wait: after %s, %d node(s) had not applied seq %d: %s", nw.flags.timeout, len(pending), seq,
				strings.Join(slices.Sorted(maps.Keys(pending)), ", "))
		case <-cmd.Context().Done():
			return cmd.Context().Err()
		}
	}
	return nil
}

// servedWords says what a node serves of fn, or why not.
func servedWords(a announcement, fn string) string {
	s, ok := a.Served[fn]
	if !ok {
		for key, reason := range a.Failed {
			if strings.HasPrefix(key, fn+"@") {
				return fmt.Sprintf("not serving %s (%s failed: %s)", fn, key, reason)
			}
		}
		return "not serving " + fn
	}
	return describeServed(s)
}

// describeServed is e.g. "v1 80% / v2 20%" or "paused (v1)".
func describeServed(s projector.Served) string {
	var shares []string
	for _, v := range s.Versions {
		if s.Paused {
			shares = append(shares, fmt.Sprintf("v%d", v.Version))
		} else {
			shares = append(shares, fmt.Sprintf("v%d %d%%", v.Version, v.Percent))
		}
	}
	if s.Paused {
		return "paused (" + strings.Join(shares, ", ") + ")"
	}
	return "serving " + strings.Join(shares, " / ")
}
