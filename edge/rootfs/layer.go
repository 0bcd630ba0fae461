package rootfs

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Media types of layer blobs Unpack reads (OCI image spec and Docker
// image manifest v2, schema 2).
const (
	MediaTypeTar       = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeTarGzip   = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeTarZstd   = "application/vnd.oci.image.layer.v1.tar+zstd"
	MediaTypeDockerTar = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// Layer is one layer blob of an image.
type Layer struct {
	// Digest is the blob's content address, "sha256:<hex>".
	Digest string
	// DiffID, when set, is the digest of the uncompressed tar stream, as
	// the image config's rootfs.diff_ids lists it.
	DiffID    string
	MediaType string
	// Open returns the blob's bytes from the start.
	Open func() (io.ReadCloser, error)
}

// ErrDigest reports a layer whose bytes do not match its digest or DiffID.
var ErrDigest = errors.New("rootfs: layer digest mismatch")

// verifier hashes what is read through it and compares with a digest
// once the stream is drained.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	want string
	what string
}

func newVerifier(r io.Reader, digest, what string) (*verifier, error) {
	hexSum, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexSum) != sha256.Size*2 {
		return nil, fmt.Errorf("rootfs: %s %q is not a sha256 digest", what, digest)
	}
	if _, err := hex.DecodeString(hexSum); err != nil {
		return nil, fmt.Errorf("rootfs: %s %q is not a sha256 digest", what, digest)
	}
	return &verifier{r: r, h: sha256.New(), want: hexSum, what: what}, nil
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	return n, err
}

// check drains what is left of the stream and compares the sum.
func (v *verifier) check() error {
	if _, err := io.Copy(io.Discard, v); err != nil {
		return fmt.Errorf("rootfs: read %s: %w", v.what, err)
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
		return fmt.Errorf("%w: %s is sha256:%s, want sha256:%s", ErrDigest, v.what, got, v.want)
	}
	return nil
}

// decompress returns the tar stream of a blob of mediaType.
func decompress(r io.Reader, mediaType string) (io.Reader, func(), error) {
	switch mediaType {
	case MediaTypeTar, "application/vnd.docker.image.rootfs.diff.tar":
		return r, func() {}, nil
	case MediaTypeTarGzip, MediaTypeDockerTar:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("rootfs: open gzip layer: %w", err)
		}
		zr.Multistream(false)
		return zr, func() { zr.Close() }, nil
	case MediaTypeTarZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, fmt.Errorf("rootfs: open zstd layer: %w", err)
		}
		return zr, zr.Close, nil
	}
	return nil, nil, fmt.Errorf("rootfs: layer media type %q is not a tar layer this node reads", mediaType)
}
