package projector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// auditLedger is a ledger of n records (genesis, then deploys and
// activations) with checkpoints signed by the log key at the given sizes.
func auditLedger(t testing.TB, n int, checkpointAt ...uint64) (*testLedger, [][]byte) {
	t.Helper()
	l := newTestLedger(t)
	l.append(l.Genesis)
	for i := 0; len(l.records) < n; i++ {
		name := fmt.Sprintf("fn%d", i%7)
		l.append(l.Deploy(name, fmt.Sprintf("blob-%d", i), "/"+name))
		if len(l.records) < n {
			l.append(l.Activated(events.Activated{Name: name, Version: i/7 + 1, Artifact: foldtest.Digest(fmt.Sprintf("blob-%d", i))}, l.Operator))
		}
		// Images from seq 31 on, after the records TestAuditFailures reorders.
		if len(l.records) < n && len(l.records) > 30 && i%5 == 4 {
			l.append(l.PullImage(foldtest.Image(fmt.Sprintf("image-%d", i), "registry.example.com/team/app", fmt.Sprint(i), "base", fmt.Sprintf("layer-%d", i)), l.Operator))
		}
	}
	return l, l.checkpoints(t, l.Logger, checkpointAt...)
}

// checkpoints signs checkpoints over the first size records each.
func (l *testLedger) checkpoints(t testing.TB, signer *events.Signer, sizes ...uint64) [][]byte {
	t.Helper()
	origin := ledger.Origin(l.ID)
	var notes [][]byte
	for _, size := range sizes {
		var tree ledger.Tree
		for _, r := range l.records[:min(size, uint64(len(l.records)))] {
			tree.Add(r.Envelope)
		}
		if size > uint64(len(l.records)) {
			tree.Add([]byte("a record the ledger does not have"))
		}
		msg, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: origin, Size: size, Root: tree.Root()}, ledger.NoteSigner(origin, signer))
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, msg)
	}
	return notes
}

func iterate(records []ledger.Record) RecordIter {
	return func(yield func(ledger.Record) error) error {
		for _, r := range records {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func audit(t testing.TB, records []ledger.Record, notes [][]byte) (*AuditReport, error) {
	t.Helper()
	return Audit(context.Background(), iterate(records), notes, AuditOptions{Workers: 2})
}

func TestAuditAccepts(t *testing.T) {
	l, notes := auditLedger(t, 2500, 10, 1100, 2500)
	report, err := audit(t, l.records, notes)
	if err != nil {
		t.Fatal(err)
	}
	want := foldtest.FoldAll(t, envelopesOf(l.records)...)
	if report.Records != 2500 || report.Checkpoints != 3 || report.LatestCheckpoint != 2500 ||
		report.Ledger != l.ID || report.StateHash != want.Hash() || report.Signers[l.Operator.ID] != 2500 { // the genesis counts too
		t.Fatalf("report %+v", report)
	}
}

func envelopesOf(rs []ledger.Record) [][]byte {
	out := make([][]byte, len(rs))
	for i, r := range rs {
		out[i] = r.Envelope
	}
	return out
}

// TestAuditNamesFirstBadSeq changes one record at a time, in every way a
// byte can change, and requires the audit to name exactly that record.
func TestAuditNamesFirstBadSeq(t *testing.T) {
	l, notes := auditLedger(t, 40, 40)
	for k := range l.records {
		env := l.records[k].Envelope
		for _, pos := range []int{0, len(env) / 3, len(env) / 2, len(env) - 2} {
			recs := append([]ledger.Record(nil), l.records...)
			bad := bytes.Clone(env)
			bad[pos] ^= 0x01
			recs[k] = ledger.Record{Seq: recs[k].Seq, ID: events.ID(bad), Envelope: bad}
			_, err := audit(t, recs, notes)
			var ae *AuditError
			if !errors.As(err, &ae) || ae.Seq != uint64(k+1) {
				t.Fatalf("byte %d of seq %d flipped: got %v, want an AuditError at seq %d", pos, k+1, err, k+1)
			}
		}
	}
}

func TestAuditFailures(t *testing.T) {
	l, notes := auditLedger(t, 30, 12, 30)
	tests := []struct {
		name    string
		records []ledger.Record
		notes   [][]byte
		seq     uint64
		reason  string
	}{
		{"MissingRecord", append(append([]ledger.Record(nil), l.records[:9]...), l.records[10:]...), notes, 10, "record 10 is missing"},
		{"ReorderedRecords", swap(l.records, 14, 15), notes, 13, "do not match the signed checkpoint at tree size 30"},
		{"TruncatedLedger", l.records[:20], notes, 21, "records 21..30 are missing"},
		{"CheckpointByNonLogKey", l.records, l.checkpoints(t, l.Deployer, 12), 12, "checkpoint at tree size 12"},
		{"CheckpointForkedRoot", l.records, l.checkpoints(t, l.Logger, 31), 31, "covers 31 records"},
		{"Empty", nil, nil, 1, "empty"},
		{"ReplayedEvent", append(append([]ledger.Record(nil), l.records...), ledger.Record{Seq: 31, ID: l.records[2].ID, Envelope: l.records[2].Envelope}), nil, 31, "replays the event already stored at seq 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := audit(t, tt.records, tt.notes)
			var ae *AuditError
			if !errors.As(err, &ae) || ae.Seq != tt.seq || !strings.Contains(ae.Reason, tt.reason) {
				t.Fatalf("got %v, want seq %d with %q", err, tt.seq, tt.reason)
			}
		})
	}
}

func swap(rs []ledger.Record, i, j int) []ledger.Record {
	out := append([]ledger.Record(nil), rs...)
	out[i].Envelope, out[j].Envelope = out[j].Envelope, out[i].Envelope
	out[i].ID, out[j].ID = out[j].ID, out[i].ID
	return out
}

// BenchmarkAudit verifies a ledger of 20,000 signed records with a
// checkpoint every 1,000, as `vault ledger verify --file` does; the
// figure to read is records/s.
func BenchmarkAudit(b *testing.B) {
	sizes := make([]uint64, 0, 20)
	for s := uint64(1000); s <= 20000; s += 1000 {
		sizes = append(sizes, s)
	}
	l, notes := auditLedger(b, 20000, sizes...)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Audit(context.Background(), iterate(l.records), notes, AuditOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(l.records)*b.N)/b.Elapsed().Seconds(), "records/s")
}
