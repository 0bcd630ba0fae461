package registry

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vault-runtime/vault/events"
)

// Push writes the stored image img to the registry as dst (a tag or a
// digest reference; a digest must be img's). The registry receives the
// very manifest bytes that were pulled, so the image keeps its digest.
func (c *Client) Push(ctx context.Context, img events.ImagePulled, store Store, dst string) error {
	r, err := name.ParseReference(dst)
	if err != nil {
		return fmt.Errorf("push %s: %w", dst, err)
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != img.Digest {
		return fmt.Errorf("push %s: the image is %s", dst, img.Digest)
	}
	stored, err := partial.CompressedToImage(&storedImage{ctx: ctx, img: img, store: store})
	if err != nil {
		return fmt.Errorf("push %s: %w", dst, err)
	}
	var total int64
	for _, l := range img.Layers {
		total += l.Size
	}
	opts := c.remote(ctx)
	if c.opts.Progress != nil {
		updates := make(chan v1.Update, 16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for u := range updates {
				c.progress(u.Complete, u.Total)
			}
		}()
		defer func() { <-done }()
		opts = append(opts, remote.WithProgress(updates))
	}
	if err := remote.Write(r, stored, opts...); err != nil {
		return explain("push", dst, r.Context().RegistryStr(), err)
	}
	return nil
}

// storedImage is an image whose blobs are in a Store.
type storedImage struct {
	ctx   context.Context
	img   events.ImagePulled
	store Store
}

func (s *storedImage) read(digest string) ([]byte, error) {
	rc, err := s.store.Open(s.ctx, digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", digest, err)
	}
	if "sha256:"+events.Digest(b) != digest {
		return nil, fmt.Errorf("read %s: the stored bytes hash to sha256:%s", digest, events.Digest(b))
	}
	return b, nil
}

func (s *storedImage) RawConfigFile() ([]byte, error) { return s.read(s.img.Config.Digest) }
func (s *storedImage) RawManifest() ([]byte, error)   { return s.read(s.img.Manifest.Digest) }
func (s *storedImage) MediaType() (types.MediaType, error) {
	return types.MediaType(s.img.Manifest.MediaType), nil
}

func (s *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, l := range s.img.Layers {
		if l.Digest == h.String() {
			return &storedLayer{s: s, blob: l, hash: h}, nil
		}
	}
	if s.img.Config.Digest == h.String() {
		return &storedLayer{s: s, blob: s.img.Config, hash: h}, nil
	}
	return nil, fmt.Errorf("image %s has no layer %s", s.img.Digest, h)
}

// storedLayer is a layer blob in a Store; the store checks its digest as
// it is read.
type storedLayer struct {
	s    *storedImage
	blob events.Blob
	hash v1.Hash
}

func (l *storedLayer) Digest() (v1.Hash, error) { return l.hash, nil }
func (l *storedLayer) Size() (int64, error)     { return l.blob.Size, nil }
func (l *storedLayer) MediaType() (types.MediaType, error) {
	return types.MediaType(l.blob.MediaType), nil
}
func (l *storedLayer) Compressed() (io.ReadCloser, error) {
	return l.s.store.Open(l.s.ctx, l.blob.Digest)
}
