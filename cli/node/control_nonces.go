package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// controlNoncePrefix keys the nonces of accepted control requests in the
// node's pebble index: + nonce → until when it must stay refused (unix ns).
var controlNoncePrefix = []byte("control/nonce/")

// pebbleNonces keeps control-request nonces in pebble, synced before the
// request runs, so a request captured before a restart is still refused
// after it (events.NonceStore).
type pebbleNonces struct{ db *pebble.DB }

func (s pebbleNonces) Remember(nonce string, until, now time.Time) (bool, error) {
	key := append(append([]byte(nil), controlNoncePrefix...), nonce...)
	v, closer, err := s.db.Get(key)
	switch {
	case err == nil:
		seen := len(v) == 8 && now.UnixNano() < int64(binary.BigEndian.Uint64(v))
		closer.Close()
		if seen {
			return true, nil
		}
	case !errors.Is(err, pebble.ErrNotFound):
		return false, fmt.Errorf("read nonce: %w", err)
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(until.UnixNano()))
	if err := s.db.Set(key, buf[:], pebble.Sync); err != nil {
		return false, fmt.Errorf("store nonce: %w", err)
	}
	return false, nil
}

// prune deletes the nonces that expired by now.
func (s pebbleNonces) prune(now time.Time) error {
	upper := append(append([]byte(nil), controlNoncePrefix[:len(controlNoncePrefix)-1]...), '/'+1)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: controlNoncePrefix, UpperBound: upper})
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	for it.First(); it.Valid(); it.Next() {
		if v := it.Value(); len(v) != 8 || now.UnixNano() >= int64(binary.BigEndian.Uint64(v)) {
			if err := b.Delete(it.Key(), nil); err != nil {
				it.Close()
				return err
			}
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	return b.Commit(pebble.NoSync)
}
