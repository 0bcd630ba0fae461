package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/cli/node"
)

// nodesFailure fails with exit status 1 exactly when a node diverged or
// reports a split view (which verdicts say so: node.TestJudgeNodes).
func TestNodesFailure(t *testing.T) {
	nodes := []node.Announcement{{NodeID: "e1"}, {NodeID: "h1"}}
	for _, tc := range []struct {
		name     string
		verdicts []node.Verdict
		bad      bool
	}{
		{"InSync", []node.Verdict{{Verdict: "in sync"}, {Verdict: "in sync"}}, false},
		{"Diverged", []node.Verdict{{Diverged: true}, {}}, true},
		{"SplitView", []node.Verdict{{}, {SplitView: true}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := nodesFailure(nodes, tc.verdicts)
			var coded *exitError
			if tc.bad != (err != nil) || err != nil && (!errors.As(err, &coded) || coded.code != 1) {
				t.Errorf("nodesFailure = %v, want failure %v", err, tc.bad)
			}
		})
	}
}

func TestPrintNodes(t *testing.T) {
	nodes := []node.Announcement{
		{NodeID: "e1", Role: node.RoleEdge, Applied: 7, StateHash: strings.Repeat("ab", 32), Link: "disconnected"},
		{NodeID: "h1", Role: node.RoleHub, Applied: 10, Head: 10, StateHash: strings.Repeat("cd", 32), Checkpoint: &node.CheckpointInfo{Size: 10}},
	}
	var out bytes.Buffer
	printNodes(&out, nodes, node.JudgeNodes(nodes, nil))
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
