package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vault-runtime/vault/events"
)

func TestArtifacts(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	obs, err := OpenArtifactBucket(ctx, b.js, true)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	arts := NewArtifacts(b.js, obs, b.db, testSealer(t), slog.New(slog.NewTextHandler(&logs, nil)))
	blob := []byte("an artifact's bytes")
	digest, err := PutArtifact(ctx, obs, blob)
	if err != nil || digest != events.Digest(blob) {
		t.Fatalf("put: %s %v", digest, err)
	}
	if ok, err := arts.Has(ctx, digest); !ok || err != nil {
		t.Fatalf("has: %v %v", ok, err)
	}
	got, err := arts.Get(ctx, digest)
	if err != nil || string(got) != string(blob) {
		t.Fatalf("get: %q %v", got, err)
	}

	key := append([]byte("ledger/artifact/"), digest...)
	t.Run("CacheIsSealed", func(t *testing.T) {
		v, closer, err := b.db.Get(key)
		if err != nil {
			t.Fatal(err)
		}
		defer closer.Close()
		if bytes.Contains(v, []byte("artifact's")) {
			t.Fatalf("cached value holds the plaintext: %q", v)
		}
	})
	t.Run("SwappedCacheIsRefetched", func(t *testing.T) {
		other := []byte("another artifact")
		od, err := PutArtifact(ctx, obs, other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := arts.Get(ctx, od); err != nil {
			t.Fatal(err)
		}
		// The other blob's sealed value, moved under this digest's key.
		v, closer, err := b.db.Get(append([]byte("ledger/artifact/"), od...))
		if err != nil {
			t.Fatal(err)
		}
		err = b.db.Set(key, bytes.Clone(v), pebble.Sync)
		closer.Close()
		if err != nil {
			t.Fatal(err)
		}
		logs.Reset()
		got, err := arts.Get(ctx, digest)
		if err != nil || string(got) != string(blob) {
			t.Fatalf("got %q %v, want the original bytes", got, err)
		}
		// Bound to its key, the moved value must not even open.
		if !strings.Contains(logs.String(), "does not open") {
			t.Fatalf("log %q, want the swapped value rejected by the seal", logs.String())
		}
	})
	t.Run("CorruptCacheIsRefetched", func(t *testing.T) {
		if err := b.db.Set(append([]byte("ledger/artifact/"), digest...), []byte("tampered"), pebble.Sync); err != nil {
			t.Fatal(err)
		}
		got, err := arts.Get(ctx, digest)
		if err != nil || string(got) != string(blob) {
			t.Fatalf("got %q %v, want the original bytes", got, err)
		}
	})
	t.Run("ErrDigestMismatch", func(t *testing.T) {
		wrong := events.Digest([]byte("something else"))
		if _, err := obs.PutBytes(ctx, wrong, blob); err != nil {
			t.Fatal(err)
		}
		if _, err := arts.Get(ctx, wrong); !errors.Is(err, events.ErrDigestMismatch) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		missing := events.Digest([]byte("never stored"))
		if _, err := arts.Get(ctx, missing); !errors.Is(err, events.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		if ok, err := arts.Has(ctx, missing); ok || err != nil {
			t.Fatalf("has: %v %v", ok, err)
		}
	})
}

// TestReadObjectChunkByChunk reads objects of many chunks whose chunks
// interleave in the stream (two puts at once), an empty one, and one whose
// metadata claims chunks that are not there, which must fail rather than
// return part of it.
func TestReadObjectChunkByChunk(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	obs, err := OpenArtifactBucket(ctx, b.js, true)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := artifactStream(ctx, b.js)
	if err != nil {
		t.Fatal(err)
	}
	blobs := make([][]byte, 2)
	for i := range blobs {
		blobs[i] = make([]byte, 1<<20+i*4099) // 9 chunks of nats.go's 128 KiB
		for j := range blobs[i] {
			blobs[i][j] = byte(j*31 + i)
		}
	}
	var wg sync.WaitGroup
	for _, blob := range blobs {
		wg.Go(func() {
			if _, err := PutArtifact(ctx, obs, blob); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, blob := range append(blobs, []byte{}) {
		digest := events.Digest(blob)
		if len(blob) == 0 {
			if _, err := PutArtifact(ctx, obs, blob); err != nil {
				t.Fatal(err)
			}
		}
		got, err := readObject(ctx, obs, stream, digest)
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("read %d of %d bytes (equal %v): %v", len(got), len(blob), bytes.Equal(got, blob), err)
		}
	}

	info, err := obs.GetInfo(ctx, events.Digest(blobs[0]))
	if err != nil {
		t.Fatal(err)
	}
	forged := *info
	forged.Name, forged.Chunks, forged.Size = "forged", info.Chunks+1, info.Size+10
	meta, _ := json.Marshal(forged)
	subj := "$O." + ArtifactBucket + ".M." + base64.URLEncoding.EncodeToString([]byte("forged"))
	if _, err := b.js.Publish(ctx, subj, meta); err != nil {
		t.Fatal(err)
	}
	got, err := readObject(ctx, obs, stream, "forged")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("chunk %d of %d", forged.Chunks, forged.Chunks)) {
		t.Fatalf("an object whose last chunk is missing: read %d bytes, err %v", len(got), err)
	}
}
