package rootfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Cache keeps one unpacked tree per image digest under a directory of
// the node's: dir/<hex>/rootfs. A tree is unpacked into a temporary
// directory and renamed into place only when every layer checked out, so
// a tree in the cache is always whole. Versions of functions that run the
// same image share its tree; the container runtime mounts it read-only.
type Cache struct {
	dir string
	lim Limits
	log *slog.Logger

	mu      sync.Mutex
	pending map[string]*unpacking
}

// unpacking is one image being unpacked, which concurrent callers for the
// same digest wait for.
type unpacking struct {
	done chan struct{}
	err  error
}

const tmpPrefix = ".tmp-"

// OpenCache opens (making it if needed, mode 0700) the cache in dir and
// removes what an interrupted unpack left there.
func OpenCache(dir string, lim Limits, log *slog.Logger) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("rootfs: open cache: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rootfs: open cache: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("rootfs: open cache: remove an interrupted unpack: %w", err)
			}
		}
	}
	return &Cache{dir: dir, lim: lim, log: log, pending: map[string]*unpacking{}}, nil
}

// key is the directory name of image ("sha256:<hex>").
func key(image string) (string, error) {
	hexSum, ok := strings.CutPrefix(image, "sha256:")
	if !ok || len(hexSum) != 64 || strings.Trim(hexSum, "0123456789abcdef") != "" {
		return "", fmt.Errorf("rootfs: image digest %q is not sha256:<64 hex>", image)
	}
	return hexSum, nil
}

// Path is where image's tree is (or would be).
func (c *Cache) Path(image string) (string, error) {
	k, err := key(image)
	if err != nil {
		return "", err
	}
	return filepath.Join(c.dir, k, "rootfs"), nil
}

// Unpacked returns the tree of image, unpacking layers first if the cache
// does not hold it yet.
func (c *Cache) Unpacked(ctx context.Context, image string, layers []Layer) (string, error) {
	tree, err := c.Path(image)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(tree); err == nil {
			return tree, nil
		}
		c.mu.Lock()
		if u, ok := c.pending[image]; ok {
			c.mu.Unlock()
			select {
			case <-u.done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			if u.err != nil {
				return "", u.err
			}
			continue
		}
		u := &unpacking{done: make(chan struct{})}
		c.pending[image] = u
		c.mu.Unlock()
		u.err = c.unpack(ctx, image, tree, layers)
		c.mu.Lock()
		delete(c.pending, image)
		c.mu.Unlock()
		close(u.done)
		if u.err != nil {
			return "", u.err
		}
		return tree, nil
	}
}

func (c *Cache) unpack(ctx context.Context, image, tree string, layers []Layer) error {
	tmp, err := os.MkdirTemp(c.dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("rootfs: unpack %s: %w", image, err)
	}
	defer os.RemoveAll(tmp)
	rootDir := filepath.Join(tmp, "rootfs")
	if err := os.Mkdir(rootDir, 0o755); err != nil {
		return fmt.Errorf("rootfs: unpack %s: %w", image, err)
	}
	start := time.Now()
	st, err := Unpack(ctx, rootDir, layers, c.lim)
	if err != nil {
		return fmt.Errorf("rootfs: unpack %s: %w", image, err)
	}
	if err := os.Rename(tmp, filepath.Dir(tree)); err != nil {
		return fmt.Errorf("rootfs: unpack %s: %w", image, err)
	}
	c.log.Info("image unpacked", "image", image, "layers", len(layers), "files", st.Files, "bytes", st.Bytes, "skipped", st.Skipped, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Images lists the digests of the trees in the cache.
func (c *Cache) Images() ([]string, error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("rootfs: list cache: %w", err)
	}
	var images []string
	for _, e := range entries {
		if _, err := key("sha256:" + e.Name()); err == nil && e.IsDir() {
			images = append(images, "sha256:"+e.Name())
		}
	}
	return images, nil
}

// Prune removes the trees of the images keep says no version uses, and
// returns their digests.
func (c *Cache) Prune(keep func(image string) bool) ([]string, error) {
	images, err := c.Images()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, image := range images {
		if keep(image) {
			continue
		}
		c.mu.Lock()
		_, busy := c.pending[image]
		c.mu.Unlock()
		if busy {
			continue
		}
		tree, _ := c.Path(image)
		if err := os.RemoveAll(filepath.Dir(tree)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("rootfs: remove %s: %w", image, err))
			continue
		}
		removed = append(removed, image)
	}
	return removed, errors.Join(errs...)
}
