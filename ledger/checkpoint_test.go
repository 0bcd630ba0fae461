package ledger

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
)

func TestParseCheckpoint(t *testing.T) {
	root := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	ok := []struct {
		text string
		size uint64
	}{
		{"vault/abc\n0\n" + root + "\n", 0},
		{"vault/abc\n12345\n" + root + "\n", 12345},
		{"example.com/log\n7\n" + root + "\nextension line\n", 7},
	}
	for _, tt := range ok {
		c, err := ParseCheckpoint(tt.text)
		if err != nil || c.Size != tt.size {
			t.Errorf("ParseCheckpoint(%q) = %+v, %v", tt.text, c, err)
		}
	}
	bad := []string{
		"", "vault/abc\n", "vault/abc\n1\n", "\n1\n" + root + "\n",
		"vault/abc\n01\n" + root + "\n", "vault/abc\n+1\n" + root + "\n", "vault/abc\n-1\n" + root + "\n",
		"vault/abc\n1\n" + root, "vault/abc\n1\nnot-base64\n", "vault/abc\n1\nAAAA\n",
		"vault/abc\n1\n" + strings.TrimSuffix(root, "=") + "\n", "vault/abc\n1\n" + root + "\nno newline",
		"vault/abc\n1\n" + root + "\n\n",
	}
	for _, text := range bad {
		if c, err := ParseCheckpoint(text); !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("ParseCheckpoint(%q) = %+v, %v; want ErrBadCheckpoint", text, c, err)
		}
	}
}

func TestCheckpointSignOpen(t *testing.T) {
	logKey, _ := events.GenerateSigner()
	other, _ := events.GenerateSigner()
	origin := Origin("ledger-1")
	c := Checkpoint{Origin: origin, Size: 42, Root: tlog.RecordHash([]byte("x"))}
	msg, err := SignCheckpoint(c, NoteSigner(origin, logKey))
	if err != nil {
		t.Fatal(err)
	}
	// A standard note verifier, from the key's standard vkey, accepts it.
	vkey, _ := note.NewEd25519VerifierKey(origin, logKey.Public())
	v, _ := note.NewVerifier(vkey)
	got, _, err := OpenCheckpoint(msg, origin, note.VerifierList(v))
	if err != nil || got != c {
		t.Fatalf("open: %+v %v", got, err)
	}
	t.Run("ErrBadCheckpointWrongKey", func(t *testing.T) {
		ov, _ := NoteVerifier(origin, other.Public())
		if _, _, err := OpenCheckpoint(msg, origin, note.VerifierList(ov)); !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrBadCheckpointWrongOrigin", func(t *testing.T) {
		if _, _, err := OpenCheckpoint(msg, Origin("ledger-2"), note.VerifierList(v)); !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrBadCheckpointAnyFlippedByte", func(t *testing.T) {
		for i := range msg {
			m := append([]byte(nil), msg...)
			m[i] ^= 0x01
			if c2, _, err := OpenCheckpoint(m, origin, note.VerifierList(v)); err == nil && c2 != c {
				t.Fatalf("flipping byte %d gave a different checkpoint that verifies: %+v", i, c2)
			}
		}
	})
}

func TestCheckpointerCoversLedger(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	logKey, _ := events.GenerateSigner()
	origin := Origin("ledger-1")
	cp, err := NewCheckpointer(ctx, s, NoteSigner(origin, logKey), origin, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if msg, size, err := cp.Now(ctx); err != nil || msg != nil || size != 0 {
		t.Fatalf("empty ledger: %q %d %v", msg, size, err)
	}
	var leaves [][]byte
	for i := range 5 {
		s.Append(ctx, envelope(i), admitAll, AppendOptions{})
		leaves = append(leaves, envelope(i))
	}
	msg, size, err := cp.Now(ctx)
	if err != nil || size != 5 {
		t.Fatalf("checkpoint: size %d %v", size, err)
	}
	v, _ := NoteVerifier(origin, logKey.Public())
	c, _, err := OpenCheckpoint(msg, origin, note.VerifierList(v))
	if err != nil || string(c.Root[:]) != string(mth(leaves)) {
		t.Fatalf("checkpoint root is not the RFC 6962 root of the records: %v", err)
	}
	if again, _, _ := cp.Now(ctx); string(again) != string(msg) {
		t.Error("an unchanged ledger got a new checkpoint")
	}
	if stored, err := cp.At(5); err != nil || string(stored) != string(msg) {
		t.Errorf("At(5) = %q, %v", stored, err)
	}
	// A restarted checkpointer knows where it was.
	cp2, err := NewCheckpointer(ctx, s, NoteSigner(origin, logKey), origin, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if latest, size := cp2.Latest(); size != 5 || string(latest) != string(msg) {
		t.Errorf("restored latest: size %d", size)
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("vault/abc\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	f.Add("vault/abc\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n")
	f.Add("x\n01\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		// A checkpoint that parses re-encodes to the text's first three lines.
		if !strings.HasPrefix(text, c.Text()) {
			t.Fatalf("parsed %+v from %q, which re-encodes as %q", c, text, c.Text())
		}
	})
}
