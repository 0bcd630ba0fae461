package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

var artifactPrefix = []byte("ledger/artifact/")

// ArtifactBucketConfig is the object store holding artifact blobs.
func ArtifactBucketConfig() jetstream.ObjectStoreConfig {
	return jetstream.ObjectStoreConfig{
		Bucket:      ArtifactBucket,
		Description: "Vault artifacts, named by the SHA-256 of their bytes",
		Storage:     jetstream.FileStorage,
	}
}

// CreateArtifactBucket opens a hub's artifact object store, creating it
// with replicas copies if it is missing.
func CreateArtifactBucket(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.ObjectStore, error) {
	obs, err := js.ObjectStore(ctx, ArtifactBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		cfg := ArtifactBucketConfig()
		cfg.Replicas = max(replicas, 1)
		obs, err = js.CreateObjectStore(ctx, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open artifact store: %w", err)
	}
	return obs, nil
}

// OpenArtifactBucket opens the artifact object store, creating it if asked.
func OpenArtifactBucket(ctx context.Context, js jetstream.JetStream, create bool) (jetstream.ObjectStore, error) {
	obs, err := js.ObjectStore(ctx, ArtifactBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) && create {
		obs, err = js.CreateObjectStore(ctx, ArtifactBucketConfig())
	}
	if err != nil {
		return nil, fmt.Errorf("open artifact store: %w", err)
	}
	return obs, nil
}

// Artifacts reads content-addressed blobs from the object store through a
// local pebble cache. Every blob is digest-checked before it is cached or
// returned; the cache holds blobs sealed, since they are function code.
type Artifacts struct {
	js     jetstream.JetStream
	obs    jetstream.ObjectStore
	stream atomic.Pointer[jetstream.Stream] // obs's stream, once found
	db     *pebble.DB
	seal   *Sealer
	log    *slog.Logger
	// Fallback, if set, is the JetStream of a second store to try when
	// obs lacks a blob: an edge's mirror may not have received it yet,
	// the hub (in its domain) has.
	Fallback func(context.Context) (jetstream.JetStream, error)
}

// NewArtifacts wires the artifact reader of obs, an object store of js;
// seal encrypts the cache.
func NewArtifacts(js jetstream.JetStream, obs jetstream.ObjectStore, db *pebble.DB, seal *Sealer, log *slog.Logger) *Artifacts {
	return &Artifacts{js: js, obs: obs, db: db, seal: seal, log: log}
}

// Get returns the blob whose hex SHA-256 is digest.
func (a *Artifacts) Get(ctx context.Context, digest string) ([]byte, error) {
	key := append(bytes.Clone(artifactPrefix), digest...)
	if blob, ok := a.cached(key, digest); ok {
		return blob, nil
	}
	blob, err := a.fetch(ctx, digest)
	if errors.Is(err, jetstream.ErrObjectNotFound) && a.Fallback != nil {
		blob, err = a.fetchFallback(ctx, digest)
	}
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("get artifact %s: %w", digest, events.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get artifact %s: %w", digest, err)
	}
	if got := events.Digest(blob); got != digest {
		return nil, fmt.Errorf("get artifact %s: content hashes to %s: %w", digest, got, events.ErrDigestMismatch)
	}
	// A cache: refetched if lost.
	if err := a.db.Set(key, a.seal.Seal(blob, key), pebble.NoSync); err != nil {
		return nil, fmt.Errorf("cache artifact %s: %w", digest, err)
	}
	return blob, nil
}

// fetch reads digest from the node's own store.
func (a *Artifacts) fetch(ctx context.Context, digest string) ([]byte, error) {
	stream, err := a.localStream(ctx)
	if err != nil {
		return nil, err
	}
	return readObject(ctx, a.obs, stream, digest)
}

// localStream is the stream behind the node's own object store, found
// once.
func (a *Artifacts) localStream(ctx context.Context) (jetstream.Stream, error) {
	if stream := a.stream.Load(); stream != nil {
		return *stream, nil
	}
	s, err := artifactStream(ctx, a.js)
	if err != nil {
		return nil, err
	}
	a.stream.Store(&s)
	return s, nil
}

func (a *Artifacts) fetchFallback(ctx context.Context, digest string) ([]byte, error) {
	obs, stream, err := a.fallbackStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("artifact %s is not in the local store, and the fallback is unreachable: %w", digest, err)
	}
	a.log.Info("artifact not mirrored yet; fetching it from the fallback store", "artifact", digest)
	return readObject(ctx, obs, stream, digest)
}

// fallbackStore is the fallback's object store and the stream behind it.
func (a *Artifacts) fallbackStore(ctx context.Context) (jetstream.ObjectStore, jetstream.Stream, error) {
	js, err := a.Fallback(ctx)
	if err != nil {
		return nil, nil, err
	}
	obs, err := OpenArtifactBucket(ctx, js, false)
	if err != nil {
		return nil, nil, err
	}
	stream, err := artifactStream(ctx, js)
	if err != nil {
		return nil, nil, err
	}
	return obs, stream, nil
}

// artifactStream finds the stream behind the artifact object store.
func artifactStream(ctx context.Context, js jetstream.JetStream) (stream jetstream.Stream, err error) {
	err = retryRequest(ctx, func(ctx context.Context) (err error) {
		stream, err = js.Stream(ctx, ArtifactStreamConfig().Name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("artifact store's stream: %w", err)
	}
	return stream, nil
}

// cached returns the cached blob for key if it opens and matches digest;
// anything else is a miss, to be fetched again.
func (a *Artifacts) cached(key []byte, digest string) ([]byte, bool) {
	v, closer, err := a.db.Get(key)
	if err != nil {
		return nil, false
	}
	defer closer.Close()
	blob, err := a.seal.Open(v, key)
	if err != nil {
		a.log.Warn("cached artifact does not open; fetching again", "artifact", digest, "err", err)
		return nil, false
	}
	if events.Digest(blob) != digest {
		a.log.Warn("cached artifact failed its digest check; fetching again", "artifact", digest)
		return nil, false
	}
	return blob, true
}

// Has reports whether the object store holds digest, without fetching it.
// In a cluster of hubs any replica answers, and one may not have an
// upload yet that another hub just took: a miss is asked again for a
// moment before it counts.
func (a *Artifacts) Has(ctx context.Context, digest string) (bool, error) {
	_, err := a.obs.GetInfo(ctx, digest)
	for try := 0; errors.Is(err, jetstream.ErrObjectNotFound) && try < 10 && ctx.Err() == nil; try++ {
		time.Sleep(50 * time.Millisecond)
		_, err = a.obs.GetInfo(ctx, digest)
	}
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat artifact %s: %w", digest, err)
	}
	return true, nil
}

// PutArtifact stores blob under its digest unless it is already there.
func PutArtifact(ctx context.Context, obs jetstream.ObjectStore, blob []byte) (string, error) {
	digest := events.Digest(blob)
	if _, err := obs.GetInfo(ctx, digest); err == nil {
		return digest, nil
	}
	if _, err := obs.PutBytes(ctx, digest, blob); err != nil {
		return "", fmt.Errorf("put artifact %s: %w", digest, err)
	}
	return digest, nil
}
