package cli

import (
	"strings"
	"testing"

	"github.com/vault-runtime/vault/projector/fold"
)

// TestServingFailureIsNeverEmpty (issue 23, fix 6: "could not serve it: "
// was printed with nothing after it): the version's own failure; a split's
// other version's failure; and, with none recorded, what is served.
func TestServingFailureIsNeverEmpty(t *testing.T) {
	snap := &fold.Snapshot{Failed: map[string]string{}, Served: map[string]fold.Served{}}
	snap.Failed[fold.FailKey("s1", 4, 30)] = "compile error at index.ts:1:1"
	if got := servingFailure(snap, "s1", 4, 30); got != "compile error at index.ts:1:1" {
		t.Errorf("own failure: %q", got)
	}
	delete(snap.Failed, fold.FailKey("s1", 4, 30))
	snap.Failed[fold.FailKey("s1", 3, 30)] = "image not unpacked"
	if got := servingFailure(snap, "s1", 4, 30); !strings.Contains(got, "s1@v3") || !strings.Contains(got, "image not unpacked") {
		t.Errorf("the split's other version: %q", got)
	}
	delete(snap.Failed, fold.FailKey("s1", 3, 30))
	snap.Served["s1"] = fold.Served{Function: "s1", ActivatedSeq: 20, Versions: []fold.ServedVersion{{Version: 3, Percent: 100}}}
	if got := servingFailure(snap, "s1", 4, 30); !strings.Contains(got, "it still serves v3 100% (activated at seq 20)") {
		t.Errorf("nothing recorded: %q", got)
	}
	if got := servingFailure(&fold.Snapshot{}, "s2", 1, 5); got == "" {
		t.Error("empty reason for a function served nowhere")
	}
}
