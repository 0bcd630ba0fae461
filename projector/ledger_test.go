package projector

import (
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// testLedger is a foldtest.Ledger whose envelopes can be appended as
// ledger records, in order.
type testLedger struct {
	*foldtest.Ledger
	records []ledger.Record
}

func newTestLedger(t testing.TB) *testLedger {
	t.Helper()
	return &testLedger{Ledger: foldtest.NewLedger(t)}
}

// append adds envelope as the next record.
func (l *testLedger) append(envelope []byte) ledger.Record {
	r := ledger.Record{Seq: uint64(len(l.records)) + 1, ID: events.ID(envelope), Envelope: envelope}
	l.records = append(l.records, r)
	return r
}
