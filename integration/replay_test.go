package integration

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// TestReplayedActivationIsRejected publishes an old, validly signed
// activation straight into the node's stream (around the sequencer, with
// no message ID, as after JetStream's duplicate window). It must not roll
// the function back, and verify must name it.
func TestReplayedActivationIsRejected(t *testing.T) {
	e := newEnv(t)
	ln := startLedgerNode(t, e)
	srv := ln.server()
	e.mustVault(srv, "activate", "fn@v1") // seq 3
	fn := e.writeFunction("fn", map[string]string{"index.js": `export default { fetch() { return new Response("fn v2") } };`})
	e.mustVault(srv, "deploy", fn)
	e.mustVault(srv, "activate", "fn@v2")
	old := exportedRecord(t, e, srv, 3)

	// Straight into the stream, as only the node's key may.
	nc := dialAsNode(t, e, e.data, srv)
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := js.Publish(ctx, ledger.RecordsSubject, old)
	if err != nil {
		t.Fatal(err)
	}
	ln.waitLog(t, "replays the event already stored at seq 3")
	if ls := e.mustVault(srv, "ls"); !regexp.MustCompile(`fn\s+v2\s+active`).MatchString(ls) {
		t.Fatalf("after the replay, ls:\n%s", ls)
	}
	if r := get(t, h2cClient(), "http://"+ln.h2c+"/fn"); r.body != "fn v2" {
		t.Fatalf("after the replay the node serves %q", r.body)
	}
	_, errs, code := e.vault(srv, "ledger", "verify")
	if code == 0 || !strings.Contains(errs, "replays the event already stored at seq 3") || !strings.Contains(errs, "seq "+itoa(ack.Sequence)) {
		t.Fatalf("verify: exit %d, stderr %q", code, errs)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
