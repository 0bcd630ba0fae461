package node

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/vault-runtime/vault/edge/rootfs"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
	"github.com/vault-runtime/vault/projector/fold"
)

// ImagesDir is where a node keeps unpacked images, under its data dir.
const ImagesDir = "images"

// openImages opens the node's image cache and the syncer that unpacks
// into it every image the ledger holds, from the node's artifact store.
func openImages(cfg Config, arts *ledger.Artifacts, log *slog.Logger) (*rootfs.Syncer, error) {
	lim := rootfs.Limits{MaxBytes: cmp.Or(cfg.MaxImageBytes, DefaultMaxImageSize), Chown: os.Geteuid() == 0}
	cache, err := rootfs.OpenCache(filepath.Join(cfg.Data, ImagesDir), lim, log)
	if err != nil {
		return nil, fmt.Errorf("open image cache: %w", err)
	}
	return rootfs.NewSyncer(cache, imageBlobs{arts}, log), nil
}

// imageBlobs opens image blobs, named by OCI digest, in the artifact
// store, which names them by hex SHA-256.
type imageBlobs struct{ arts *ledger.Artifacts }

func (b imageBlobs) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	hexDigest, ok := strings.CutPrefix(digest, "sha256:")
	if !ok {
		return nil, fmt.Errorf("image blob %q: not a sha256 digest", digest)
	}
	return b.arts.Open(ctx, hexDigest)
}

// fanOut passes each snapshot to every publisher, in order.
type fanOut []projector.Publisher

func (f fanOut) Publish(snap *fold.Snapshot) {
	for _, p := range f {
		p.Publish(snap)
	}
}
