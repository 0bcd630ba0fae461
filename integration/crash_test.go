package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// TestKill9LosesNoAcknowledgedRecord appends from four clients while the
// node is killed with SIGKILL at a random moment, twenty times over
// (VAULT_KILL9_ROUNDS for more, to run it in a loop under load); after
// each restart every acknowledged sequence must hold the same event, and
// the whole ledger must verify.
func TestKill9LosesNoAcknowledgedRecord(t *testing.T) {
	e := newEnv(t)
	rounds := 20
	if v := os.Getenv("VAULT_KILL9_ROUNDS"); v != "" {
		var err error
		if rounds, err = strconv.Atoi(v); err != nil || rounds < 1 {
			t.Fatalf("VAULT_KILL9_ROUNDS=%q: want a positive count", v)
		}
	}
	ln := startLedgerNode(t, e)
	op := e.operator()
	acked := map[uint64]string{} // seq → event ID
	var mu sync.Mutex
	n := ln.node
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range rounds {
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
	if len(acked) < 5*rounds {
		t.Fatalf("only %d appends were acknowledged over %d rounds; the test did not exercise the ledger", len(acked), rounds)
	}
	out := e.mustVault(n.server(), "ledger", "verify")
	t.Logf("%d acknowledged appends survived %d kill -9 rounds; verify:\n%s", len(acked), rounds, out)
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

// TestNodeRefusesLostLedger: a node whose JetStream no longer has the
// LEDGER stream (its files gone, as when JetStream cannot recover them)
// refuses to start, naming the records it had acknowledged, and does not
// create an empty ledger in the lost one's place.
func TestNodeRefusesLostLedger(t *testing.T) {
	e := newEnv(t)
	ln := startLedgerNode(t, e)
	head := e.snapshot(ln.server()).State.Seq
	ln.stop()
	streamDir := filepath.Join(e.data, "nats", "jetstream", "$G", "streams", "LEDGER")
	if _, err := os.Stat(streamDir); err != nil {
		t.Fatalf("the ledger stream is not where this test looks for it: %v", err)
	}
	if err := os.RemoveAll(streamDir); err != nil {
		t.Fatal(err)
	}
	_, errs, code := e.vault("", "serve", "--data", e.data, "--listen", freeAddr(t), "--nats-listen", freeAddr(t), "--admin-listen", freeAddr(t))
	want := fmt.Sprintf("had indexed (and acknowledged) %d records", head)
	if code == 0 || !strings.Contains(errs, want) || !strings.Contains(errs, "acknowledged records are missing") {
		t.Fatalf("serve on a data directory whose ledger stream is gone: exit %d, stderr:\n%s\nwant a refusal containing %q", code, errs, want)
	}
	if _, err := os.Stat(streamDir); !os.IsNotExist(err) {
		t.Fatalf("the refused node left a ledger stream behind (%v): it created an empty ledger over the lost one", err)
	}
}
