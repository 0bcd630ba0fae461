package projector

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// TestProjectorMetamorphic projects random ledgers (every lifecycle
// event, legal and illegal) in ways that must not matter: one Fold pass;
// a live Projector on pebble with a random batch size, stopped and
// restarted from its persisted state at random points; and Replay up to
// a sequence (what `vault state --at` runs). Every state published and
// every replay must equal the one-pass fold at the same sequence.
func TestProjectorMetamorphic(t *testing.T) {
	seeds, n := 6, 200
	if testing.Short() {
		seeds, n = 2, 100
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0xbeef))
			size := n
			if seed == 0 {
				size = n * 3 / 5 // replayed to every seq below
			}
			records, _ := randomLedger(t, rng, size)
			want := make([]string, len(records)+1) // hash after seq i
			s := fold.NewState()
			want[0] = s.Hash()
			for _, r := range records {
				_ = fold.Apply(s, r.Seq, r.ID, r.Envelope)
				want[r.Seq] = s.Hash()
			}

			batch := []int{1, 2, 7, 64, 256}[rng.IntN(5)]
			published := projectWithRestarts(t, rng, records, batch)
			for seq, hash := range published {
				if hash != want[seq] {
					t.Errorf("batch size %d: state published at seq %d differs from the one-pass fold", batch, seq)
				}
			}
			if published[uint64(len(records))] == "" {
				t.Errorf("the last record was never published")
			}

			iter := func(yield func(ledger.Record) error) error {
				for _, r := range records {
					if err := yield(r); err != nil {
						return err
					}
				}
				return nil
			}
			every := uint64(1) // every seq for one seed, a sample for the others
			if seed > 0 {
				every = 29
			}
			for seq := uint64(1); seq <= uint64(len(records)); seq++ {
				if seq%every != 0 && seq != uint64(len(records)) {
					continue
				}
				got, err := Replay(iter, seq)
				if err != nil {
					t.Fatal(err)
				}
				if got.Hash() != want[seq] {
					t.Fatalf("Replay to seq %d differs from the one-pass fold", seq)
				}
			}
		})
	}
}

// projectWithRestarts runs Projectors one after another on one pebble
// database, each fed records up to a random point, and returns the hash
// of every state they published, by seq.
func projectWithRestarts(t *testing.T, rng *rand.Rand, records []ledger.Record, batch int) map[uint64]string {
	t.Helper()
	db := openDB(t, t.TempDir())
	var mu sync.Mutex
	published := map[uint64]string{}
	pub := &fakePublisher{publish: func(s *fold.Snapshot) {
		mu.Lock()
		defer mu.Unlock()
		published[s.State.Seq] = s.State.Hash()
	}}
	applied, restarts := uint64(0), 0
	for applied < uint64(len(records)) {
		upto := min(uint64(len(records)), applied+1+uint64(rng.IntN(len(records)/3+1)))
		froms := make(chan uint64, 1)
		p, stop := start(t, Config{
			Source:    followRecords(records[:upto], nil, froms),
			Artifacts: anyArtifacts{},
			Warmer:    &fakeWarmer{warm: func(context.Context, warmed, []byte) error { return nil }},
			Publisher: pub,
			DB:        db,
			BatchSize: batch,
		})
		if from := <-froms; from != applied+1 {
			t.Fatalf("restart %d: the projector followed from %d, want %d after its persisted state", restarts, from, applied+1)
		}
		waitApplied(t, p, upto)
		stop()
		applied = upto
		restarts++
	}
	return published
}

// anyArtifacts has every artifact; its blob is the digest itself.
type anyArtifacts struct{}

func (anyArtifacts) Get(_ context.Context, d string) ([]byte, error) { return []byte(d), nil }
func (anyArtifacts) Has(context.Context, string) (bool, error)       { return true, nil }
