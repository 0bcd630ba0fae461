package cli

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestJudgeNodes(t *testing.T) {
	const (
		h1 = "1111111111111111aaaa"
		h2 = "2222222222222222bbbb"
	)
	hub := func(id string, applied, head uint64, hash string) announcement {
		return announcement{NodeID: id, Role: roleHub, Applied: applied, Head: head, StateHash: hash}
	}
	edge := func(id string, applied uint64, hash string) announcement {
		return announcement{NodeID: id, Role: roleEdge, Applied: applied, Head: applied, StateHash: hash, Link: "connected"}
	}
	for _, tc := range []struct {
		name    string
		nodes   []announcement
		answers []hashAnswer
		want    []string // verdicts, in node order
		lags    []uint64
		bad     bool
	}{
		{
			name:  "InSync",
			nodes: []announcement{edge("e1", 10, h1), hub("h1", 10, 10, h1)},
			want:  []string{"in sync", "in sync"}, lags: []uint64{0, 0},
		},
		{
			name:    "Behind",
			nodes:   []announcement{edge("e1", 7, h2), hub("h1", 10, 10, h1)},
			answers: []hashAnswer{{NodeID: "h1", Role: roleHub, Seq: 7, Hash: h2, Known: true}},
			want:    []string{"behind 3", "in sync"}, lags: []uint64{3, 0},
		},
		{
			name:  "BehindTheHubsHead",
			nodes: []announcement{edge("e1", 10, h1), hub("h1", 10, 12, h1)},
			want:  []string{"behind 2", "behind 2"}, lags: []uint64{2, 2},
		},
		{
			name:  "DivergedAtEqualSeq",
			nodes: []announcement{edge("e1", 10, h2), hub("h1", 10, 10, h1)},
			want:  []string{"DIVERGED (hub h1 has 111111111111 at seq 10)", "in sync"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name:    "DivergedViaHashQuery",
			nodes:   []announcement{edge("e1", 7, h2), hub("h1", 10, 10, h1)},
			answers: []hashAnswer{{NodeID: "h1", Role: roleHub, Seq: 7, Hash: h1, Known: true}, {NodeID: "e1", Role: roleEdge, Seq: 7, Hash: h2, Known: true}},
			want:    []string{"DIVERGED (hub h1 has 111111111111 at seq 7)", "in sync"}, lags: []uint64{3, 0},
			bad: true,
		},
		{
			name:    "Unverified",
			nodes:   []announcement{edge("e1", 10, h1), hub("h1", 12, 12, h2)},
			answers: []hashAnswer{{NodeID: "h1", Role: roleHub, Seq: 10, Known: false}},
			want:    []string{"behind 2, unverified", "in sync"}, lags: []uint64{2, 0},
		},
		{
			name:  "UnverifiedInSync",
			nodes: []announcement{edge("e1", 10, h1), hub("h1", 10, 10, "")},
			want:  []string{"unverified", "in sync"}, lags: []uint64{0, 0},
		},
		{
			name: "SplitView",
			nodes: []announcement{func() announcement {
				a := edge("e1", 10, h1)
				a.SplitViews = []string{"checkpoint 10 from h1 is not consistent with 8 from h2"}
				return a
			}(), hub("h1", 10, 10, h1)},
			want: []string{"SPLIT VIEW: checkpoint 10 from h1 is not consistent with 8 from h2", "in sync"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name: "SelfReportedDivergence",
			nodes: []announcement{func() announcement {
				a := edge("e1", 10, h1)
				a.Diverged = []string{"DIVERGED: hub h1 has state hash 222222222222 at seq 9, this node has 333333333333"}
				return a
			}(), hub("h1", 10, 10, h1)},
			want: []string{"DIVERGED: hub h1 has state hash 222222222222 at seq 9, this node has 333333333333", "in sync"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name:  "HubsDisagree",
			nodes: []announcement{hub("h1", 10, 10, h1), hub("h2", 10, 10, h2)},
			want:  []string{"DIVERGED (hub h2 has 222222222222 at seq 10)", "DIVERGED (hub h1 has 111111111111 at seq 10)"}, lags: []uint64{0, 0},
			bad: true,
		},
		{
			name:    "HubBehindHub",
			nodes:   []announcement{hub("h1", 8, 8, h2), hub("h2", 10, 10, h1)},
			answers: []hashAnswer{{NodeID: "h2", Role: roleHub, Seq: 8, Hash: h2, Known: true}, {NodeID: "h1", Role: roleHub, Seq: 10, Known: false}},
			want:    []string{"behind 2", "in sync"}, lags: []uint64{2, 0},
		},
		{
			name:  "OnlyEdgesAnswer",
			nodes: []announcement{edge("e1", 10, h1), edge("e2", 8, h1)},
			want:  []string{"unverified", "behind 2, unverified"}, lags: []uint64{0, 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeNodes(tc.nodes, tc.answers)
			var verdicts []string
			var lags []uint64
			for _, v := range got {
				verdicts, lags = append(verdicts, v.Verdict), append(lags, v.Lag)
			}
			if !slices.Equal(verdicts, tc.want) || !slices.Equal(lags, tc.lags) {
				t.Errorf("verdicts %q lags %v, want %q lags %v", verdicts, lags, tc.want, tc.lags)
			}
			err := nodesFailure(tc.nodes, got)
			var coded *exitError
			if tc.bad != (err != nil) || err != nil && (!errors.As(err, &coded) || coded.code != 1) {
				t.Errorf("nodesFailure = %v, want failure %v", err, tc.bad)
			}
		})
	}
}

func TestSeqsToVerify(t *testing.T) {
	nodes := []announcement{
		{NodeID: "e1", Role: roleEdge, Applied: 7, StateHash: "a"},
		{NodeID: "e2", Role: roleEdge, Applied: 10, StateHash: "a"},
		{NodeID: "e3", Role: roleEdge, Applied: 7, StateHash: "a"},
		{NodeID: "e4", Role: roleEdge, Applied: 3},
		{NodeID: "h1", Role: roleHub, Applied: 10, StateHash: "a"},
		{NodeID: "h2", Role: roleHub, Applied: 12, StateHash: "a"},
	}
	if got := seqsToVerify(nodes); !slices.Equal(got, []uint64{7, 10, 12}) {
		t.Errorf("seqsToVerify = %v, want [7 10 12]", got)
	}
}

func TestPrintNodes(t *testing.T) {
	nodes := []announcement{
		{NodeID: "e1", Role: roleEdge, Applied: 7, StateHash: strings.Repeat("ab", 32), Link: "disconnected"},
		{NodeID: "h1", Role: roleHub, Applied: 10, Head: 10, StateHash: strings.Repeat("cd", 32), Checkpoint: &checkpointInfo{Size: 10}},
	}
	var out bytes.Buffer
	printNodes(&out, nodes, judgeNodes(nodes, nil))
	want := "NODE  ROLE  APPLIED  LAG  STATE HASH    CHECKPOINT  LINK          VERDICT\n" +
		"e1    edge  7        3    abababababab  -           disconnected  behind 3, unverified\n" +
		"h1    hub   10       0    cdcdcdcdcdcd  10          -             in sync\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrintDelaySummary(t *testing.T) {
	var out bytes.Buffer
	printDelaySummary(&out, 42, []time.Duration{3 * time.Millisecond, 0, time.Millisecond})
	if want := "3 nodes applied seq 42: max delay 3ms, p50 1ms\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
