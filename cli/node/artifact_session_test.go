package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// fakeUploads is an uploads whose store is a map and whose clock the test
// moves.
func fakeUploads(t *testing.T) (*uploads, map[string][]byte, *time.Time) {
	t.Helper()
	stored := map[string][]byte{}
	now := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)
	u := &uploads{MaxSize: 4 << 20, Max: 2, Idle: 2 * time.Minute, Now: func() time.Time { return now },
		Exists: func(_ context.Context, digest string) (bool, error) { _, ok := stored[digest]; return ok, nil },
		Store: func(_ context.Context, blob []byte) error {
			stored[events.Digest(blob)] = bytes.Clone(blob)
			return nil
		},
	}
	return u, stored, &now
}

// blobOf is n deterministic bytes.
func blobOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func begin(t *testing.T, u *uploads, blob []byte) string {
	t.Helper()
	r, err := u.begin(context.Background(), ArtifactPut{Digest: events.Digest(blob), Size: int64(len(blob))})
	if err != nil || r.Exists || len(r.ID) != 32 {
		t.Fatalf("begin: %+v, %v", r, err)
	}
	return r.ID
}

func wantErr(t *testing.T, err error, says string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), says) {
		t.Fatalf("error %v, want one saying %q", err, says)
	}
}

func TestUploadSession(t *testing.T) {
	t.Run("StoredAfterTheLastChunk", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		blob := blobOf(UploadChunk + 1000)
		id := begin(t, u, blob)
		if got, b, _, err := u.chunk(id, 0, blob[:UploadChunk], false); err != nil || b != nil || got != UploadChunk {
			t.Fatalf("first chunk: %d, %v", got, err)
		}
		got, b, digest, err := u.chunk(id, UploadChunk, blob[UploadChunk:], true)
		if err != nil || !bytes.Equal(b, blob) || got != int64(len(blob)) || digest != events.Digest(blob) {
			t.Fatalf("last chunk: %d bytes returned, %v", len(b), err)
		}
		if cap(b) > len(blob) {
			t.Errorf("the session buffer grew to %d bytes for a %d-byte upload", cap(b), len(blob))
		}
		if err := u.Store(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		u.done(id)
		if !bytes.Equal(stored[digest], blob) {
			t.Fatal("not stored")
		}
		if _, _, _, err := u.chunk(id, 0, blob[:1], false); err == nil {
			t.Fatal("a finished session took another chunk")
		}
	})
	t.Run("Exists", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		blob := blobOf(100)
		stored[events.Digest(blob)] = blob
		r, err := u.begin(context.Background(), ArtifactPut{Digest: events.Digest(blob), Size: 100})
		if err != nil || !r.Exists || r.ID != "" || len(u.sessions) != 0 {
			t.Fatalf("begin for a stored object: %+v, %v, %d sessions", r, err, len(u.sessions))
		}
	})
	t.Run("ErrWrongOffset", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		blob := blobOf(300)
		id := begin(t, u, blob)
		if _, _, _, err := u.chunk(id, 0, blob[:100], false); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := u.chunk(id, 200, blob[200:], true)
		wantErr(t, err, "offset 200, expected 100")
		_, _, _, err = u.chunk(id, 0, blob[:100], false)
		wantErr(t, err, "offset 0, expected 100")
		// The session is intact: the right chunk still completes it.
		if _, b, _, err := u.chunk(id, 100, blob[100:], true); err != nil || !bytes.Equal(b, blob) {
			t.Fatalf("after refused chunks: %v", err)
		}
	})
	t.Run("ErrOverflow", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		blob := blobOf(300)
		id := begin(t, u, blob)
		_, _, _, err := u.chunk(id, 0, append(bytes.Clone(blob), 1), true)
		wantErr(t, err, "301 bytes would exceed the announced size of 300")
		_, _, _, err = u.chunk(id, 0, blob, true)
		wantErr(t, err, "no such upload session")
	})
	t.Run("ErrChunkTooLarge", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		blob := blobOf(UploadChunk + 1)
		id := begin(t, u, blob)
		_, _, _, err := u.chunk(id, 0, blob, true)
		wantErr(t, err, "over 524288")
	})
	t.Run("ErrShort", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		blob := blobOf(300)
		id := begin(t, u, blob)
		_, b, _, err := u.chunk(id, 0, blob[:299], true)
		wantErr(t, err, "ended at 299 bytes, announced 300")
		if b != nil || len(u.sessions) != 0 {
			t.Fatal("a short upload was returned or kept")
		}
	})
	t.Run("ErrDigestMismatch", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		blob := blobOf(300)
		id := begin(t, u, blob)
		forged := bytes.Clone(blob)
		forged[150] ^= 1
		_, b, _, err := u.chunk(id, 0, forged, true)
		wantErr(t, err, "the bytes received hash to "+events.Digest(forged))
		wantErr(t, err, "artifact "+events.Digest(blob))
		if b != nil || len(stored) != 0 || len(u.sessions) != 0 {
			t.Fatal("a blob with the wrong digest was returned or kept")
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		u, _, now := fakeUploads(t)
		blob := blobOf(300)
		id := begin(t, u, blob)
		*now = now.Add(time.Minute)
		if _, _, _, err := u.chunk(id, 0, blob[:100], false); err != nil {
			t.Fatal(err)
		}
		// A chunk renews the session: idle 1m59s after it, still open.
		*now = now.Add(2*time.Minute - time.Second)
		if _, _, _, err := u.chunk(id, 100, blob[100:200], false); err != nil {
			t.Fatalf("a session idle for less than 2m: %v", err)
		}
		*now = now.Add(2*time.Minute + time.Second)
		_, _, _, err := u.chunk(id, 200, blob[200:], true)
		wantErr(t, err, "no such upload session")
		// An abandoned session is freed by its own timer (which calls
		// expireNow), with no other upload coming along.
		begin(t, u, blob)
		*now = now.Add(2*time.Minute + time.Second)
		u.expireNow()
		if len(u.sessions) != 0 {
			t.Fatalf("%d sessions left after expiry", len(u.sessions))
		}
	})
	t.Run("ErrTooManySessions", func(t *testing.T) {
		u, _, now := fakeUploads(t)
		begin(t, u, blobOf(10))
		begin(t, u, blobOf(11))
		_, err := u.begin(context.Background(), ArtifactPut{Digest: events.Digest(blobOf(12)), Size: 12})
		if !errors.Is(err, errUploadBusy) {
			t.Fatalf("a third session with two allowed: %v", err)
		}
		// Expired sessions free their slots.
		*now = now.Add(3 * time.Minute)
		begin(t, u, blobOf(12))
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		_, err := u.begin(context.Background(), ArtifactPut{Digest: events.Digest(nil), Size: 4<<20 + 1})
		if !errors.Is(err, schemas.ErrTooLarge) || !strings.Contains(err.Error(), events.Digest(nil)) {
			t.Fatalf("an upload over the node's limit: %v", err)
		}
	})
	t.Run("ErrBadRequest", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		for _, req := range []ArtifactPut{{Digest: "sha256:abc", Size: 1}, {Digest: strings.ToUpper(events.Digest(nil)), Size: 1},
			{Digest: events.Digest(nil), Size: 0}, {Digest: events.Digest(nil), Size: -5}} {
			if _, err := u.begin(context.Background(), req); err == nil {
				t.Errorf("begin %+v was accepted", req)
			}
		}
	})
	t.Run("ErrUnknownSession", func(t *testing.T) {
		u, _, _ := fakeUploads(t)
		begin(t, u, blobOf(10))
		_, _, _, err := u.chunk("00000000000000000000000000000000", 0, blobOf(10), true)
		wantErr(t, err, "no such upload session")
	})
}

// streamStore is a StoreStream that keeps what it read under digest if
// the bytes match it, and reports what it saw.
func streamStore(u *uploads, stored map[string][]byte, errs chan<- error) {
	u.MaxImageSize = 8 << 20
	u.StoreStream = func(_ context.Context, digest string, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err == nil && events.Digest(b) != digest {
			err = fmt.Errorf("content hashes to %s: %w", events.Digest(b), events.ErrDigestMismatch)
		}
		if err == nil {
			stored[digest] = b
		}
		errs <- err
		return err
	}
}

func beginImage(t *testing.T, u *uploads, digest string, size int) string {
	t.Helper()
	r, err := u.begin(context.Background(), ArtifactPut{Digest: digest, Size: int64(size), Image: true})
	if err != nil || r.Exists || len(r.ID) != 32 {
		t.Fatalf("begin: %+v, %v", r, err)
	}
	if !u.streaming(r.ID) {
		t.Fatal("an image blob's session does not stream")
	}
	return r.ID
}

// TestImageBlobUploadStreams sends an image blob larger than the node's
// artifact limit: it streams to the store, which sees every byte once,
// and the session checks order and size as a buffered one does.
func TestImageBlobUploadStreams(t *testing.T) {
	ctx := context.Background()
	t.Run("Stored", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		errs := make(chan error, 1)
		streamStore(u, stored, errs)
		blob := blobOf(5<<20 + 3) // over MaxSize (4 MiB), under MaxImageSize
		id := beginImage(t, u, events.Digest(blob), len(blob))
		for off := 0; off < len(blob); off += UploadChunk {
			end := min(off+UploadChunk, len(blob))
			got, err := u.streamChunk(ctx, id, int64(off), blob[off:end], end == len(blob))
			if err != nil || got != int64(end) {
				t.Fatalf("chunk at %d: received %d, %v", off, got, err)
			}
		}
		if err := <-errs; err != nil || !bytes.Equal(stored[events.Digest(blob)], blob) {
			t.Fatalf("stored %d bytes, %v", len(stored[events.Digest(blob)]), err)
		}
		if len(u.sessions) != 0 {
			t.Error("the session outlived its last chunk")
		}
	})
	t.Run("WrongDigest", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		streamStore(u, stored, make(chan error, 1))
		blob := blobOf(1000)
		id := beginImage(t, u, events.Digest([]byte("other")), len(blob))
		_, err := u.streamChunk(ctx, id, 0, blob, true)
		if !errors.Is(err, events.ErrDigestMismatch) || len(stored) != 0 {
			t.Fatalf("a blob under another digest: %v (stored %d)", err, len(stored))
		}
	})
	t.Run("OutOfOrderAndOverSize", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		errs := make(chan error, 1)
		streamStore(u, stored, errs)
		blob := blobOf(300)
		id := beginImage(t, u, events.Digest(blob), len(blob))
		_, err := u.streamChunk(ctx, id, 100, blob[100:], false)
		wantErr(t, err, "a chunk at offset 100, expected 0")
		_, err = u.streamChunk(ctx, id, 0, blobOf(301), false)
		wantErr(t, err, "would exceed the announced size of 300")
		// The session ended; its store sees the stream fail.
		if err := <-errs; err == nil {
			t.Error("the store of an ended session succeeded")
		}
		_, err = u.streamChunk(ctx, id, 0, blob, true)
		wantErr(t, err, "no such upload session")
		id = beginImage(t, u, events.Digest(blob), len(blob))
		_, err = u.streamChunk(ctx, id, 0, blob[:200], true)
		wantErr(t, err, "the upload ended at 200 bytes, announced 300")
		if len(stored) != 0 {
			t.Error("a short blob was stored")
		}
	})
	t.Run("Abandoned", func(t *testing.T) {
		u, stored, now := fakeUploads(t)
		errs := make(chan error, 1)
		streamStore(u, stored, errs)
		blob := blobOf(300)
		id := beginImage(t, u, events.Digest(blob), len(blob))
		if _, err := u.streamChunk(ctx, id, 0, blob[:100], false); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(3 * time.Minute)
		u.expireNow()
		if err := <-errs; err == nil || !strings.Contains(err.Error(), "abandoned") {
			t.Errorf("the store of an abandoned upload: %v", err)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		u, stored, _ := fakeUploads(t)
		streamStore(u, stored, make(chan error, 1))
		_, err := u.begin(ctx, ArtifactPut{Digest: events.Digest(nil), Size: 8<<20 + 1, Image: true})
		wantErr(t, err, "over this node's limits.max_image_size")
	})
}
