package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"golang.org/x/mod/sumdb/tlog"
)

// Keys the ledger owns in the node's pebble database.
var (
	idPrefix   = []byte("ledger/id/")   // + event ID → seq
	hashPrefix = []byte("ledger/hash/") // + stored hash index (8 bytes) → tlog.Hash
	indexedKey = []byte("ledger/indexed")
)

// index maps event IDs to sequences and keeps the RFC 6962 Merkle tree
// over the records (tlog's stored hashes), both in pebble. Records enter
// it strictly in sequence order; size is the number indexed.
type index struct {
	db   *pebble.DB
	size atomic.Uint64

	// mu serialises put: the sequencer's completer and the tail both
	// index, and whichever comes second skips what the first did.
	mu sync.Mutex
	// grown is closed and replaced whenever size grows (under mu).
	grown chan struct{}
}

func openIndex(db *pebble.DB) (*index, error) {
	x := &index{db: db, grown: make(chan struct{})}
	v, closer, err := db.Get(indexedKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return x, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index mark: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return nil, fmt.Errorf("read index mark: corrupt")
	}
	x.size.Store(binary.BigEndian.Uint64(v))
	return x, nil
}

// check reports whether the index can answer for every record it claims:
// the Merkle root over all of them must be computable. An index written
// by an older layout, or damaged, fails it.
func (x *index) check() error {
	if n := x.size.Load(); n > 0 {
		if _, err := x.treeHash(n); err != nil {
			return err
		}
	}
	return nil
}

// reset forgets everything indexed, so that it is rebuilt from the stream.
func (x *index) reset() error {
	b := x.db.NewBatch()
	defer b.Close()
	for _, prefix := range [][]byte{idPrefix, hashPrefix} {
		end := append([]byte(nil), prefix...)
		end[len(end)-1]++ // "ledger/id/" → "ledger/id0"
		if err := b.DeleteRange(prefix, end, nil); err != nil {
			return fmt.Errorf("reset index: %w", err)
		}
	}
	if err := b.Delete(indexedKey, nil); err != nil {
		return fmt.Errorf("reset index: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("reset index: %w", err)
	}
	x.size.Store(0)
	return nil
}

func idKey(id string) []byte {
	return append(append(make([]byte, 0, len(idPrefix)+len(id)), idPrefix...), id...)
}

func hashKey(i int64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, len(hashPrefix)+8), hashPrefix...), uint64(i))
}

func (x *index) lookup(id string) (uint64, bool, error) {
	v, closer, err := x.db.Get(idKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up event %s: %w", id, err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, false, fmt.Errorf("look up event %s: corrupt index entry", id)
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// put indexes records that must directly follow what is indexed, with
// their Merkle hashes, in one batch. Records already indexed are skipped:
// the stream holds one record per sequence, so they are the same ones.
func (x *index) put(recs ...Record) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for len(recs) > 0 && recs[0].Seq <= x.size.Load() {
		recs = recs[1:]
	}
	if len(recs) == 0 {
		return nil
	}
	b := x.db.NewBatch()
	defer b.Close()
	pending := map[int64]tlog.Hash{}
	pendingIDs := map[string]struct{}{}
	read := x.reader(pending)
	size := x.size.Load()
	for i, r := range recs {
		if r.Seq != size+uint64(i)+1 {
			return fmt.Errorf("index seq %d: expected seq %d next", r.Seq, size+uint64(i)+1)
		}
		hashes, err := tlog.StoredHashes(int64(r.Seq-1), r.Envelope, read)
		if err != nil {
			return fmt.Errorf("index seq %d: merkle hashes: %w", r.Seq, err)
		}
		base := tlog.StoredHashIndex(0, int64(r.Seq-1))
		for j, h := range hashes {
			pending[base+int64(j)] = h
			if err := b.Set(hashKey(base+int64(j)), h[:], nil); err != nil {
				return fmt.Errorf("index seq %d: %w", r.Seq, err)
			}
		}
		// An ID keeps the sequence it was first stored at: a later copy
		// (a replay published around the sequencer) must not move it.
		if _, dup := pendingIDs[r.ID]; !dup {
			if _, known, err := x.lookup(r.ID); err != nil {
				return err
			} else if !known {
				pendingIDs[r.ID] = struct{}{}
				if err := b.Set(idKey(r.ID), u64(r.Seq), nil); err != nil {
					return fmt.Errorf("index seq %d: %w", r.Seq, err)
				}
			}
		}
	}
	last := recs[len(recs)-1].Seq
	if err := b.Set(indexedKey, u64(last), nil); err != nil {
		return fmt.Errorf("index mark: %w", err)
	}
	// No fsync: the index is derived from the stream, which JetStream
	// fsyncs before it acknowledges, and Open re-indexes whatever a power
	// loss took from pebble before the next append is admitted.
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("commit index: %w", err)
	}
	x.size.Store(last)
	close(x.grown)
	x.grown = make(chan struct{})
	return nil
}

// wait blocks until at least seq records are indexed.
func (x *index) wait(ctx context.Context, seq uint64) error {
	for {
		x.mu.Lock()
		size, ch := x.size.Load(), x.grown
		x.mu.Unlock()
		if size >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for record %d to be indexed (indexed %d): %w", seq, size, ctx.Err())
		}
	}
}

// reader reads stored hashes from pebble, or from pending first.
func (x *index) reader(pending map[int64]tlog.Hash) tlog.HashReaderFunc {
	return func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			if h, ok := pending[idx]; ok {
				out[i] = h
				continue
			}
			v, closer, err := x.db.Get(hashKey(idx))
			if err != nil {
				return nil, fmt.Errorf("read merkle hash %d: %w", idx, err)
			}
			if len(v) != tlog.HashSize {
				closer.Close()
				return nil, fmt.Errorf("read merkle hash %d: corrupt", idx)
			}
			copy(out[i][:], v)
			closer.Close()
		}
		return out, nil
	}
}

// treeHash is the Merkle root over the first n records.
func (x *index) treeHash(n uint64) (tlog.Hash, error) {
	if size := x.size.Load(); n > size {
		return tlog.Hash{}, fmt.Errorf("tree hash of %d records: only %d indexed", n, size)
	}
	return tlog.TreeHash(int64(n), x.reader(nil))
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
