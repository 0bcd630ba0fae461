package projector

import (
	"errors"
	"fmt"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

var errReplayDone = errors.New("replay done")

// replayChunkSize is how many records a replay reads and verifies ahead
// of the fold at a time.
const replayChunkSize = 1024

// Replay folds records from genesis up to and including seq to (0: all)
// into a fresh state, under the same rules as a live node: a record that
// fails validation is remembered as rejected, and a second copy of an
// event counts as a replay. It fails only if records are missing or out
// of order, or the iterator fails.
//
// One goroutine reads the records in chunks and verifies each chunk's
// signatures on every CPU (see sigPrefetch) while the caller's goroutine
// folds the chunk before, in order; the fold reads the verdicts, so the
// state is the one a fold of each record in turn gives.
func Replay(records RecordIter, to uint64) (*fold.State, error) {
	chunks := make(chan replayChunk, 1)
	go func() {
		defer close(chunks)
		readChunks(records, to, chunks)
	}()
	st := fold.NewState()
	first := map[string]uint64{}
	for c := range chunks {
		if c.err != nil {
			return nil, c.err // the reader stops after sending its error
		}
		for _, r := range c.records {
			if seq, dup := first[r.ID]; dup {
				fold.RejectReplay(st, r.Seq, r.ID, seq)
				continue
			}
			first[r.ID] = r.Seq
			fold.ApplyWith(st, r.Seq, r.ID, r.Envelope, c.check) // a rejection is part of the state
		}
	}
	if to != 0 && st.Seq < to {
		return nil, fmt.Errorf("replay: the ledger ends at seq %d, before %d", st.Seq, to)
	}
	return st, nil
}

// replayChunk is a run of records in order, and their signature verdicts;
// or, last, the error that ended the reading.
type replayChunk struct {
	records []ledger.Record
	check   fold.SigChecker
	err     error
}

// readChunks sends the records up to seq to (0: all) in chunks, then the
// error, if any, that a record-by-record replay would have met at that
// point: a missing or out-of-order record, or the iterator's.
func readChunks(records RecordIter, to uint64, out chan<- replayChunk) {
	prefetch := newSigPrefetch(0)
	var chunk []ledger.Record
	flush := func() {
		if len(chunk) > 0 {
			out <- replayChunk{records: chunk, check: prefetch.verify(chunk).check}
			chunk = nil
		}
	}
	last := uint64(0)
	err := records(func(r ledger.Record) error {
		if to != 0 && r.Seq > to {
			return errReplayDone
		}
		if r.Seq != last+1 {
			return fmt.Errorf("replay: record %d follows %d: records are missing or out of order", r.Seq, last)
		}
		last = r.Seq
		chunk = append(chunk, r)
		if len(chunk) == replayChunkSize {
			flush()
		}
		return nil
	})
	flush()
	if err != nil && !errors.Is(err, errReplayDone) {
		out <- replayChunk{err: err}
	}
}
