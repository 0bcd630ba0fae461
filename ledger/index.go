package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Keys the ledger owns in the node's pebble database.
var (
	idPrefix   = []byte("ledger/id/")
	indexedKey = []byte("ledger/indexed")
)

// index maps event IDs to sequences in pebble.
type index struct{ db *pebble.DB }

func (x index) lookup(id string) (uint64, bool, error) {
	v, closer, err := x.db.Get(append(idPrefix[:len(idPrefix):len(idPrefix)], id...))
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

// put records id→seq and advances the indexed mark in one synced batch.
func (x index) put(recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	b := x.db.NewBatch()
	defer b.Close()
	for _, r := range recs {
		if err := b.Set(append(idPrefix[:len(idPrefix):len(idPrefix)], r.ID...), u64(r.Seq), nil); err != nil {
			return fmt.Errorf("index seq %d: %w", r.Seq, err)
		}
	}
	if err := b.Set(indexedKey, u64(recs[len(recs)-1].Seq), nil); err != nil {
		return fmt.Errorf("index mark: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("commit index: %w", err)
	}
	return nil
}

func (x index) indexed() (uint64, error) {
	v, closer, err := x.db.Get(indexedKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read index mark: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("read index mark: corrupt")
	}
	return binary.BigEndian.Uint64(v), nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
