package ledger

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// TestBlobsStream puts a blob of many chunks from a reader that returns
// a few bytes at a time, reads it back through Open, and checks what
// happens to bytes that do not match their digest, on either side.
func TestBlobsStream(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	obs, err := OpenArtifactBucket(ctx, b.js, true)
	if err != nil {
		t.Fatal(err)
	}
	arts := NewArtifacts(b.js, obs, b.db, testSealer(t), slog.New(slog.DiscardHandler))
	blob := make([]byte, 3<<20+17)
	rand.NewChaCha8([32]byte{1}).Read(blob)
	digest := events.Digest(blob)
	if err := PutBlob(ctx, obs, digest, iotest.HalfReader(bytes.NewReader(blob))); err != nil {
		t.Fatal(err)
	}
	r, err := arts.Open(ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(r, 1<<20)))
	if err != nil || !bytes.Equal(got, blob[:1<<20]) {
		t.Fatalf("first MiB, one byte at a time: %d bytes, %v", len(got), err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(append(got, rest...), blob) {
		t.Fatalf("read %d of %d bytes: %v", len(got)+len(rest), len(blob), err)
	}
	// A second put of a stored blob reads nothing.
	if err := PutBlob(ctx, obs, digest, iotest.ErrReader(errors.New("read"))); err != nil {
		t.Errorf("a second put: %v", err)
	}

	t.Run("PutRefusesOtherBytes", func(t *testing.T) {
		wrong := events.Digest([]byte("something else"))
		if err := PutBlob(ctx, obs, wrong, bytes.NewReader(blob)); !errors.Is(err, events.ErrDigestMismatch) {
			t.Fatalf("put under another digest: %v", err)
		}
		if _, err := obs.GetInfo(ctx, wrong); !errors.Is(err, jetstream.ErrObjectNotFound) {
			t.Errorf("the refused bytes are still stored: %v", err)
		}
	})
	t.Run("OpenRefusesOtherBytes", func(t *testing.T) {
		wrong := events.Digest([]byte("not these bytes"))
		if _, err := obs.PutBytes(ctx, wrong, blob[:1000]); err != nil {
			t.Fatal(err)
		}
		r, err := arts.Open(ctx, wrong)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(r); !errors.Is(err, events.ErrDigestMismatch) {
			t.Fatalf("read: %v, want ErrDigestMismatch", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		if _, err := arts.Open(ctx, events.Digest([]byte("never stored"))); !errors.Is(err, events.ErrNotFound) {
			t.Fatalf("open: %v, want ErrNotFound", err)
		}
	})
	t.Run("Fallback", func(t *testing.T) {
		edge := newBackend(t)
		eobs, err := OpenArtifactBucket(ctx, edge.js, true)
		if err != nil {
			t.Fatal(err)
		}
		earts := NewArtifacts(edge.js, eobs, edge.db, testSealer(t), slog.New(slog.DiscardHandler))
		earts.Fallback = func(context.Context) (jetstream.JetStream, error) { return b.js, nil }
		r, err := earts.Open(ctx, digest)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("read from the fallback: %d bytes, %v", len(got), err)
		}
	})
}
