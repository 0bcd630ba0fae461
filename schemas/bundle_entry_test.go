package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestMissingEntryNamesTheManifestLine: an entry file that is not there
// is said at the manifest's entry line, with the path looked for, before
// the bundler runs.
func TestMissingEntryNamesTheManifestLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte("name: f\nroutes: [/f]\nentry: src/index.ts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := BuildArtifact(dir)
	var perrs PosErrors
	if !errors.As(err, &perrs) {
		t.Fatalf("BuildArtifact = %v, want a positioned error", err)
	}
	want := filepath.Join(dir, ManifestFile) + `:3:8: entry "src/index.ts": no such file ` + filepath.Join(dir, "src/index.ts")
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}
