package rootfs

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Limits bound what Unpack writes. Zero fields take the defaults.
type Limits struct {
	// MaxBytes caps the tree's unpacked size: the sum of its regular
	// files' sizes, over all layers (default 4 GiB).
	MaxBytes int64
	// MaxEntries caps the entries unpacked, over all layers (default
	// 1,000,000).
	MaxEntries int
	// KeepSetuid keeps setuid and setgid bits; they are dropped unless
	// the image was admitted with them.
	KeepSetuid bool
	// Chown gives each entry the owner the layer names (needs root).
	Chown bool
}

// Default limits.
const (
	DefaultMaxBytes   = 4 << 30
	DefaultMaxEntries = 1_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// Stats counts what Unpack did.
type Stats struct {
	Files, Dirs, Symlinks, Hardlinks int
	// Bytes is the size of the regular files written.
	Bytes int64
	// Whiteouts counts removals by whiteout and opaque markers.
	Whiteouts int
	// Skipped counts entries that are not unpacked: device nodes,
	// FIFOs and types Unpack does not know.
	Skipped int
}

// ErrLimit reports a layer over Limits.
var ErrLimit = errors.New("rootfs: over the unpack limit")

// ErrEntry reports an entry Unpack refuses: one that would reach outside
// the tree, or that makes no sense (a whiteout of the root).
var ErrEntry = errors.New("rootfs: refused layer entry")

// Unpack applies layers in order to the directory dir, which should be
// empty. On error, dir holds a partial tree the caller must remove.
func Unpack(ctx context.Context, dir string, layers []Layer, lim Limits) (Stats, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Stats{}, fmt.Errorf("rootfs: unpack: %w", err)
	}
	defer root.Close()
	u := &unpacker{ctx: ctx, root: root, lim: lim.withDefaults()}
	for i, l := range layers {
		if err := u.layer(l); err != nil {
			return u.stats, fmt.Errorf("unpack layer %d (%s): %w", i+1, l.Digest, err)
		}
	}
	return u.stats, nil
}

type unpacker struct {
	ctx   context.Context
	root  *os.Root
	lim   Limits
	stats Stats
	// created holds the paths the current layer wrote and their parents,
	// which its opaque markers keep.
	created map[string]bool
}

func (u *unpacker) layer(l Layer) error {
	blob, err := l.Open()
	if err != nil {
		return fmt.Errorf("open blob: %w", err)
	}
	defer blob.Close()
	raw, err := newVerifier(blob, l.Digest, "blob")
	if err != nil {
		return err
	}
	stream, closeStream, err := decompress(raw, l.MediaType)
	if err != nil {
		return err
	}
	defer closeStream()
	var diff *verifier
	if l.DiffID != "" {
		if diff, err = newVerifier(stream, l.DiffID, "uncompressed layer"); err != nil {
			return err
		}
		stream = diff
	}
	u.created = map[string]bool{}
	tr := tar.NewReader(&ctxReader{ctx: u.ctx, r: stream})
	var opaque []string
	for {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		dirOpaque, err := u.entry(tr, hdr)
		if err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		if dirOpaque != "" {
			opaque = append(opaque, dirOpaque)
		}
	}
	// Opaque directories are emptied of lower layers' entries once the
	// layer's own entries are known, wherever the marker came in the tar.
	for _, d := range opaque {
		if err := u.makeOpaque(d); err != nil {
			return fmt.Errorf("opaque directory %q: %w", d, err)
		}
	}
	// The digests cover the whole blob, so read it to the end.
	if diff != nil {
		if err := diff.check(); err != nil {
			return err
		}
	}
	return raw.check()
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
