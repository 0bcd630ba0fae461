package node

import (
	"fmt"
	"slices"
	"strings"
)

// Verdict is what `vault nodes` concludes about one node.
type Verdict struct {
	// Lag is how many records the node's applied seq is behind the
	// highest head among the hubs.
	Lag     uint64 `json:"lag"`
	Verdict string `json:"verdict"`
	// Verified says the node's state hash was compared with a hub's at
	// the same seq.
	Verified  bool `json:"verified"`
	Diverged  bool `json:"diverged,omitempty"`
	SplitView bool `json:"splitView,omitempty"`
}

// isHub says a is authoritative: a hub, or a node older than roles
// (which held its own ledger).
func isHub(role string) bool { return role == RoleHub || role == "" }

// SeqsToVerify are the applied seqs of nodes that no other hub announced
// a state hash at: `vault nodes` asks every node for its hash there.
func SeqsToVerify(nodes []Announcement) []uint64 {
	var seqs []uint64
	for _, x := range nodes {
		if x.StateHash == "" || slices.Contains(seqs, x.Applied) {
			continue
		}
		if !slices.ContainsFunc(nodes, func(h Announcement) bool {
			return h.NodeID != x.NodeID && isHub(h.Role) && h.Applied == x.Applied && h.StateHash != ""
		}) {
			seqs = append(seqs, x.Applied)
		}
	}
	slices.Sort(seqs)
	return seqs
}

// JudgeNodes gives each node (in order) its lag and verdict, from the
// announcements and the answers to hash requests (SeqsToVerify).
func JudgeNodes(nodes []Announcement, answers []HashAnswer) []Verdict {
	var refHead uint64
	hubs := slices.ContainsFunc(nodes, func(a Announcement) bool { return isHub(a.Role) })
	for _, a := range nodes {
		if isHub(a.Role) || !hubs {
			refHead = max(refHead, a.Head, a.Applied)
		}
	}
	out := make([]Verdict, len(nodes))
	for i, x := range nodes {
		v := &out[i]
		if refHead > x.Applied {
			v.Lag = refHead - x.Applied
		}
		var problems []string
		if x.StateHash != "" {
			for _, ref := range hubHashes(nodes, answers, x) {
				v.Verified = true
				if ref.hash != x.StateHash && !v.Diverged {
					v.Diverged = true
					problems = append(problems, fmt.Sprintf("DIVERGED (hub %s has %s at seq %d)", ref.hub, ShortHash(ref.hash), x.Applied))
				}
			}
		}
		if len(x.Diverged) > 0 {
			v.Diverged = true
			problems = append(problems, x.Diverged...)
		}
		if len(x.SplitViews) > 0 {
			v.SplitView = true
			problems = append(problems, "SPLIT VIEW: "+strings.Join(x.SplitViews, "; "))
		}
		if len(problems) > 0 {
			v.Verdict = strings.Join(problems, "; ")
			continue
		}
		var words []string
		if v.Lag > 0 {
			words = append(words, fmt.Sprintf("behind %d", v.Lag))
		}
		if !v.Verified && !isHub(x.Role) {
			words = append(words, "unverified")
		}
		if len(words) == 0 {
			words = append(words, "in sync")
		}
		v.Verdict = strings.Join(words, ", ")
	}
	return out
}

// hubHashes are the state hashes other hubs have at x's applied seq:
// from their announcements when they applied the same seq, else from
// their answers to a hash request; one per hub, sorted by hub.
func hubHashes(nodes []Announcement, answers []HashAnswer, x Announcement) []hubClaim {
	byHub := map[string]string{}
	for _, h := range nodes {
		if h.NodeID != x.NodeID && isHub(h.Role) && h.Applied == x.Applied && h.StateHash != "" {
			byHub[h.NodeID] = h.StateHash
		}
	}
	for _, a := range answers {
		if _, ok := byHub[a.NodeID]; !ok && a.NodeID != x.NodeID && isHub(a.Role) && a.Seq == x.Applied && a.Known {
			byHub[a.NodeID] = a.Hash
		}
	}
	out := make([]hubClaim, 0, len(byHub))
	for hub, hash := range byHub {
		out = append(out, hubClaim{hub: hub, hash: hash})
	}
	slices.SortFunc(out, func(a, b hubClaim) int { return strings.Compare(a.hub, b.hub) })
	return out
}
