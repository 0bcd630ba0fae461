package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vault-runtime/vault/events"
)

// Pulled is what Pull stored.
type Pulled struct {
	// Image is the body of the image.pulled record to sign.
	Image events.ImagePulled
	// Stored counts the blobs written; Skipped those the store held
	// already (layers shared with another image, or a second pull).
	Stored, Skipped int
	// Bytes is the size of the blobs written.
	Bytes int64
}

// Pull resolves ref and stores the image's blobs in store. A tag is
// resolved once: the digest returned is what the record pins, whatever
// the tag names later.
func (c *Client) Pull(ctx context.Context, ref string, store Store) (*Pulled, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	registry := r.Context().RegistryStr()
	desc, err := remote.Get(r, c.remote(ctx)...)
	if err != nil {
		return nil, explain("pull", ref, registry, err)
	}
	var img v1.Image
	index := ""
	switch {
	case desc.MediaType.IsIndex():
		// remote.Image with the platform option picks the index's
		// manifest for this node's platform.
		index = desc.Digest.String()
		img, err = desc.Image()
	case desc.MediaType.IsImage():
		img, err = desc.Image()
	default:
		return nil, fmt.Errorf("pull %s: the registry returned a %s, not an image manifest or index", ref, desc.MediaType)
	}
	if err != nil {
		return nil, explain("pull", ref, registry, err)
	}
	out, err := c.keep(ctx, img, r, index, store)
	if err != nil {
		return nil, explain("pull", ref, registry, err)
	}
	return out, nil
}

// store writes the layers, then the config, then the manifest, so a
// stored manifest always has its blobs.
func (c *Client) store(ctx context.Context, img v1.Image, store Store, out *Pulled) error {
	manifest, err := img.Manifest()
	if err != nil {
		return err
	}
	rawManifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	mediaType, err := img.MediaType()
	if err != nil {
		return err
	}
	p := &out.Image
	p.Digest = digest.String()
	p.Manifest = events.Blob{Digest: p.Digest, Size: int64(len(rawManifest)), MediaType: string(mediaType)}
	p.Config = events.Blob{Digest: manifest.Config.Digest.String(), Size: manifest.Config.Size, MediaType: string(manifest.Config.MediaType)}
	var total, done int64
	for _, l := range manifest.Layers {
		total += l.Size
		p.Layers = append(p.Layers, events.Blob{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType)})
	}
	if err := p.Check(); err != nil {
		// Refuse what the ledger would refuse before moving any bytes.
		return err
	}
	for _, l := range manifest.Layers {
		has, err := store.Has(ctx, l.Digest.String())
		if err != nil {
			return err
		}
		if has {
			out.Skipped++
			done += l.Size
			c.progress(done, total)
			continue
		}
		layer, err := img.LayerByDigest(l.Digest)
		if err != nil {
			return err
		}
		rc, err := layer.Compressed()
		if err != nil {
			return err
		}
		err = store.Put(ctx, l.Digest.String(), l.Size, &progressReader{r: rc, done: &done, total: total, report: c.progress})
		rc.Close()
		if err != nil {
			return fmt.Errorf("store layer %s: %w", l.Digest, err)
		}
		out.Stored++
		out.Bytes += l.Size
	}
	for _, b := range []struct {
		desc events.Blob
		raw  []byte
	}{{p.Config, rawConfig}, {p.Manifest, rawManifest}} {
		if got := "sha256:" + events.Digest(b.raw); got != b.desc.Digest || int64(len(b.raw)) != b.desc.Size {
			return fmt.Errorf("the registry's %s hashes to %s (%d bytes), the manifest says %s (%d bytes)", b.desc.MediaType, got, len(b.raw), b.desc.Digest, b.desc.Size)
		}
		has, err := store.Has(ctx, b.desc.Digest)
		if err != nil {
			return err
		}
		if has {
			out.Skipped++
			continue
		}
		if err := store.Put(ctx, b.desc.Digest, b.desc.Size, bytes.NewReader(b.raw)); err != nil {
			return fmt.Errorf("store %s: %w", b.desc.Digest, err)
		}
		out.Stored++
		out.Bytes += b.desc.Size
	}
	return nil
}

func (c *Client) progress(done, total int64) {
	if c.opts.Progress != nil {
		c.opts.Progress(Progress{Done: done, Total: total})
	}
}

// progressReader reports the bytes read through it.
type progressReader struct {
	r      io.Reader
	done   *int64
	total  int64
	report func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	*p.done += int64(n)
	p.report(*p.done, p.total)
	return n, err
}
