package node

import (
	"slices"
	"testing"
)

func TestJudgeNodes(t *testing.T) {
	const (
		h1 = "1111111111111111aaaa"
		h2 = "2222222222222222bbbb"
	)
	hub := func(id string, applied, head uint64, hash string) Announcement {
		return Announcement{NodeID: id, Role: RoleHub, Applied: applied, Head: head, StateHash: hash}
	}
	edge := func(id string, applied uint64, hash string) Announcement {
		return Announcement{NodeID: id, Role: RoleEdge, Applied: applied, Head: applied, StateHash: hash, Link: "connected"}
	}
	for _, tc := range []struct {
		name    string
		nodes   []Announcement
		answers []HashAnswer
		want    []string // verdicts, in node order
		lags    []uint64
		bad     bool
	}{
		{
			name:  "InSync",
			nodes: []Announcement{edge("e1", 10, h1), hub("h1", 10, 10, h1)},
			want:  []string{"in sync", "in sync"}, lags: []uint64{0, 0},
		},
		{
			name:    "Behind",
			nodes:   []Announcement{edge("e1", 7, h2), hub("h1", 10, 10, h1)},
			answers: []HashAnswer{{NodeID: "h1", Role: RoleHub, Seq: 7, Hash: h2, Known: true}},
			want:    []string{"behind 3", "in sync"}, lags: []uint64{3, 0},
		},
		{
			name:  "BehindTheHubsHead",
			nodes: []Announcement{edge("e1", 10, h1), hub("h1", 10, 12, h1)},
			want:  []string{"behind 2", "behind 2"}, lags: []uint64{2, 2},
		},
		{
			name:  "DivergedAtEqualSeq",
			nodes: []Announcement{edge("e1", 10, h2), hub("h1", 10, 10, h1)},
			want:  []string{"DIVERGED (hub h1 has 111111111111 at seq 10)", "in sync"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name:    "DivergedViaHashQuery",
			nodes:   []Announcement{edge("e1", 7, h2), hub("h1", 10, 10, h1)},
			answers: []HashAnswer{{NodeID: "h1", Role: RoleHub, Seq: 7, Hash: h1, Known: true}, {NodeID: "e1", Role: RoleEdge, Seq: 7, Hash: h2, Known: true}},
			want:    []string{"DIVERGED (hub h1 has 111111111111 at seq 7)", "in sync"}, lags: []uint64{3, 0},
			bad: true,
		},
		{
			name:    "Unverified",
			nodes:   []Announcement{edge("e1", 10, h1), hub("h1", 12, 12, h2)},
			answers: []HashAnswer{{NodeID: "h1", Role: RoleHub, Seq: 10, Known: false}},
			want:    []string{"behind 2, unverified", "in sync"}, lags: []uint64{2, 0},
		},
		{
			name:  "UnverifiedInSync",
			nodes: []Announcement{edge("e1", 10, h1), hub("h1", 10, 10, "")},
			want:  []string{"unverified", "in sync"}, lags: []uint64{0, 0},
		},
		{
			name: "SplitView",
			nodes: []Announcement{func() Announcement {
				a := edge("e1", 10, h1)
				a.SplitViews = []string{"checkpoint 10 from h1 is not consistent with 8 from h2"}
				return a
			}(), hub("h1", 10, 10, h1)},
			want: []string{"SPLIT VIEW: checkpoint 10 from h1 is not consistent with 8 from h2", "in sync"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name: "SelfReportedDivergence",
			nodes: []Announcement{func() Announcement {
				a := edge("e1", 10, h1)
				a.Diverged = []string{"DIVERGED: hub h1 has state hash 222222222222 at seq 9, this node has 333333333333"}
				return a
			}(), hub("h1", 10, 10, h1)},
			want: []string{"DIVERGED: hub h1 has state hash 222222222222 at seq 9, this node has 333333333333", "in sync"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name:  "HubsDisagree",
			nodes: []Announcement{hub("h1", 10, 10, h1), hub("h2", 10, 10, h2)},
			want:  []string{"DIVERGED (hub h2 has 222222222222 at seq 10)", "DIVERGED (hub h1 has 111111111111 at seq 10)"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name:    "HubBehindHub",
			nodes:   []Announcement{hub("h1", 8, 8, h2), hub("h2", 10, 10, h1)},
			answers: []HashAnswer{{NodeID: "h2", Role: RoleHub, Seq: 8, Hash: h2, Known: true}, {NodeID: "h1", Role: RoleHub, Seq: 10, Known: false}},
			want:    []string{"behind 2", "in sync"}, lags: []uint64{2, 0},
		},
		{
			name:  "OnlyEdgesAnswer",
			nodes: []Announcement{edge("e1", 10, h1), edge("e2", 8, h1)},
			want:  []string{"unverified", "behind 2, unverified"}, lags: []uint64{0, 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := JudgeNodes(tc.nodes, tc.answers)
			var verdicts []string
			var lags []uint64
			for _, v := range got {
				verdicts, lags = append(verdicts, v.Verdict), append(lags, v.Lag)
			}
			if !slices.Equal(verdicts, tc.want) || !slices.Equal(lags, tc.lags) {
				t.Errorf("verdicts %q lags %v, want %q lags %v", verdicts, lags, tc.want, tc.lags)
			}
			// vault nodes fails (nodesFailure) exactly when one is bad.
			bad := slices.ContainsFunc(got, func(v Verdict) bool { return v.Diverged || v.SplitView })
			if tc.bad != bad {
				t.Errorf("diverged or split view = %v, want failure %v", bad, tc.bad)
			}
		})
	}
}

func TestSeqsToVerify(t *testing.T) {
	nodes := []Announcement{
		{NodeID: "e1", Role: RoleEdge, Applied: 7, StateHash: "a"},
		{NodeID: "e2", Role: RoleEdge, Applied: 10, StateHash: "a"},
		{NodeID: "e3", Role: RoleEdge, Applied: 7, StateHash: "a"},
		{NodeID: "e4", Role: RoleEdge, Applied: 3},
		{NodeID: "h1", Role: RoleHub, Applied: 10, StateHash: "a"},
		{NodeID: "h2", Role: RoleHub, Applied: 12, StateHash: "a"},
	}
	if got := SeqsToVerify(nodes); !slices.Equal(got, []uint64{7, 10, 12}) {
		t.Errorf("seqsToVerify = %v, want [7 10 12]", got)
	}
}
