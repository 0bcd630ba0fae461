package projector

import (
	"bytes"
	"crypto/rand"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vault-runtime/vault/ledger"
)

func newSealer(t *testing.T) *ledger.Sealer {
	t.Helper()
	key := make([]byte, ledger.SealKeySize)
	rand.Read(key)
	s, err := ledger.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestProjectorSealedState checks that the persisted state is encrypted,
// restores with its key, and is rebuilt from the ledger without it.
func TestProjectorSealedState(t *testing.T) {
	l := lifecycle(t)
	db := openDB(t, t.TempDir())
	sealer := newSealer(t)
	// run starts a projector and tells where it asked the ledger to
	// start: after the restored state, or at 1 without one.
	run := func(s Sealer) (*Projector, func(), uint64) {
		var j journal
		froms := make(chan uint64, 1)
		p, stop := start(t, Config{
			Source:    followRecords(l.records, nil, froms),
			Artifacts: artifacts("hello-1", "hello-2", "other-1"),
			Warmer:    j.warmer(t),
			Publisher: j.publisher(),
			DB:        db,
			Sealer:    s,
		})
		select {
		case from := <-froms:
			return p, stop, from
		case <-time.After(testTimeout):
			t.Fatal("Follow was not called")
			return nil, nil, 0
		}
	}
	first, stop, _ := run(sealer)
	waitApplied(t, first, 7)
	stop()
	want := first.Current().State.Hash()

	t.Run("NoPlaintext", func(t *testing.T) {
		iter, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte(statePrefix), UpperBound: []byte("projector0")})
		if err != nil {
			t.Fatal(err)
		}
		defer iter.Close()
		n := 0
		for iter.First(); iter.Valid(); iter.Next() {
			n++
			for _, s := range []string{"hello", "/other/*", `"seq"`, `"routes"`} {
				if bytes.Contains(iter.Value(), []byte(s)) {
					t.Errorf("persisted %s holds %q in plaintext", iter.Key(), s)
				}
				if bytes.Contains(iter.Key(), []byte(s)) {
					t.Errorf("persisted key %q names %q", iter.Key(), s)
				}
			}
		}
		if n < 5 {
			t.Errorf("%d persisted values, want the state in several pieces", n)
		}
	})
	t.Run("Restores", func(t *testing.T) {
		p, stop, from := run(sealer)
		defer stop()
		if from != 8 {
			t.Errorf("Follow from %d, want 8 after the restored state", from)
		}
		if got := p.Current().State; got.Hash() != want {
			t.Errorf("restored state %+v differs from the sealed one", got)
		}
	})
	t.Run("OtherKeyReplaysTheLedger", func(t *testing.T) {
		p, stop, from := run(newSealer(t))
		defer stop()
		if from != 1 {
			t.Errorf("Follow from %d, want 1: the state must not open", from)
		}
		waitApplied(t, p, 7)
		if got := p.Current().State.Hash(); got != want {
			t.Errorf("replayed state %+v differs from the sealed one", p.Current().State)
		}
	})
}
