package projector

import (
	"errors"
	"fmt"

	"github.com/vault-runtime/vault/ledger"
)

var errReplayDone = errors.New("replay done")

// Replay folds records from genesis up to and including seq to (0: all)
// into a fresh state, under the same rules as a live node: a record that
// fails validation is remembered as rejected, and a second copy of an
// event counts as a replay. It fails only if records are missing or out
// of order, or the iterator fails.
func Replay(records RecordIter, to uint64) (*State, error) {
	st := NewState()
	first := map[string]uint64{}
	err := records(func(r ledger.Record) error {
		if to != 0 && r.Seq > to {
			return errReplayDone
		}
		if r.Seq != st.Seq+1 {
			return fmt.Errorf("replay: record %d follows %d: records are missing or out of order", r.Seq, st.Seq)
		}
		if seq, dup := first[r.ID]; dup {
			FoldReplay(st, r.Seq, r.ID, seq)
			return nil
		}
		first[r.ID] = r.Seq
		FoldWith(st, r.Seq, r.ID, r.Envelope, nil) // a rejection is part of the state
		return nil
	})
	if err != nil && !errors.Is(err, errReplayDone) {
		return nil, err
	}
	if to != 0 && st.Seq < to {
		return nil, fmt.Errorf("replay: the ledger ends at seq %d, before %d", st.Seq, to)
	}
	return st, nil
}
