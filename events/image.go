package events

import (
	"fmt"
	"regexp"
)

// Image events: an OCI image brought into the ledger's artifact store,
// and its removal. Their subject is the image's manifest digest.
const (
	TypeImagePulled  Type = "image.pulled"
	TypeImageRemoved Type = "image.removed"
)

// ImagePulled records that an image's manifest, config and layers were
// stored as artifacts, where they came from, and under which digest: a
// deploy names the digest, never the tag, so what runs is what was
// admitted. Every blob is digest-checked when stored and when read.
type ImagePulled struct {
	// Repository is where the image was pulled from, without tag or
	// digest: "registry.example.com/team/api".
	Repository string `json:"repository"`
	// Tag is the tag the registry resolved at pull time; empty when the
	// image was pulled by digest.
	Tag string `json:"tag,omitempty"`
	// Digest is the image manifest's digest, "sha256:<hex>".
	Digest string `json:"digest"`
	// Index is the digest of the image index the manifest was chosen
	// from for Platform, if the reference named an index.
	Index    string `json:"index,omitempty"`
	Platform string `json:"platform"`
	Manifest Blob   `json:"manifest"`
	Config   Blob   `json:"config"`
	Layers   []Blob `json:"layers"`
}

// ImageRemoved drops an image that no deployed version uses.
type ImageRemoved struct {
	Digest string `json:"digest"`
}

// Blob is one content-addressed blob of an image.
type Blob struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType"`
}

// MaxImageLayers bounds an image's layers (Docker's own limit is 127).
const MaxImageLayers = 127

var (
	ociDigest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// repository is the distribution reference grammar's domain and path,
	// lower-case, at most 255 characters.
	repository = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	imageTag   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	platform   = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9]+(?:/[a-z0-9.]+)?$`)
)

// ValidOCIDigest reports whether d is "sha256:" and 64 lower-case hex digits.
func ValidOCIDigest(d string) bool { return ociDigest.MatchString(d) }

// Manifest, config and layer media types an image's blobs may have (OCI
// image spec and Docker image manifest v2, schema 2).
var (
	manifestTypes = []string{"application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"}
	configTypes   = []string{"application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"}
	layerTypes    = []string{"application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.docker.image.rootfs.diff.tar.gzip"}
)

// Check judges the body on its own: names, digests, sizes, media types.
func (p *ImagePulled) Check() error {
	switch {
	case len(p.Repository) > 255 || !repository.MatchString(p.Repository):
		return fmt.Errorf("image repository %q is not a repository name: %w", p.Repository, ErrInvalidEvent)
	case p.Tag != "" && !imageTag.MatchString(p.Tag):
		return fmt.Errorf("image tag %q is not a tag: %w", p.Tag, ErrInvalidEvent)
	case !ValidOCIDigest(p.Digest):
		return fmt.Errorf("image digest %q is not sha256:<64 hex>: %w", p.Digest, ErrInvalidEvent)
	case p.Index != "" && !ValidOCIDigest(p.Index):
		return fmt.Errorf("image index digest %q is not sha256:<64 hex>: %w", p.Index, ErrInvalidEvent)
	case !platform.MatchString(p.Platform):
		return fmt.Errorf("image platform %q is not os/arch[/variant]: %w", p.Platform, ErrInvalidEvent)
	case p.Manifest.Digest != p.Digest:
		return fmt.Errorf("image %s: the manifest blob is %s: %w", p.Digest, p.Manifest.Digest, ErrInvalidEvent)
	case len(p.Layers) == 0 || len(p.Layers) > MaxImageLayers:
		return fmt.Errorf("image %s has %d layers, want 1 to %d: %w", p.Digest, len(p.Layers), MaxImageLayers, ErrInvalidEvent)
	}
	if err := p.Manifest.check("manifest", manifestTypes); err != nil {
		return err
	}
	if err := p.Config.check("config", configTypes); err != nil {
		return err
	}
	for i, l := range p.Layers {
		if err := l.check(fmt.Sprintf("layer %d", i+1), layerTypes); err != nil {
			return err
		}
	}
	return nil
}

func (b Blob) check(what string, mediaTypes []string) error {
	switch {
	case !ValidOCIDigest(b.Digest):
		return fmt.Errorf("image %s digest %q is not sha256:<64 hex>: %w", what, b.Digest, ErrInvalidEvent)
	case b.Size <= 0:
		return fmt.Errorf("image %s %s has size %d: %w", what, b.Digest, b.Size, ErrInvalidEvent)
	}
	for _, t := range mediaTypes {
		if b.MediaType == t {
			return nil
		}
	}
	return fmt.Errorf("image %s %s has media type %q: %w", what, b.Digest, b.MediaType, ErrInvalidEvent)
}

// Blobs are the image's manifest, config and layers, in that order.
func (p *ImagePulled) Blobs() []Blob {
	return append([]Blob{p.Manifest, p.Config}, p.Layers...)
}
