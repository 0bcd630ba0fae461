package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
	"github.com/vault-runtime/vault/projector/fold"
)

func announce(id string, snap *fold.Snapshot) Announcement {
	return Announcement{NodeID: id, Ledger: snap.State.Ledger, Applied: snap.State.Seq, Served: snap.Served,
		Failed: snap.Failed, Time: time.Now().UTC()}
}

// parseCheckpointNote reads the size and root of a signed checkpoint
// note (the text before the blank line that precedes the signatures).
func parseCheckpointNote(note []byte) (*CheckpointInfo, error) {
	i := bytes.LastIndex(note, []byte("\n\n"))
	if i < 0 {
		return nil, errors.New("parse checkpoint note: no signature block")
	}
	c, err := ledger.ParseCheckpoint(string(note[:i+1]))
	if err != nil {
		return nil, fmt.Errorf("parse checkpoint note: %w", err)
	}
	return &CheckpointInfo{Size: c.Size, Root: base64.StdEncoding.EncodeToString(c.Root[:]), Note: note}, nil
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
	// of the Announcement empty.
	role       string          // roleHub or roleEdge
	head       func() uint64   // the local stream's or mirror's last seq
	checkpoint func() []byte   // the latest verified checkpoint note, or nil
	link       func() string   // an edge's link to its hub
	alerts     func() []string // split-view alerts
	// observe takes the checkpoints other nodes announce (note, node ID).
	observe func(note []byte, source string)

	mu       sync.Mutex
	last     *Announcement      // of the latest snapshot published
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
		err = a.nc.Publish(AppliedSubject, data)
	}
	if err != nil {
		a.log.Warn("announce applied state", "seq", snap.State.Seq, "err", err)
	}
}

// remember keeps ann as the latest Announcement unless a newer one is
// already kept, and records its state hash.
func (a *announcer) remember(ann Announcement) {
	a.mu.Lock()
	if a.last == nil || ann.Applied >= a.last.Applied {
		a.last = &ann
	}
	a.mu.Unlock()
	a.recordHash(ann.Applied, ann.StateHash)
}

// current is the latest Announcement; before the first publication, it
// is made afresh from the projector's snapshot.
func (a *announcer) current(snapshot func() *fold.Snapshot) Announcement {
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
func (a *announcer) complete(ann Announcement) Announcement {
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

// serve answers NodesSubject with the current Announcement and
// NodeHashSubject from the ring of state hashes, and follows other
// nodes' announcements to notice divergence. The caller drains the
// subscriptions.
func (a *announcer) serve(snapshot func() *fold.Snapshot) ([]*nats.Subscription, error) {
	var subs []*nats.Subscription
	handlers := []struct {
		subject string
		handle  nats.MsgHandler
	}{
		{NodesSubject, func(msg *nats.Msg) {
			data, _ := json.Marshal(a.current(snapshot))
			msg.Respond(data)
		}},
		{NodeHashSubject, a.answerHash},
		{AppliedSubject, a.heard},
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
