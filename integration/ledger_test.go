package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// ledgerNode is a node with one deployed, active function "fn" whose
// activation can be appended again and again.
type ledgerNode struct {
	*node
	e        *env
	ledgerID string
	artifact string
}

func startLedgerNode(t *testing.T, e *env) *ledgerNode {
	t.Helper()
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	fn := e.writeFunction("fn", map[string]string{
		"vault.yaml": "name: fn\nentry: index.js\nroutes: [/fn]\n",
		"index.js":   `export default { fetch() { return new Response("fn") } };`,
	})
	e.mustVault(n.server(), "deploy", fn)
	snap := e.snapshot(n.server())
	return &ledgerNode{node: n, e: e, ledgerID: snap.State.Ledger, artifact: snap.State.Functions["fn"].Versions[0].Artifact}
}

func TestLedgerAppendsVerifyAndProve(t *testing.T) {
	e := newEnv(t)
	ln := startLedgerNode(t, e)
	srv := ln.server()
	op := e.operator()
	nc := dial(t, srv)
	defer nc.Close()

	t.Run("SixteenConcurrentAppendersNeverFork", func(t *testing.T) {
		base := e.snapshot(srv).State.Seq
		const writers, each = 16, 10
		seqs := make(chan uint64, writers*each)
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range each {
					res, err := appendEnvelope(nc, redeploy(t, op, ln.ledgerID, "fn", ln.artifact))
					if err != nil {
						t.Error(err)
						return
					}
					seqs <- res.Seq
				}
			})
		}
		wg.Wait()
		close(seqs)
		seen := map[uint64]bool{}
		for s := range seqs {
			if seen[s] || s <= base || s > base+writers*each {
				t.Fatalf("seq %d duplicated or outside %d..%d", s, base+1, base+writers*each)
			}
			seen[s] = true
		}
		if len(seen) != writers*each {
			t.Fatalf("%d distinct sequences, want %d", len(seen), writers*each)
		}
	})
	t.Run("DuplicateEnvelopeGetsItsFirstSeq", func(t *testing.T) {
		env := redeploy(t, op, ln.ledgerID, "fn", ln.artifact)
		first, err := appendEnvelope(nc, env)
		if err != nil {
			t.Fatal(err)
		}
		again, err := appendEnvelope(nc, env)
		if err != nil || again.Seq != first.Seq || !again.Duplicate {
			t.Fatalf("second append: %+v %v; want seq %d, duplicate", again, err, first.Seq)
		}
	})
	t.Run("UnknownSignerRejected", func(t *testing.T) {
		stranger, _ := events.GenerateSigner()
		_, err := appendEnvelope(nc, redeploy(t, stranger, ln.ledgerID, "fn", ln.artifact))
		if !errors.Is(err, ledger.ErrRejected) || !strings.Contains(err.Error(), "unknown key") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("CrossLedgerReplayRejected", func(t *testing.T) {
		other := &env{t: t, root: t.TempDir(), config: e.config, passphrase: e.passphrase} // same operator, another ledger
		other.data = filepath.Join(other.root, "data")
		other.mustVault("", "init", "--data", other.data)
		on := other.serve(nodeOptions{})
		onc := dial(t, on.server())
		defer onc.Close()
		// A valid envelope of this ledger, signed by an admin of both.
		_, err := appendEnvelope(onc, redeploy(t, op, ln.ledgerID, "fn", ln.artifact))
		if !errors.Is(err, ledger.ErrRejected) || !strings.Contains(err.Error(), "another ledger") {
			t.Fatalf("got %v", err)
		}
	})

	// Records appended one at a time, each with its own checkpoint (prove
	// makes the node sign one covering the head): tampering with any of
	// them is pinned to its exact sequence.
	var sequential []uint64
	for range 4 {
		res, err := appendEnvelope(nc, redeploy(t, op, ln.ledgerID, "fn", ln.artifact))
		if err != nil {
			t.Fatal(err)
		}
		e.mustVault(srv, "ledger", "prove", fmt.Sprint(res.Seq))
		sequential = append(sequential, res.Seq)
	}

	head := e.snapshot(srv).State.Seq
	out := e.mustVault(srv, "ledger", "verify")
	if !strings.Contains(out, fmt.Sprintf("records      %d:", head)) {
		t.Fatalf("verify output:\n%s", out)
	}

	t.Run("InclusionProofChecks", func(t *testing.T) {
		var p ledger.Proof
		if err := json.Unmarshal([]byte(e.mustVault(srv, "ledger", "prove", "3", "--json")), &p); err != nil {
			t.Fatal(err)
		}
		cp, err := ledger.PeekCheckpoint([]byte(p.Checkpoint))
		if err != nil {
			t.Fatal(err)
		}
		rec := exportedRecord(t, e, srv, 3)
		if err := tlog.CheckRecord(p.Hashes, int64(cp.Size), cp.Root, 2, tlog.RecordHash(rec)); err != nil {
			t.Fatalf("inclusion proof of seq 3 in %d: %v", cp.Size, err)
		}
		if err := tlog.CheckRecord(p.Hashes, int64(cp.Size), cp.Root, 2, tlog.RecordHash(append(rec, ' '))); err == nil {
			t.Fatal("proof verified a changed record")
		}
	})

	t.Run("ConsistencyProofChecks", func(t *testing.T) {
		var p ledger.Proof
		out := e.mustVault(srv, "ledger", "prove", "--consistency", fmt.Sprint(sequential[0]), fmt.Sprint(sequential[3]), "--json")
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		oldCP, err1 := ledger.PeekCheckpoint([]byte(p.OldCheckpoint))
		newCP, err2 := ledger.PeekCheckpoint([]byte(p.Checkpoint))
		if err1 != nil || err2 != nil || oldCP.Size != sequential[0] || newCP.Size != sequential[3] {
			t.Fatalf("checkpoints %+v %+v (%v %v)", oldCP, newCP, err1, err2)
		}
		if err := tlog.CheckTree(p.Hashes, int64(newCP.Size), newCP.Root, int64(oldCP.Size), oldCP.Root); err != nil {
			t.Fatalf("consistency %d → %d: %v", oldCP.Size, newCP.Size, err)
		}
		forged := oldCP.Root
		forged[0] ^= 1
		if tlog.CheckTree(p.Hashes, int64(newCP.Size), newCP.Root, int64(oldCP.Size), forged) == nil {
			t.Fatal("consistency proof verified a forged old root")
		}
	})

	exp := filepath.Join(e.root, "ledger.vexp")
	e.mustVault(srv, "ledger", "export", "-o", exp)
	if out := e.mustVault("", "ledger", "verify", "--file", exp); !strings.Contains(out, fmt.Sprintf("records      %d:", head)) {
		t.Fatalf("verify --file output:\n%s", out)
	}
	t.Run("TamperedExportNamesFirstBadSeq", func(t *testing.T) {
		frames := readFrames(t, exp)
		tests := []struct {
			name string
			edit func([]ledger.Frame) []ledger.Frame
			want string
		}{
			{"FlippedByte", func(fs []ledger.Frame) []ledger.Frame {
				i := recordFrame(fs, 7)
				env := bytes.Clone(fs[i].Record.Envelope)
				env[len(env)/2] ^= 0x01
				fs[i].Record.Envelope = env
				return fs
			}, "seq 7"},
			{"DroppedRecord", func(fs []ledger.Frame) []ledger.Frame {
				i := recordFrame(fs, 9)
				return append(fs[:i:i], fs[i+1:]...)
			}, "seq 9"},
			{"SwappedRecords", func(fs []ledger.Frame) []ledger.Frame {
				i, j := recordFrame(fs, sequential[1]), recordFrame(fs, sequential[2])
				fs[i].Record.Envelope, fs[j].Record.Envelope = fs[j].Record.Envelope, fs[i].Record.Envelope
				return fs
			}, fmt.Sprintf("seq %d", sequential[1])},
			{"FlippedCheckpoint", func(fs []ledger.Frame) []ledger.Frame {
				for i := range fs {
					if fs[i].Kind == ledger.FrameCheckpoint {
						cp := bytes.Clone(fs[i].Checkpoint)
						cp[len(cp)-5] ^= 0x01
						fs[i].Checkpoint = cp
						return fs
					}
				}
				t.Fatal("no checkpoint in the export")
				return nil
			}, "checkpoint"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				fs := make([]ledger.Frame, len(frames))
				copy(fs, frames)
				bad := filepath.Join(t.TempDir(), "bad.vexp")
				writeFrames(t, bad, tt.edit(fs))
				_, errs, code := e.vault("", "ledger", "verify", "--file", bad)
				if code == 0 || !strings.Contains(errs, "FAILED") || !strings.Contains(errs, tt.want) {
					t.Fatalf("exit %d, stderr %q; want a failure naming %q", code, errs, tt.want)
				}
			})
		}
	})

	t.Run("TamperedJetStreamStoreNamesFirstBadSeq", func(t *testing.T) {
		blk, at := ledgerBlockOffset(t, e, ln.server(), 4)
		ln.stop()
		data, err := os.ReadFile(blk)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, exportedRecordFrom(t, exp, 4)) {
			t.Fatal("record 4 is stored in plaintext")
		}
		data[at] ^= 0x01
		if err := os.WriteFile(blk, data, 0o600); err != nil {
			t.Fatal(err)
		}
		n2 := e.serve(nodeOptions{})
		_, errs, code := e.vault(n2.server(), "ledger", "verify")
		if code == 0 || !strings.Contains(errs, "FAILED at seq 4") {
			t.Fatalf("verify after tampering: exit %d, stderr %q", code, errs)
		}
		if log := e.mustVault(n2.server(), "ledger", "log", "--limit", "6"); !strings.Contains(log, "records 4..4 are missing") {
			t.Fatalf("ledger log does not show the lost record:\n%s", log)
		}
		n2.waitLog(t, "LEDGER DAMAGED")
		n2c := dial(t, n2.server())
		defer n2c.Close()
		if _, err := appendEnvelope(n2c, redeploy(t, op, ln.ledgerID, "fn", ln.artifact)); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("append on a damaged ledger: %v; want it refused", err)
		}
	})
}

func exportedRecord(t *testing.T, e *env, server string, seq uint64) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.vexp")
	e.mustVault(server, "ledger", "export", "-o", path)
	return exportedRecordFrom(t, path, seq)
}

func exportedRecordFrom(t *testing.T, path string, seq uint64) []byte {
	t.Helper()
	for _, f := range readFrames(t, path) {
		if f.Kind == ledger.FrameRecord && f.Record.Seq == seq {
			return f.Record.Envelope
		}
	}
	t.Fatalf("no seq %d in %s", seq, path)
	return nil
}

func readFrames(t *testing.T, path string) []ledger.Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ledger.NewExportReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []ledger.Frame
	for {
		fr, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fr)
	}
}

// writeFrames writes frames as given, with their original sequence numbers.
func writeFrames(t *testing.T, path string, frames []ledger.Frame) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ledger.NewExportWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		switch fr.Kind {
		case ledger.FrameRecord:
			err = w.Record(fr.Record)
		case ledger.FrameCheckpoint:
			err = w.Checkpoint(fr.Checkpoint)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func recordFrame(fs []ledger.Frame, seq uint64) int {
	for i, f := range fs {
		if f.Kind == ledger.FrameRecord && f.Record.Seq == seq {
			return i
		}
	}
	panic(fmt.Sprintf("no record frame for seq %d", seq))
}
