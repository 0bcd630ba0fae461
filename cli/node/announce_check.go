package node

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/nats-io/nats.go"
)

// hubClaim is a hub's announced state hash at some seq.
type hubClaim struct {
	hub, hash string
}

// answerHash answers a HashRequest from the ring.
func (a *announcer) answerHash(msg *nats.Msg) {
	var req HashRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil {
		a.log.Debug("bad node hash request", "err", err)
		return
	}
	ans := HashAnswer{NodeID: a.id, Role: a.role, Seq: req.Seq}
	ans.Hash, ans.Known = a.hashAt(req.Seq)
	data, _ := json.Marshal(ans)
	msg.Respond(data)
}

// hashAt is this node's state hash at seq, if it remembers it.
func (a *announcer) hashAt(seq uint64) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hashes == nil {
		return "", false
	}
	return a.hashes.at(seq)
}

// recordHash remembers this node's state hash at seq and compares it
// with a hub's announced hash at seq, if one was heard first (a hub
// usually applies a record before an edge's mirror has it).
func (a *announcer) recordHash(seq uint64, hash string) {
	a.mu.Lock()
	if a.hashes == nil {
		a.hashes = newSeqRing[string](hashRingSize)
	}
	a.hashes.add(seq, hash)
	var alert string
	if a.claims != nil {
		if c, ok := a.claims.at(seq); ok {
			alert = a.compareLocked(c, seq, hash)
		}
	}
	a.mu.Unlock()
	a.raise(alert)
}

// heard handles another node's Announcement: a hub's state hash is
// remembered and compared with this node's at the same seq. A seq this
// node does not remember is not compared.
func (a *announcer) heard(msg *nats.Msg) {
	var other Announcement
	if json.Unmarshal(msg.Data, &other) != nil || other.NodeID == a.id {
		return
	}
	// Every node's checkpoint goes to the split-view check: a log that
	// shows one node a view and another node a different one is caught
	// by whichever node hears both.
	if other.Checkpoint != nil && a.observe != nil {
		a.observe(other.Checkpoint.Note, other.NodeID)
	}
	if other.Role != RoleHub || other.StateHash == "" {
		return
	}
	a.mu.Lock()
	if a.claims == nil {
		a.claims = newSeqRing[hubClaim](hashRingSize)
	}
	claim := hubClaim{hub: other.NodeID, hash: other.StateHash}
	a.claims.add(other.Applied, claim)
	var alert string
	if a.hashes != nil {
		if mine, ok := a.hashes.at(other.Applied); ok {
			alert = a.compareLocked(claim, other.Applied, mine)
		}
	}
	a.mu.Unlock()
	a.raise(alert)
}

// compareLocked returns a new alert if mine differs from the hub's hash
// at seq; only the first divergence from each hub is kept (later states
// descend from it). The caller holds a.mu.
func (a *announcer) compareLocked(c hubClaim, seq uint64, mine string) string {
	if c.hash == mine || a.diverged[c.hub] != "" {
		return ""
	}
	alert := fmt.Sprintf("DIVERGED: hub %s has state hash %s at seq %d, this node has %s", c.hub, ShortHash(c.hash), seq, ShortHash(mine))
	if a.diverged == nil {
		a.diverged = map[string]string{}
	}
	a.diverged[c.hub] = alert
	return alert
}

func (a *announcer) raise(alert string) {
	if alert != "" {
		a.log.Error(alert)
	}
}

// divergence lists this node's divergence alerts, one per hub it
// diverged from, sorted; nil when its state agrees with every hub's.
func (a *announcer) divergence() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.diverged) == 0 {
		return nil
	}
	out := make([]string, 0, len(a.diverged))
	for _, hub := range slices.Sorted(maps.Keys(a.diverged)) {
		out = append(out, a.diverged[hub])
	}
	return out
}

// ShortHash is the first 12 hex digits of a state hash.
func ShortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// hashRingSize is how many applied sequences a node remembers the state
// hash of: enough to compare with a hub that is a few thousand records
// ahead or behind.
const hashRingSize = 4096

// seqRing remembers a value for each of the last size sequences added
// (the oldest is forgotten first), so a node can answer "what was your
// state hash at seq S". Sequences come from published snapshots, which
// may batch several records: a seq that was never published is unknown.
// It is not safe for concurrent use.
type seqRing[V any] struct {
	size  int
	seqs  []uint64 // circular once full; next is the oldest
	next  int
	bySeq map[uint64]V
}

func newSeqRing[V any](size int) *seqRing[V] {
	return &seqRing[V]{size: max(size, 1), bySeq: map[uint64]V{}}
}

// add remembers v for seq, replacing what seq had.
func (r *seqRing[V]) add(seq uint64, v V) {
	if _, ok := r.bySeq[seq]; ok {
		r.bySeq[seq] = v
		return
	}
	if len(r.seqs) < r.size {
		r.seqs = append(r.seqs, seq)
	} else {
		delete(r.bySeq, r.seqs[r.next])
		r.seqs[r.next] = seq
		r.next = (r.next + 1) % r.size
	}
	r.bySeq[seq] = v
}

// at returns what seq had, if it is still remembered.
func (r *seqRing[V]) at(seq uint64) (V, bool) {
	v, ok := r.bySeq[seq]
	return v, ok
}

func (r *seqRing[V]) len() int { return len(r.bySeq) }
