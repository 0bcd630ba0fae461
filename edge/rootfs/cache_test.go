package rootfs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// counted counts how often a layer's blob is opened.
func counted(l Layer, n *atomic.Int32) Layer {
	open := l.Open
	l.Open = func() (io.ReadCloser, error) { n.Add(1); return open() }
	return l
}

func TestCacheUnpacksEachImageOnce(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCache(dir, Limits{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var opens atomic.Int32
	layers := []Layer{counted(layerOf(t, file("bin/app", "v1")), &opens)}
	image := digestOf([]byte("image one"))
	var wg sync.WaitGroup
	paths := make([]string, 8)
	errs := make([]error, 8)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = c.Unpacked(context.Background(), image, layers) })
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Fatalf("caller %d: %q, %v; want %q", i, paths[i], errs[i], paths[0])
		}
	}
	if n := opens.Load(); n != 1 {
		t.Errorf("8 concurrent callers opened the layer %d times, want once", n)
	}
	if b, err := os.ReadFile(filepath.Join(paths[0], "bin/app")); err != nil || string(b) != "v1" {
		t.Errorf("bin/app = %q, %v", b, err)
	}
	if _, err := c.Unpacked(context.Background(), image, layers); err != nil || opens.Load() != 1 {
		t.Errorf("a cached image was unpacked again (%d opens, %v)", opens.Load(), err)
	}
}

func TestCacheKeepsNothingOfAFailedUnpack(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCache(dir, Limits{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	bad := layerOf(t, file("a", "x"))
	bad.Digest = digestOf([]byte("not these bytes"))
	image := digestOf([]byte("image two"))
	if _, err := c.Unpacked(context.Background(), image, []Layer{layerOf(t, file("ok", "1")), bad}); !errors.Is(err, ErrDigest) {
		t.Fatalf("Unpacked: %v, want ErrDigest", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the cache holds %d entries after a failed unpack, want none", len(left))
	}
	if _, err := c.Unpacked(context.Background(), "sha256:../../etc", nil); err == nil {
		t.Error("a malformed image digest was accepted")
	}
}

func TestCachePrunesAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	// What an interrupted unpack leaves is removed on open.
	if err := os.MkdirAll(filepath.Join(dir, tmpPrefix+"123", "rootfs", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCache(dir, Limits{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, tmpPrefix+"123")); !os.IsNotExist(err) {
		t.Errorf("an interrupted unpack survived OpenCache: %v", err)
	}
	a, b := digestOf([]byte("a")), digestOf([]byte("b"))
	for _, image := range []string{a, b} {
		if _, err := c.Unpacked(context.Background(), image, []Layer{layerOf(t, file("f", image))}); err != nil {
			t.Fatal(err)
		}
	}
	images, err := c.Images()
	if err != nil || !slices.Equal(images, slices.Sorted(slices.Values([]string{a, b}))) {
		t.Fatalf("Images = %v, %v", images, err)
	}
	removed, err := c.Prune(func(image string) bool { return image == a })
	if err != nil || !slices.Equal(removed, []string{b}) {
		t.Errorf("Prune = %v, %v; want [%s]", removed, err, b)
	}
	if images, _ := c.Images(); !slices.Equal(images, []string{a}) {
		t.Errorf("after Prune: %v, want [%s]", images, a)
	}
}
