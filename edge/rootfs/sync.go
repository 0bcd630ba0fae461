package rootfs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

// Blobs opens stored blobs by OCI digest ("sha256:<hex>"); the reader
// fails at the end if the bytes are not the blob's (ledger.Artifacts).
type Blobs interface {
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
}

// Syncer keeps a Cache in step with the images the ledger holds: it
// unpacks each image the projected state names, from the node's own
// artifact store (never a registry), and prunes the trees of images the
// ledger removed. It takes snapshots like the edge does and works
// through them in the background, one image at a time.
type Syncer struct {
	cache *Cache
	blobs Blobs
	log   *slog.Logger

	mu     sync.Mutex
	want   map[string]*fold.Image
	status map[string]Status
	kick   chan struct{}
	// synced, if set, is called after each pass (tests wait on it).
	synced func()
}

// Status is where an image stands on this node.
type Status struct {
	Unpacked bool   `json:"unpacked"`
	Path     string `json:"path,omitempty"`
	// Err is why the last unpack failed; it is tried again on the next
	// snapshot.
	Err string `json:"error,omitempty"`
}

// NewSyncer returns a Syncer filling cache from blobs.
func NewSyncer(cache *Cache, blobs Blobs, log *slog.Logger) *Syncer {
	return &Syncer{cache: cache, blobs: blobs, log: log, status: map[string]Status{}, kick: make(chan struct{}, 1)}
}

// Publish takes the images of snap; it never blocks.
func (s *Syncer) Publish(snap *fold.Snapshot) {
	s.mu.Lock()
	s.want = snap.State.Images
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Status reports every image the ledger names or the cache holds.
func (s *Syncer) Status() map[string]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.status)
}

// Run works until ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.kick:
		}
		s.sync(ctx)
		if s.synced != nil {
			s.synced()
		}
	}
}

func (s *Syncer) sync(ctx context.Context) {
	s.mu.Lock()
	want := s.want
	s.mu.Unlock()
	for _, digest := range slices.Sorted(maps.Keys(want)) {
		if ctx.Err() != nil {
			return
		}
		img := want[digest]
		tree, err := s.unpack(ctx, img)
		st := Status{Unpacked: err == nil, Path: tree}
		if err != nil {
			st.Err = err.Error()
			s.log.Warn("image not unpacked", "image", digest, "err", err)
		}
		s.mu.Lock()
		s.status[digest] = st
		s.mu.Unlock()
	}
	removed, err := s.cache.Prune(func(image string) bool { _, ok := want[image]; return ok })
	if err != nil {
		s.log.Warn("prune unpacked images", "err", err)
	}
	s.mu.Lock()
	for _, image := range removed {
		delete(s.status, image)
	}
	s.mu.Unlock()
	if len(removed) > 0 {
		s.log.Info("removed unpacked images the ledger no longer holds", "images", removed)
	}
}

// unpack returns img's tree, unpacking it if need be. The layers'
// DiffIDs come from the image config, so the uncompressed streams are
// checked too.
func (s *Syncer) unpack(ctx context.Context, img *fold.Image) (string, error) {
	if tree, err := s.cache.Path(img.Digest); err == nil && exists(tree) {
		return tree, nil
	}
	diffIDs, err := s.diffIDs(ctx, img)
	if err != nil {
		return "", err
	}
	layers := make([]Layer, len(img.Layers))
	for i, b := range img.Layers {
		layers[i] = Layer{Digest: b.Digest, DiffID: diffIDs[i], MediaType: b.MediaType,
			Open: func() (io.ReadCloser, error) { return s.blobs.Open(ctx, b.Digest) }}
	}
	return s.cache.Unpacked(ctx, img.Digest, layers)
}

// imageConfig is the part of an OCI image config Unpack needs.
type imageConfig struct {
	RootFS struct {
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

func (s *Syncer) diffIDs(ctx context.Context, img *fold.Image) ([]string, error) {
	rc, err := s.blobs.Open(ctx, img.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", img.Digest, err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxConfig+1))
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", img.Digest, err)
	}
	if len(raw) > maxConfig {
		return nil, fmt.Errorf("image %s: config is over %d bytes", img.Digest, maxConfig)
	}
	var cfg imageConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("image %s: config: %w", img.Digest, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(img.Layers) {
		return nil, fmt.Errorf("image %s: config lists %d layers, the manifest %d", img.Digest, len(cfg.RootFS.DiffIDs), len(img.Layers))
	}
	for _, d := range cfg.RootFS.DiffIDs {
		if !events.ValidOCIDigest(d) {
			return nil, fmt.Errorf("image %s: config: diff_id %q is not sha256:<64 hex>", img.Digest, d)
		}
	}
	return cfg.RootFS.DiffIDs, nil
}

// maxConfig bounds an image config blob read into memory.
const maxConfig = 4 << 20

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
