package integration

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// TestKill9LosesNoAcknowledgedRecord appends from four clients while the
// node is killed with SIGKILL at a random moment, twenty times over; after
// each restart every acknowledged sequence must hold the same event, and
// the whole ledger must verify.
func TestKill9LosesNoAcknowledgedRecord(t *testing.T) {
	e := newEnv(t)
	ln := startLedgerNode(t, e)
	op := e.operator()
	acked := map[uint64]string{} // seq → event ID
	var mu sync.Mutex
	n := ln.node
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 20 {
		nc := dial(t, n.server())
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for ctx.Err() == nil {
					res, err := appendEnvelope(nc, redeploy(t, op, ln.ledgerID, "fn", ln.artifact))
					if err != nil {
						return // the node died under us
					}
					mu.Lock()
					if prev, ok := acked[res.Seq]; ok && prev != res.ID {
						t.Errorf("seq %d acknowledged for two events", res.Seq)
					}
					acked[res.Seq] = res.ID
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(20+rng.IntN(300)) * time.Millisecond)
		n.kill()
		stop()
		wg.Wait()
		nc.Close()

		n = e.serve(nodeOptions{})
		checkAcked(t, n.server(), acked, round)
	}
	if len(acked) < 100 {
		t.Fatalf("only %d appends were acknowledged over 20 rounds; the test did not exercise the ledger", len(acked))
	}
	out := e.mustVault(n.server(), "ledger", "verify")
	t.Logf("%d acknowledged appends survived 20 kill -9 rounds; verify:\n%s", len(acked), out)
}

func checkAcked(t *testing.T, server string, acked map[uint64]string, round int) {
	t.Helper()
	nc := dial(t, server)
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stored := map[uint64]string{}
	if err := ledger.ReadRecords(ctx, js, 1, 0, func(r ledger.Record) error {
		stored[r.Seq] = r.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for seq, id := range acked {
		if stored[seq] != id {
			t.Fatalf("round %d: acknowledged seq %d (event %s) is now %q", round, seq, id, stored[seq])
		}
	}
}
