package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
	"github.com/vault-runtime/vault/projector/fold"
)

// Nodes announce what they serve: after every publication on
// appliedSubject, and on request on nodesSubject, which every node
// answers (scatter-gather), so a client finds all nodes on its NATS; the
// subjects cross leaf-node links, so hubs and edges hear each other.
// nodeHashSubject asks every node for its state hash at one seq.
const (
	nodesSubject    = "vault.api.nodes"
	nodeHashSubject = "vault.api.nodes.hash"
	appliedSubject  = "vault.nodes.applied"
)

// Node roles: hubs hold the authoritative ledger, edges a mirror of it.
const (
	roleHub  = "hub"
	roleEdge = "edge"
)

// announcement is one node's account of what it applied and serves.
type announcement struct {
	NodeID string `json:"nodeId"`
	// Role is "hub" or "edge"; empty from nodes older than roles.
	Role    string `json:"role,omitempty"`
	Ledger  string `json:"ledger"`
	Applied uint64 `json:"applied"`
	// Head is the last record the node's stream (hub) or mirror (edge)
	// holds; Applied catches up with it.
	Head uint64 `json:"head,omitempty"`
	// StateHash is fold.State.Hash of the state at Applied.
	StateHash  string                 `json:"stateHash,omitempty"`
	Checkpoint *checkpointInfo        `json:"checkpoint,omitempty"`
	Served     map[string]fold.Served `json:"served"`
	Failed     map[string]string      `json:"failed,omitempty"`
	// Link is an edge's connection to its hub: "connected" or
	// "disconnected"; empty for hubs.
	Link string `json:"link,omitempty"`
	// SplitViews are alerts of a ledger that shows different histories to
	// different nodes; Diverged are this node's own findings that its
	// state differs from a hub's at the same seq. Both are normally empty.
	SplitViews []string  `json:"splitViews,omitempty"`
	Diverged   []string  `json:"divergence,omitempty"`
	Time       time.Time `json:"time"`
}

// checkpointInfo is the latest verified checkpoint a node holds.
type checkpointInfo struct {
	Size uint64 `json:"size"`
	Root string `json:"root"` // standard base64, as in the note
	Note []byte `json:"note"` // the signed note, verbatim
}

func announce(id string, snap *fold.Snapshot) announcement {
	return announcement{NodeID: id, Ledger: snap.State.Ledger, Applied: snap.State.Seq, Served: snap.Served,
		Failed: snap.Failed, Time: time.Now().UTC()}
}

// parseCheckpointNote reads the size and root of a signed checkpoint
// note (the text before the blank line that precedes the signatures).
func parseCheckpointNote(note []byte) (*checkpointInfo, error) {
	i := bytes.LastIndex(note, []byte("\n\n"))
	if i < 0 {
		return nil, errors.New("parse checkpoint note: no signature block")
	}
	c, err := ledger.ParseCheckpoint(string(note[:i+1]))
	if err != nil {
		return nil, fmt.Errorf("parse checkpoint note: %w", err)
	}
	return &checkpointInfo{Size: c.Size, Root: base64.StdEncoding.EncodeToString(c.Root[:]), Note: note}, nil
}

// announcer passes each snapshot on to the edge, then tells the world,
// remembers the snapshot's state hash (see seqRing) and checks it
// against what hubs announce (see check).
type announcer struct {
	projector.Publisher
	id  string
	nc  *nats.Conn
	log *slog.Logger
	// Optional, set by the node's wiring; a nil func leaves its field
	// of the announcement empty.
	role       string          // roleHub or roleEdge
	head       func() uint64   // the local stream's or mirror's last seq
	checkpoint func() []byte   // the latest verified checkpoint note, or nil
	link       func() string   // an edge's link to its hub
	alerts     func() []string // split-view alerts
	// observe takes the checkpoints other nodes announce (note, node ID).
	observe func(note []byte, source string)

	mu       sync.Mutex
	last     *announcement      // of the latest snapshot published
	hashes   *seqRing[string]   // this node's state hash by seq
	claims   *seqRing[hubClaim] // hubs' state hashes by seq
	diverged map[string]string  // hub ID → the first divergence from it
	// waiting is the newest snapshot not announced yet; announcing is
	// set while a goroutine announces (announceWaiting).
	waiting    *fold.Snapshot
	announcing bool
}

// Publish passes snap on to the edge, then announces it. Hashing the
// state costs milliseconds on a large ledger, so it happens off the
// projector's loop: one announcing goroutine at a time takes the newest
// snapshot waiting, and a catching-up node announces only some of its
// batches.
func (a *announcer) Publish(snap *fold.Snapshot) {
	if a.Publisher != nil {
		a.Publisher.Publish(snap)
	}
	a.mu.Lock()
	a.waiting = snap
	start := !a.announcing
	a.announcing = true
	a.mu.Unlock()
	if start {
		go a.announceWaiting()
	}
}

// burstGap spaces announcements while snapshots come faster than they
// are announced (a node catching up): each one hashes the whole state,
// CPU the projector needs more.
const burstGap = 20 * time.Millisecond

// announceWaiting announces waiting snapshots until there is none; one
// that arrived while another was announced waits burstGap.
func (a *announcer) announceWaiting() {
	for first := true; ; first = false {
		a.mu.Lock()
		if a.waiting == nil {
			a.announcing = false
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
		if !first {
			time.Sleep(burstGap)
		}
		a.mu.Lock()
		snap := a.waiting
		a.waiting = nil
		a.mu.Unlock()
		a.announce(snap)
	}
}

func (a *announcer) announce(snap *fold.Snapshot) {
	ann := announce(a.id, snap)
	ann.StateHash = snap.State.Hash()
	a.remember(ann)
	data, err := json.Marshal(a.complete(ann))
	if err == nil {
		err = a.nc.Publish(appliedSubject, data)
	}
	if err != nil {
		a.log.Warn("announce applied state", "seq", snap.State.Seq, "err", err)
	}
}

// remember keeps ann as the latest announcement unless a newer one is
// already kept, and records its state hash.
func (a *announcer) remember(ann announcement) {
	a.mu.Lock()
	if a.last == nil || ann.Applied >= a.last.Applied {
		a.last = &ann
	}
	a.mu.Unlock()
	a.recordHash(ann.Applied, ann.StateHash)
}

// current is the latest announcement; before the first publication, it
// is made afresh from the projector's snapshot.
func (a *announcer) current(snapshot func() *fold.Snapshot) announcement {
	a.mu.Lock()
	last := a.last
	a.mu.Unlock()
	if last != nil {
		return a.complete(*last)
	}
	snap := snapshot()
	ann := announce(a.id, snap)
	ann.StateHash = snap.State.Hash()
	return a.complete(ann)
}

// complete adds what changes without a new snapshot: role, head,
// checkpoint, link, alerts and the time.
func (a *announcer) complete(ann announcement) announcement {
	ann.Role, ann.Time = a.role, time.Now().UTC()
	if a.head != nil {
		ann.Head = a.head()
	}
	if a.checkpoint != nil {
		if note := a.checkpoint(); note != nil {
			cp, err := parseCheckpointNote(note)
			if err != nil {
				a.log.Warn("announce checkpoint", "err", err)
			}
			ann.Checkpoint = cp
		}
	}
	if a.link != nil {
		ann.Link = a.link()
	}
	if a.alerts != nil {
		ann.SplitViews = a.alerts()
	}
	ann.Diverged = a.divergence()
	return ann
}

// serve answers nodesSubject with the current announcement and
// nodeHashSubject from the ring of state hashes, and follows other
// nodes' announcements to notice divergence. The caller drains the
// subscriptions.
func (a *announcer) serve(snapshot func() *fold.Snapshot) ([]*nats.Subscription, error) {
	var subs []*nats.Subscription
	handlers := []struct {
		subject string
		handle  nats.MsgHandler
	}{
		{nodesSubject, func(msg *nats.Msg) {
			data, _ := json.Marshal(a.current(snapshot))
			msg.Respond(data)
		}},
		{nodeHashSubject, a.answerHash},
		{appliedSubject, a.heard},
	}
	for _, h := range handlers {
		sub, err := a.nc.Subscribe(h.subject, h.handle)
		if err != nil {
			for _, s := range subs {
				s.Unsubscribe()
			}
			return nil, fmt.Errorf("serve node announcements: subscribe %s: %w", h.subject, err)
		}
		subs = append(subs, sub)
	}
	return subs, nil
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
