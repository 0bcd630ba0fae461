package rootfs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

// memBlobs is a blob store in memory, by OCI digest.
type memBlobs map[string][]byte

func (m memBlobs) Open(_ context.Context, digest string) (io.ReadCloser, error) {
	b, ok := m[digest]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", digest, events.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// testImage stores layers and a config naming their DiffIDs in blobs
// and returns the image as the ledger records it.
func testImage(t *testing.T, blobs memBlobs, name string, layers ...Layer) *fold.Image {
	t.Helper()
	var cfg imageConfig
	img := &fold.Image{Digest: digestOf([]byte(name)), Platform: "linux/amd64"}
	for _, l := range layers {
		rc, _ := l.Open()
		b, _ := io.ReadAll(rc)
		blobs[l.Digest] = b
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.DiffID)
		img.Layers = append(img.Layers, events.Blob{Digest: l.Digest, Size: int64(len(b)), MediaType: l.MediaType})
	}
	raw, _ := json.Marshal(cfg)
	img.Config = events.Blob{Digest: digestOf(raw), Size: int64(len(raw)), MediaType: "application/vnd.oci.image.config.v1+json"}
	blobs[img.Config.Digest] = raw
	return img
}

func snapshot(images ...*fold.Image) *fold.Snapshot {
	st := fold.NewState()
	st.Images = map[string]*fold.Image{}
	for _, img := range images {
		st.Images[img.Digest] = img
	}
	return &fold.Snapshot{State: st}
}

func TestSyncerFollowsTheLedgersImages(t *testing.T) {
	blobs := memBlobs{}
	api := testImage(t, blobs, "api", gzipLayer(t, file("bin/app", "v1"), file("etc/conf", "a")), gzipLayer(t, file("etc/.wh.conf", "")))
	web := testImage(t, blobs, "web", gzipLayer(t, file("www/index.html", "hi")))
	cache, err := OpenCache(t.TempDir(), Limits{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSyncer(cache, blobs, slog.New(slog.DiscardHandler))
	passes := make(chan struct{})
	s.synced = func() { passes <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)

	s.Publish(snapshot(api, web))
	<-passes
	st := s.Status()
	if !st[api.Digest].Unpacked || !st[web.Digest].Unpacked {
		t.Fatalf("status %+v, want both unpacked", st)
	}
	b, err := os.ReadFile(filepath.Join(st[api.Digest].Path, "bin/app"))
	if err != nil || string(b) != "v1" {
		t.Errorf("api's bin/app = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(st[api.Digest].Path, "etc/conf")); !os.IsNotExist(err) {
		t.Errorf("api's whited-out etc/conf: %v", err)
	}

	// The ledger removed web: its tree goes.
	s.Publish(snapshot(api))
	<-passes
	if _, ok := s.Status()[web.Digest]; ok {
		t.Error("web is still listed after its removal")
	}
	if _, err := os.Stat(st[web.Digest].Path); !os.IsNotExist(err) {
		t.Errorf("web's tree survived its removal: %v", err)
	}
	if images, _ := cache.Images(); len(images) != 1 || images[0] != api.Digest {
		t.Errorf("cache holds %v, want api only", images)
	}
}

func TestSyncerReportsWhatItCannotUnpack(t *testing.T) {
	blobs := memBlobs{}
	good := gzipLayer(t, file("f", "x"))
	lying := good
	lying.DiffID = digestOf([]byte("another stream"))
	badDiff := testImage(t, blobs, "bad-diff", lying)
	missing := testImage(t, blobs, "missing", gzipLayer(t, file("g", "y")))
	delete(blobs, missing.Layers[0].Digest)
	short := testImage(t, blobs, "short-config", good)
	short.Layers = append(short.Layers, short.Layers[0])
	cache, err := OpenCache(t.TempDir(), Limits{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSyncer(cache, blobs, slog.New(slog.DiscardHandler))
	s.Publish(snapshot(badDiff, missing, short))
	s.sync(context.Background())
	st := s.Status()
	for img, want := range map[*fold.Image]string{badDiff: "digest mismatch", missing: "not found", short: "config lists 1 layers, the manifest 2"} {
		if st[img.Digest].Unpacked || !strings.Contains(st[img.Digest].Err, want) {
			t.Errorf("%s: status %+v, want an error saying %q", img.Digest, st[img.Digest], want)
		}
	}
	if images, _ := cache.Images(); len(images) != 0 {
		t.Errorf("the cache holds %v after failed unpacks", images)
	}
}
