package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// Large blobs (image layers) live in the artifact store beside function
// artifacts, named by the same hex SHA-256, but are streamed rather than
// held in memory, and not kept in the pebble cache: a node unpacks a
// layer once into its image cache.

// Open streams the blob whose hex SHA-256 is digest from the object
// store (or the fallback, when the local mirror lacks it). The reader
// hashes what it reads and fails at the end, with ErrDigestMismatch, if
// the bytes are not the blob's.
func (a *Artifacts) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	r, err := a.openLocal(ctx, digest)
	if errors.Is(err, jetstream.ErrObjectNotFound) && a.Fallback != nil {
		r, err = a.openFallback(ctx, digest)
	}
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("open blob %s: not in the artifact store: %w", digest, events.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", digest, err)
	}
	return &verifying{r: r, h: sha256.New(), digest: digest}, nil
}

func (a *Artifacts) openLocal(ctx context.Context, digest string) (*objectReader, error) {
	stream, err := a.localStream(ctx)
	if err != nil {
		return nil, err
	}
	return openObject(ctx, a.obs, stream, digest)
}

func (a *Artifacts) openFallback(ctx context.Context, digest string) (*objectReader, error) {
	obs, stream, err := a.fallbackStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("not in the local store, and the fallback is unreachable: %w", err)
	}
	a.log.Info("blob not mirrored yet; reading it from the fallback store", "blob", digest)
	return openObject(ctx, obs, stream, digest)
}

// verifying checks a blob's digest once it is read to the end.
type verifying struct {
	r      io.Reader
	h      hash.Hash
	digest string
}

func (v *verifying) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.digest {
			return n, fmt.Errorf("blob %s: content hashes to %s: %w", v.digest, got, events.ErrDigestMismatch)
		}
	}
	return n, err
}

func (v *verifying) Close() error { return nil }

// PutBlob stores the bytes of r under digest (hex SHA-256) unless the
// store has it, streaming them in chunks. Bytes that hash to anything
// else are removed again and refused with ErrDigestMismatch; a reader
// sees such an object only as one that fails its own digest check.
func PutBlob(ctx context.Context, obs jetstream.ObjectStore, digest string, r io.Reader) error {
	if _, err := obs.GetInfo(ctx, digest); err == nil {
		return nil
	}
	h := sha256.New()
	if _, err := obs.Put(ctx, jetstream.ObjectMeta{Name: digest}, io.TeeReader(r, h)); err != nil {
		return fmt.Errorf("put blob %s: %w", digest, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != digest {
		if err := obs.Delete(ctx, digest); err != nil {
			return fmt.Errorf("put blob %s: content hashes to %s (%w), and removing it failed: %w", digest, got, events.ErrDigestMismatch, err)
		}
		return fmt.Errorf("put blob %s: content hashes to %s: %w", digest, got, events.ErrDigestMismatch)
	}
	return nil
}
