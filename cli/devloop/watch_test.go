package devloop

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIgnored(t *testing.T) {
	root := filepath.Join("work", "fn")
	for path, want := range map[string]bool{
		"src/index.ts":                   false,
		"vault.yaml":                     false,
		"node_modules/hono/package.json": true,
		"src/.index.ts.swp":              true,
		".git/index":                     true,
		"src/index.ts~":                  true,
		"lib/node_modules/x.js":          true,
	} {
		if got := ignored(root, filepath.Join(root, filepath.FromSlash(path))); got != want {
			t.Errorf("ignored(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestWatchNewDirectory: a directory made after the watch started is
// watched too.
func TestWatchNewDirectory(t *testing.T) {
	dir := t.TempDir()
	changes, stop, err := watch(dir, 20*time.Millisecond, &printer{w: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	sub := filepath.Join(dir, "lib")
	os.Mkdir(sub, 0o755)
	select {
	case <-changes:
	case <-time.After(5 * time.Second):
		t.Fatal("making a directory was no change")
	}
	for i := range 5 {
		os.WriteFile(filepath.Join(sub, "a.ts"), []byte{byte('a' + i)}, 0o644)
	}
	select {
	case <-changes:
	case <-time.After(5 * time.Second):
		t.Fatal("writing in the new directory was no change")
	}
}
