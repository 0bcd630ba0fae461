package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
)

func (f *witnessFixture) cosigner(t *testing.T) *Cosigner {
	t.Helper()
	c, err := NewCosigner(CosignerConfig{Store: f.s, Origin: f.origin, Key: f.witness, Keyring: f.keyring, Publish: f.publish, Log: f.log()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCosignerCosignsConsistentCheckpointsInOrder(t *testing.T) {
	f := newWitnessFixture(t)
	c := f.cosigner(t)
	ctx := context.Background()
	for _, size := range []uint64{1, 3, 4, 9, 16, 17} {
		f.appendTo(t, size)
		cp := f.checkpoint(t, size)
		msg, err := c.Cosign(ctx, cp)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if got := f.published[CosignatureSubject(size, f.witness.ID)]; string(got) != string(msg) {
			t.Fatalf("size %d: published %q, want %q", size, got, msg)
		}
		want, _ := PeekCheckpoint(cp)
		r := CountCosigners(want, [][]byte{msg}, f.keyring())
		if !slices.Equal(r.Cosigners, []string{f.witness.ID}) || len(r.Ignored) != 0 {
			t.Fatalf("size %d: count %+v", size, r)
		}
		if last, root := c.Last(); last != size || root != want.Root {
			t.Fatalf("Last() = %d, want %d", last, size)
		}
	}
	t.Run("SameCheckpointAgainIsNotSignedTwice", func(t *testing.T) {
		first := f.published[CosignatureSubject(17, f.witness.ID)]
		again, err := c.Cosign(ctx, f.checkpoint(t, 17))
		if err != nil || string(again) != string(first) {
			t.Fatalf("got %q %v", again, err)
		}
	})
}

func TestCosignerRefuses(t *testing.T) {
	f := newWitnessFixture(t)
	c := f.cosigner(t)
	ctx := context.Background()
	f.appendTo(t, 8)
	if _, err := c.Cosign(ctx, f.checkpoint(t, 6)); err != nil {
		t.Fatal(err)
	}
	published := f.publishedCount()
	stranger := fixedSigner(t, 9)
	notLogSigned, _ := SignCheckpoint(Checkpoint{Origin: f.origin, Size: 8, Root: mustTreeHash(t, f.s, 8)}, NoteSigner(f.origin, stranger))
	for _, tc := range []struct {
		name string
		msg  []byte
		want error
	}{
		{"ErrForkedCheckpointRootDiffersFromLocalTree", f.fork(t, 8), ErrForkedCheckpoint},
		{"ErrForkedCheckpointSameSizeAsLast", f.fork(t, 6), ErrForkedCheckpoint},
		{"ErrStaleCheckpoint", f.checkpoint(t, 5), ErrStaleCheckpoint},
		{"ErrCheckpointAhead", f.sign(t, 9, mustTreeHash(t, f.s, 8)), ErrCheckpointAhead},
		{"ErrBadCheckpointNotSignedByLogKey", notLogSigned, ErrBadCheckpoint},
		{"ErrBadCheckpointGarbage", []byte("not a note"), ErrBadCheckpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg, err := c.Cosign(ctx, tc.msg); !errors.Is(err, tc.want) || msg != nil {
				t.Fatalf("got %q, %v; want %v", msg, err, tc.want)
			}
		})
	}
	t.Run("ErrNotWitness", func(t *testing.T) {
		f.setRoles(events.RoleDeploy)
		defer f.setRoles(events.RoleWitness)
		if _, err := c.Cosign(ctx, f.checkpoint(t, 8)); !errors.Is(err, ErrNotWitness) {
			t.Fatalf("got %v", err)
		}
	})
	if n := f.publishedCount(); n != published {
		t.Fatalf("refusals published %d cosignatures", n-published)
	}
	if n := f.logs.count("witness refuses to cosign"); n != 2 {
		t.Errorf("%d fork refusals logged, want 2 (one per forked checkpoint)", n)
	}
	if _, err := c.Cosign(ctx, f.checkpoint(t, 8)); err != nil {
		t.Fatalf("a consistent checkpoint after the refusals: %v", err)
	}
}

func TestCosignerStateSurvivesRestart(t *testing.T) {
	f := newWitnessFixture(t)
	ctx := context.Background()
	f.appendTo(t, 10)
	if _, err := f.cosigner(t).Cosign(ctx, f.checkpoint(t, 10)); err != nil {
		t.Fatal(err)
	}
	f.reopen(t)
	c := f.cosigner(t)
	if size, root := c.Last(); size != 10 || root != mustTreeHash(t, f.s, 10) {
		t.Fatalf("after restart Last() = %d", size)
	}
	if _, err := c.Cosign(ctx, f.checkpoint(t, 7)); !errors.Is(err, ErrStaleCheckpoint) {
		t.Fatalf("a smaller checkpoint after restart: %v", err)
	}
	if msg, err := c.Cosign(ctx, f.checkpoint(t, 10)); err != nil || msg != nil {
		t.Fatalf("the same checkpoint after restart: %q %v; want nothing new", msg, err)
	}
	t.Run("ErrForkedCheckpointLedgerSwappedUnderIt", func(t *testing.T) {
		// The witness remembers cosigning another tree of size 10 (as if
		// its ledger had been replaced since): a checkpoint that matches
		// the ledger it has now still is not an extension of that tree.
		other := f.fork(t, 10)
		cp, _ := PeekCheckpoint(other)
		f.reopen(t)
		if err := f.b.db.Set(witnessLastKey, append(u64(10), cp.Root[:]...), nil); err != nil {
			t.Fatal(err)
		}
		c := f.cosigner(t)
		f.appendTo(t, 12)
		if _, err := c.Cosign(ctx, f.checkpoint(t, 12)); !errors.Is(err, ErrForkedCheckpoint) {
			t.Fatalf("got %v, want ErrForkedCheckpoint", err)
		}
	})
}

func mustTreeHash(t *testing.T, s *Store, n uint64) [32]byte {
	t.Helper()
	h, err := s.idx.treeHash(n)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCountCosignersRejectsEveryFlippedByte(t *testing.T) {
	f := newWitnessFixture(t)
	f.appendTo(t, 5)
	cpNote := f.checkpoint(t, 5)
	cp, _ := PeekCheckpoint(cpNote)
	msg, err := f.cosigner(t).Cosign(context.Background(), cpNote)
	if err != nil {
		t.Fatal(err)
	}
	if r := CountCosigners(cp, [][]byte{msg}, f.keyring()); len(r.Cosigners) != 1 {
		t.Fatalf("the intact cosignature: %+v", r)
	}
	for i := range msg {
		m := slices.Clone(msg)
		m[i] ^= 0x01
		r := CountCosigners(cp, [][]byte{m}, f.keyring())
		if len(r.Cosigners) != 0 || len(r.Ignored) != 1 {
			t.Fatalf("flipping byte %d (%q): counted %+v", i, msg[i], r)
		}
	}
	t.Run("KeyWithoutWitnessRoleIsIgnored", func(t *testing.T) {
		f.setRoles(events.RoleDeploy)
		defer f.setRoles(events.RoleWitness)
		r := CountCosigners(cp, [][]byte{msg}, f.keyring())
		if len(r.Cosigners) != 0 || len(r.Ignored) != 1 || r.Ignored[0].Witness != f.witness.ID {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("OtherCheckpointIsIgnored", func(t *testing.T) {
		other, _ := PeekCheckpoint(f.checkpoint(t, 4))
		if r := CountCosigners(other, [][]byte{msg}, f.keyring()); len(r.Cosigners) != 0 || len(r.Ignored) != 1 {
			t.Fatalf("got %+v", r)
		}
	})
}

func TestCosignatureIsC2SPCosignatureV1(t *testing.T) {
	w := fixedSigner(t, 2)
	at := time.Unix(1679315147, 0)
	body := "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	sig, err := CosignatureSigner(w, func() time.Time { return at }).Sign([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	// The signed message, as the spec spells it out.
	signed := "cosignature/v1\ntime 1679315147\n" + body
	if len(sig) != 72 || !CosignatureVerifier(w.ID, w.Public()).Verify([]byte(body), sig) ||
		!ed25519.Verify(w.Public(), []byte(signed), sig[8:]) || binary.BigEndian.Uint64(sig) != 1679315147 {
		t.Fatalf("not a timestamped ed25519 signature over %q", signed)
	}
	// The key ID commits to the name and the cosignature/v1 type, 0x04.
	name := "vault-witness/" + w.ID
	sum := sha256.Sum256(append([]byte(name+"\n\x04"), w.Public()...))
	if got := CosignatureSigner(w, nil).KeyHash(); got != binary.BigEndian.Uint32(sum[:]) || CosignatureSigner(w, nil).Name() != name {
		t.Fatalf("key hash %08x", got)
	}
}

// fuzzCosignatureSeeds are well-formed inputs: a cosignature, the log's
// note, both signatures on one note.
func fuzzCosignatureSeeds(t testing.TB) (origin string, kr *events.Keyring, seeds [][]byte) {
	w, logKey := fixedSigner(t, 2), fixedSigner(t, 1)
	origin = Origin("ledger-1")
	kr = &events.Keyring{Keys: map[string]*events.Key{w.ID: {ID: w.ID, PublicKey: w.Public(), Roles: []events.Role{events.RoleWitness}}}}
	body := Checkpoint{Origin: origin, Size: 3, Root: tlog.RecordHash([]byte("x"))}
	at := func() time.Time { return time.Unix(1700000000, 0) }
	cosig, err := note.Sign(&note.Note{Text: body.Text()}, CosignatureSigner(w, at))
	if err != nil {
		t.Fatal(err)
	}
	both, err := note.Sign(&note.Note{Text: body.Text()}, NoteSigner(origin, logKey), CosignatureSigner(w, at))
	if err != nil {
		t.Fatal(err)
	}
	logNote, _ := SignCheckpoint(body, NoteSigner(origin, logKey))
	return origin, kr, [][]byte{cosig, both, logNote}
}

func FuzzParseCosignature(f *testing.F) {
	origin, kr, seeds := fuzzCosignatureSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := ParseCosignature(msg)
		if err != nil {
			if !errors.Is(err, ErrBadCosignature) {
				t.Fatalf("error %v is not ErrBadCosignature", err)
			}
			return
		}
		if c.Witness == "" || c.Checkpoint.Origin == "" {
			t.Fatalf("parsed %+v", c)
		}
		if _, err := ParseCheckpoint(noteText(msg)); err != nil {
			t.Fatalf("parsed a cosignature whose body is no checkpoint: %v", err)
		}
		opened, err := OpenCosignature(msg, origin, kr)
		if err == nil && (opened != c || kr.Keys[c.Witness] == nil) {
			t.Fatalf("opened %+v, parsed %+v", opened, c)
		}
		if err != nil && !errors.Is(err, ErrBadCosignature) {
			t.Fatalf("error %v is not ErrBadCosignature", err)
		}
	})
}
