package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/schemas"
)

func TestTemplates(t *testing.T) {
	want := []string{"container", "hello", "hono", "json-api"}
	if got := Templates(); !slices.Equal(got, want) {
		t.Fatalf("Templates() = %v, want %v", got, want)
	}
}

// TestEveryTemplateDeploys builds each template's artifact as vault deploy
// does and runs the checks deploy runs before uploading. hono needs its
// npm packages: integration's TestNewHonoDeploys installs them.
func TestEveryTemplateDeploys(t *testing.T) {
	for _, tmpl := range Templates() {
		if tmpl == "hono" {
			continue
		}
		t.Run(tmpl, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my-fn")
			files, err := Write(dir, tmpl, "my-fn")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(files, "vault.yaml") || !slices.Contains(files, "README.md") {
				t.Errorf("wrote %v: want a vault.yaml and a README.md", files)
			}
			readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			if strings.Contains(string(readme), "{{") {
				t.Errorf("README keeps a placeholder:\n%s", readme)
			}
			m, blob, err := schemas.BuildArtifact(dir)
			if err != nil {
				t.Fatalf("bundle: %v", err)
			}
			if m.Name != "my-fn" {
				t.Errorf("manifest name %q, want my-fn", m.Name)
			}
			if m.Kind == schemas.KindContainer {
				return
			}
			if !strings.HasSuffix(m.Entry, ".ts") {
				t.Errorf("entry %q is not TypeScript", m.Entry)
			}
			a, err := schemas.DecodeArtifact(blob)
			if err != nil {
				t.Fatal(err)
			}
			err = isolate.Check(isolate.Config{Function: m.Name, Code: a.Section(schemas.SectionCode),
				SourceMap: a.Section(schemas.SectionSourceMap), Vars: m.Vars, Limits: m.Limits})
			if err != nil {
				t.Fatalf("the bundle does not run: %v", err)
			}
		})
	}
}

func TestHonoTemplateNamesItsPackages(t *testing.T) {
	dir := t.TempDir()
	files, err := Write(filepath.Join(dir, "app"), "hono", "app")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"package.json", "package-lock.json", ".gitignore", "src/index.ts"} {
		if !slices.Contains(files, want) {
			t.Errorf("wrote %v: want %s", files, want)
		}
	}
	pkg, _ := os.ReadFile(filepath.Join(dir, "app", "package.json"))
	if !strings.Contains(string(pkg), `"hono"`) || !strings.Contains(string(pkg), `"name": "app"`) {
		t.Errorf("package.json:\n%s", pkg)
	}
}

func TestWriteRefuses(t *testing.T) {
	t.Run("ErrNotEmpty", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o600)
		if _, err := Write(dir, "hello", "fn"); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("err = %v, want ErrNotEmpty", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("the directory was changed: %v", entries)
		}
	})
	t.Run("EmptyDirIsFine", func(t *testing.T) {
		if _, err := Write(t.TempDir(), "hello", "fn"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("UnknownTemplate", func(t *testing.T) {
		_, err := Write(filepath.Join(t.TempDir(), "x"), "react", "x")
		if err == nil || !strings.Contains(err.Error(), "hello") {
			t.Fatalf("err = %v, want one naming the templates", err)
		}
	})
	t.Run("BadName", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "Bad_Name")
		if _, err := Write(dir, "hello", "Bad_Name"); err == nil {
			t.Fatal("no error")
		}
		if _, err := os.Stat(dir); err == nil {
			t.Error("the directory was created")
		}
	})
}
