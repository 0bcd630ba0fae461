package rootfs

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// storeManifest stores img's manifest under img.Digest, as image pull does.
func storeManifest(t *testing.T, blobs memBlobs, img *ociManifest, digest string) {
	t.Helper()
	raw, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	blobs[digest] = raw
}

// TestRootfsNeedsNoSnapshot unpacks an image the syncer was never
// published, from its stored manifest alone, as a node starting a
// container during replay does; a manifest that names no layers is
// refused with the image's digest.
func TestRootfsNeedsNoSnapshot(t *testing.T) {
	blobs := memBlobs{}
	img := testImage(t, blobs, "api", gzipLayer(t, file("bin/app", "v1")))
	storeManifest(t, blobs, &ociManifest{Config: img.Config, Layers: img.Layers}, img.Digest)
	cache, err := OpenCache(t.TempDir(), Limits{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSyncer(cache, blobs, slog.New(slog.DiscardHandler))
	tree, err := s.Rootfs(context.Background(), img.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(tree, "bin/app")); err != nil || string(b) != "v1" {
		t.Fatalf("bin/app = %q, %v", b, err)
	}
	if st := s.Status()[img.Digest]; !st.Unpacked || st.Path != tree {
		t.Errorf("status %+v, want unpacked at %s", st, tree)
	}
	again, err := s.Rootfs(context.Background(), img.Digest)
	if err != nil || again != tree {
		t.Errorf("second Rootfs = %s, %v; want the same tree", again, err)
	}

	empty := digestOf([]byte("empty"))
	storeManifest(t, blobs, &ociManifest{Config: img.Config}, empty)
	if _, err := s.Rootfs(context.Background(), empty); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("a manifest without layers: %v", err)
	}
	if _, err := s.Rootfs(context.Background(), digestOf([]byte("absent"))); err == nil {
		t.Error("an image not in the store was unpacked")
	}
}
