package projector

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/projector/fold"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// prefetchLedger is a ledger of more than two replay chunks, with what
// the prefetch must not get wrong after the first: a key added and used
// in the same chunk, a signature that does not verify, a key unknown to
// the ledger, a revoked key, a replayed event, and records that do not
// decode.
func prefetchLedger(t testing.TB) (*testLedger, *events.Signer) {
	t.Helper()
	l := buildBusyLedger(t, 2*replayChunkSize+500)
	late, stranger := foldtest.NamedSigner(t, "late"), foldtest.NamedSigner(t, "stranger")
	good := l.Deploy("late-fn", "late-1", "/late/*")
	for _, env := range [][]byte{
		l.Seal(l.ID, events.TypeKeyAdded, late.ID, events.KeyAdded{ID: late.ID, PublicKey: late.Public(), Roles: []events.Role{events.RoleDeploy}}, l.Operator),
		l.Deployed(events.Deployed{Name: "late-fn", Artifact: foldtest.Digest("late-0"), Size: 6}, late),
		foldtest.Tamper(t, good, foldtest.FlipSignature),
		good,
		l.Deployed(events.Deployed{Name: "late-fn", Artifact: foldtest.Digest("late-2"), Size: 6}, stranger),
		l.Deployed(events.Deployed{Name: "late-fn", Artifact: foldtest.Digest("late-3"), Size: 6}, l.Deployer), // revoked
		good, // a replay
		[]byte(`{"payloadType":"` + events.PayloadType + `", "payload":"e30=","signatures":[]}`),
		bytes.Replace(good, []byte(`"payload":"`), []byte(`"payload" :"`), 1),
		l.Seal(l.ID, events.TypeDeployed, "late-fn", events.Deployed{Name: "late-fn", Artifact: foldtest.Digest("late-4"), Size: 6}, late, l.Operator),
	} {
		l.append(env)
	}
	return l, late
}

// serialFold folds records one by one, verifying each signature when the
// fold asks (what Replay did before it prefetched), and returns the state
// and its hash after each of the records at seqs.
func serialFold(records []ledger.Record, seqs []uint64) (*fold.State, map[uint64]string) {
	st := fold.NewState()
	first := map[string]uint64{}
	hashes := map[uint64]string{}
	for _, r := range records {
		if seq, dup := first[r.ID]; dup {
			fold.RejectReplay(st, r.Seq, r.ID, seq)
		} else {
			first[r.ID] = r.Seq
			fold.ApplyWith(st, r.Seq, r.ID, r.Envelope, nil)
		}
		if slices.Contains(seqs, r.Seq) {
			hashes[r.Seq] = st.Hash()
		}
	}
	return st, hashes
}

// TestReplayPrefetchMatchesSerialFold replays to seqs around the chunk
// boundaries and to the end, and requires the state of a serial fold.
func TestReplayPrefetchMatchesSerialFold(t *testing.T) {
	l, late := prefetchLedger(t)
	n := uint64(len(l.records))
	tos := []uint64{1, 2, replayChunkSize - 1, replayChunkSize, replayChunkSize + 1, 2 * replayChunkSize, n - 1, n, 0}
	want, hashes := serialFold(l.records, append(tos, n))
	if len(want.Rejected) != 6 || !want.Keys.Keys[late.ID].Has(events.RoleDeploy) {
		t.Fatalf("the ledger does not test what it should: rejections %+v", want.Rejected)
	}
	for _, to := range tos {
		got, err := Replay(iterate(l.records), to)
		if err != nil {
			t.Fatalf("replay to %d: %v", to, err)
		}
		upTo := to
		if to == 0 {
			upTo = n
		}
		if got.Hash() != hashes[upTo] {
			t.Fatalf("replay to %d differs from the serial fold", to)
		}
		if to == 0 && !reflect.DeepEqual(got.Rejected, want.Rejected) {
			t.Fatalf("rejections differ:\n%+v\n%+v", got.Rejected, want.Rejected)
		}
	}
}

// TestReplayErrors: a gap, records out of order, an iterator that fails
// and a ledger shorter than asked each fail the replay, wherever they are.
func TestReplayErrors(t *testing.T) {
	l, _ := auditLedger(t, replayChunkSize+300)
	recs := l.records
	outOfOrder := append(slices.Clone(recs[:5]), recs[6], recs[5])
	gap := append(slices.Clone(recs[:1100]), recs[1101:]...)
	boom := errors.New("boom")
	failing := func(at int) RecordIter {
		return func(yield func(ledger.Record) error) error {
			for _, r := range recs[:at] {
				if err := yield(r); err != nil {
					return err
				}
			}
			return boom
		}
	}
	for _, tc := range []struct {
		name string
		iter RecordIter
		to   uint64
		want string
	}{
		{"Gap", iterate(gap), 0, "replay: record 1102 follows 1100: records are missing or out of order"},
		{"OutOfOrder", iterate(outOfOrder), 0, "replay: record 7 follows 5"},
		{"GapAfterTo", iterate(gap), 1100, ""},
		{"IteratorFails", failing(1030), 0, "boom"},
		{"IteratorFailsAfterTo", failing(1030), 1000, ""},
		{"PastTheEnd", iterate(recs), uint64(len(recs)) + 1, fmt.Sprintf("the ledger ends at seq %d, before %d", len(recs), len(recs)+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Replay(tc.iter, tc.to)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("replay failed: %v", err)
			case tc.want == "" && st.Seq != tc.to:
				t.Fatalf("replay reached seq %d, want %d", st.Seq, tc.to)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("replay error %v, want %q", err, tc.want)
			case tc.want == "boom" && !errors.Is(err, boom):
				t.Fatalf("replay error %v does not wrap the iterator's", err)
			}
		})
	}
}

// TestSigPrefetchVerdicts asks the checker about every signature of every
// record with every key, and requires Key.Verify's answer; and that the
// answers for the keys the records name were prefetched, not computed
// when asked.
func TestSigPrefetchVerdicts(t *testing.T) {
	l, late := prefetchLedger(t)
	stranger := foldtest.NamedSigner(t, "stranger")
	keys := map[string]*events.Key{}
	var other []*events.Key
	for _, s := range []*events.Signer{l.Operator, l.Deployer, late, stranger, foldtest.NamedSigner(t, "ci"), foldtest.NamedSigner(t, "ci2")} {
		keys[s.ID] = &events.Key{ID: s.ID, PublicKey: s.Public()}
		other = append(other, keys[s.ID])
	}
	p := newSigPrefetch(3)
	for lo := 0; lo < len(l.records); lo += replayChunkSize {
		chunk := l.records[lo:min(lo+replayChunkSize, len(l.records))]
		v := p.verify(chunk)
		for _, r := range chunk {
			env, err := events.DecodeEnvelope(r.Envelope)
			if err != nil {
				continue
			}
			msg := events.PAE(env.PayloadType, env.Payload)
			check := v.check(r.ID, env)
			for i, s := range env.Signatures {
				// Ask with the signer's key, and with another.
				for _, k := range []*events.Key{keys[s.KeyID], other[(int(r.Seq)+i)%len(other)]} {
					if got, want := check(i, k), k.Verify(msg, s.Sig); got != want {
						t.Fatalf("seq %d signature %d, key %s: prefetch says %v, Key.Verify %v", r.Seq, i, k.ID, got, want)
					}
					_, found := v[r.ID].verdict(env, i, k.PublicKey)
					// Each signature by a key the ledger names, the
					// stranger's aside, has a verdict, for that key only.
					if want := k.ID == s.KeyID && k.ID != stranger.ID; found != want {
						t.Fatalf("seq %d signature %d by %s, asked for key %s: prefetched %v, want %v", r.Seq, i, s.KeyID, k.ID, found, want)
					}
				}
			}
		}
	}
}

// TestScanEnvelope: the prefetch's reader agrees with DecodeEnvelope on
// every envelope Seal writes, and gives up on other spellings.
func TestScanEnvelope(t *testing.T) {
	l := newTestLedger(t)
	var sealed [][]byte
	for _, blob := range []string{"a", "ab", "abc"} {
		sealed = append(sealed, l.Deploy("fn", blob), l.Seal(l.ID, events.TypeDeployed, "fn",
			events.Deployed{Name: "fn", Artifact: foldtest.Digest(blob), Size: 1}, l.Operator, l.Deployer))
	}
	sealed = append(sealed, l.Genesis)
	for _, env := range sealed {
		want, err := events.DecodeEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		if got := scanEnvelope(env); !reflect.DeepEqual(got, want) {
			t.Fatalf("scan %s:\ngot  %+v\nwant %+v", env, got, want)
		}
	}
	good := sealed[0]
	for _, bad := range [][]byte{
		nil, []byte(`{}`), good[:len(good)-1], append(bytes.Clone(good), ' '),
		bytes.Replace(good, []byte(`"payload":"`), []byte(`"payload": "`), 1),
		bytes.Replace(good, []byte(`"keyid":"`), []byte(`"keyid":"\u0061`), 1),
		bytes.Replace(good, []byte(`"sig":"`), []byte(`"sig":"!`), 1),
		bytes.Replace(good, []byte(`}]}`), []byte(`},]}`), 1),
	} {
		if env := scanEnvelope(bad); env != nil {
			t.Errorf("scanned %q as %+v", bad, env)
		}
	}
}

// FuzzScanEnvelope: whatever the prefetch reads from an envelope that
// DecodeEnvelope accepts is what DecodeEnvelope reads.
func FuzzScanEnvelope(f *testing.F) {
	l := newTestLedger(f)
	f.Add(l.Genesis)
	f.Add(l.Deploy("fn", "blob"))
	f.Add(l.Seal(l.ID, events.TypeActivated, "fn", events.Activated{Name: "fn", Version: 1, Artifact: foldtest.Digest("blob")}, l.Operator, l.Deployer))
	f.Fuzz(func(t *testing.T, stored []byte) {
		got := scanEnvelope(stored)
		want, err := events.DecodeEnvelope(stored)
		switch {
		case err != nil:
			return
		case got == nil && !bytes.Contains(stored, []byte(`\`)):
			t.Fatalf("DecodeEnvelope reads %q, the scan does not", stored)
		case got != nil && !reflect.DeepEqual(got, want):
			t.Fatalf("scan reads %+v, DecodeEnvelope %+v", got, want)
		}
	})
}
