package rootfs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

// Rootfs is the unpacked tree of image digest, unpacked now if the
// background pass has not done it yet. It reads the image's manifest from
// the node's artifact store, so it needs no projected state: a node
// starting a container while it replays the ledger finds the image the
// same way.
func (s *Syncer) Rootfs(ctx context.Context, digest string) (string, error) {
	if tree, err := s.cache.Path(digest); err == nil && exists(tree) {
		return tree, nil
	}
	img, err := s.image(ctx, digest)
	if err != nil {
		return "", err
	}
	tree, err := s.unpack(ctx, img)
	st := Status{Unpacked: err == nil, Path: tree}
	if err != nil {
		st.Err = err.Error()
	}
	s.mu.Lock()
	s.status[digest] = st
	s.mu.Unlock()
	return tree, err
}

// ociManifest is the part of an image manifest Rootfs reads.
type ociManifest struct {
	Config events.Blob   `json:"config"`
	Layers []events.Blob `json:"layers"`
}

// image reads the manifest stored under digest.
func (s *Syncer) image(ctx context.Context, digest string) (*fold.Image, error) {
	rc, err := s.blobs.Open(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", digest, err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxConfig+1))
	if err == nil && len(raw) > maxConfig {
		err = fmt.Errorf("over %d bytes", maxConfig)
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", digest, err)
	}
	var m ociManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", digest, err)
	}
	if len(m.Layers) == 0 || len(m.Layers) > events.MaxImageLayers || !events.ValidOCIDigest(m.Config.Digest) {
		return nil, fmt.Errorf("image %s: manifest names %d layers and config %q", digest, len(m.Layers), m.Config.Digest)
	}
	for _, l := range m.Layers {
		if !events.ValidOCIDigest(l.Digest) {
			return nil, fmt.Errorf("image %s: manifest: layer digest %q is not sha256:<64 hex>", digest, l.Digest)
		}
	}
	return &fold.Image{Digest: digest, Manifest: events.Blob{Digest: digest}, Config: m.Config, Layers: m.Layers}, nil
}
