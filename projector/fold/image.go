package fold

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vault-runtime/vault/events"
)

// Image is an OCI image whose blobs the artifact store holds, and every
// pull that named it.
type Image struct {
	Digest   string        `json:"digest"`
	Platform string        `json:"platform"`
	Manifest events.Blob   `json:"manifest"`
	Config   events.Blob   `json:"config"`
	Layers   []events.Blob `json:"layers"`
	// Size is the sum of the blobs' sizes, as stored.
	Size  int64  `json:"size"`
	Pulls []Pull `json:"pulls"`
}

// Pull is one image.pulled record of an image.
type Pull struct {
	Seq        uint64   `json:"seq"`
	EventID    string   `json:"eventId"`
	Repository string   `json:"repository"`
	Tag        string   `json:"tag,omitempty"`
	Index      string   `json:"index,omitempty"`
	By         []string `json:"by"`
}

// validateImagePulled admits an image. Pulling a stored image again (say
// under another tag) adds a Pull; its blobs must be the ones recorded,
// which they are unless the digests collide or the event lies.
func validateImagePulled(s *State, c *change) error {
	p, err := events.DecodeBody[events.ImagePulled](c.ev)
	if err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		return err
	}
	if c.ev.Subject != p.Digest {
		return fmt.Errorf("image.pulled subject %q is not the image digest %s: %w", c.ev.Subject, p.Digest, events.ErrInvalidEvent)
	}
	pull := Pull{Seq: c.seq, EventID: c.id, Repository: p.Repository, Tag: p.Tag, Index: p.Index, By: c.signers}
	if old, ok := s.Images[p.Digest]; ok {
		if old.Platform != p.Platform || old.Manifest != p.Manifest || old.Config != p.Config || !slices.Equal(old.Layers, p.Layers) {
			return fmt.Errorf("image %s was recorded with other blobs at seq %d: %w", p.Digest, old.Pulls[0].Seq, events.ErrConflict)
		}
		c.apply = func(s *State) {
			img := *old
			img.Pulls = append(img.Pulls[:len(img.Pulls):len(img.Pulls)], pull)
			s.setImage(&img)
		}
		return nil
	}
	img := &Image{Digest: p.Digest, Platform: p.Platform, Manifest: p.Manifest, Config: p.Config, Layers: p.Layers, Pulls: []Pull{pull}}
	for _, b := range p.Blobs() {
		img.Size += b.Size
	}
	c.apply = func(s *State) { s.setImage(img) }
	return nil
}

// validateImageRemoved drops an image no version uses.
func validateImageRemoved(s *State, c *change) error {
	r, err := events.DecodeBody[events.ImageRemoved](c.ev)
	if err != nil {
		return err
	}
	if c.ev.Subject != r.Digest {
		return fmt.Errorf("image.removed subject %q is not the image digest %s: %w", c.ev.Subject, r.Digest, events.ErrInvalidEvent)
	}
	if _, ok := s.Images[r.Digest]; !ok {
		return fmt.Errorf("remove image %s: no such image: %w", r.Digest, events.ErrNotFound)
	}
	if users := s.ImageUsers(r.Digest); len(users) > 0 {
		return fmt.Errorf("remove image %s: deployed versions use it (%s): %w", r.Digest, strings.Join(users, ", "), events.ErrConflict)
	}
	c.apply = func(s *State) {
		s.imagesTouched = true
		s.Images = maps.Clone(s.Images)
		delete(s.Images, r.Digest)
	}
	return nil
}

// ImageUsers names the versions deployed from image, as "name@vN", in
// name and version order. A retired function's versions count no more:
// none of them can serve again.
func (s *State) ImageUsers(image string) []string {
	var users []string
	for _, name := range slices.Sorted(maps.Keys(s.Functions)) {
		f := s.Functions[name]
		if f.State == Retired {
			continue
		}
		for _, v := range f.Versions {
			if v.Image == image {
				users = append(users, fmt.Sprintf("%s@v%d", name, v.Number))
			}
		}
	}
	return users
}

// setImage replaces the image map rather than changing it: a Clone
// shares the map.
func (s *State) setImage(img *Image) {
	s.imagesTouched = true
	s.Images = maps.Clone(s.Images)
	if s.Images == nil {
		s.Images = map[string]*Image{}
	}
	s.Images[img.Digest] = img
}
