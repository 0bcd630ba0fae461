package schemas

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

const (
	testEntry = `import { greet } from "./lib.ts";

export default {
  hello(name: string): string {
    return greet(name);
  },
};
`
	testLib = `export function greet(name: string): string {
  return "greetings from lib, " + name.toUpperCase();
}
`
	// The ";" is on line 2 at byte column 17 (0-based), so 2:18 1-based.
	testLibSyntaxError = `export function greet(name: string): string {
  return "hi " + ;
}
`
)

// writeFunction creates a function directory holding files.
func writeFunction(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildArtifact(t *testing.T) {
	dir := writeFunction(t, map[string]string{
		"vault.yaml": "name: hello\nentry: index.ts\nroutes:\n  - /hello/:name\n",
		"index.ts":   testEntry,
		"lib.ts":     testLib,
	})
	m, blob, err := BuildArtifact(dir)
	if err != nil {
		t.Fatalf("BuildArtifact: %v", err)
	}
	wantManifest := &Manifest{Name: "hello", Entry: "index.ts", Routes: []string{"/hello/:name"}}
	if !reflect.DeepEqual(m, wantManifest) {
		t.Errorf("manifest %+v, want %+v", m, wantManifest)
	}
	a, err := DecodeArtifact(blob)
	if err != nil {
		t.Fatalf("DecodeArtifact: %v", err)
	}
	if got, err := a.Manifest(); err != nil || !reflect.DeepEqual(got, wantManifest) {
		t.Errorf("artifact manifest = %+v, %v; want %+v", got, err, wantManifest)
	}

	code := string(a.Section(SectionCode))
	for _, want := range []string{BundleGlobal + " =", "function greet(", `"greetings from lib, "`, "toUpperCase()"} {
		if !strings.Contains(code, want) {
			t.Errorf("code does not contain %q:\n%s", want, code)
		}
	}
	for _, unwanted := range []string{"import ", ": string", "./lib.ts\""} {
		if strings.Contains(code, unwanted) {
			t.Errorf("code still contains %q:\n%s", unwanted, code)
		}
	}

	t.Run("ScriptRunsWithoutModuleLoader", func(t *testing.T) {
		vm := goja.New()
		if _, err := vm.RunString(code); err != nil {
			t.Fatalf("run bundle: %v", err)
		}
		got, err := vm.RunString(BundleGlobal + `.default.hello("vault")`)
		if err != nil {
			t.Fatalf("call hello: %v", err)
		}
		if s := got.String(); s != "greetings from lib, VAULT" {
			t.Errorf("hello(vault) = %q", s)
		}
	})

	t.Run("SourceMapNamesBothFiles", func(t *testing.T) {
		raw := a.Section(SectionSourceMap)
		if raw == nil {
			t.Fatal("no source map section")
		}
		var sm struct {
			Version        int      `json:"version"`
			Sources        []string `json:"sources"`
			SourcesContent []string `json:"sourcesContent"`
			Mappings       string   `json:"mappings"`
		}
		if err := json.Unmarshal(raw, &sm); err != nil {
			t.Fatalf("source map is not JSON: %v\n%s", err, raw)
		}
		if sm.Version != 3 || sm.Mappings == "" {
			t.Errorf("source map version %d, mappings %q", sm.Version, sm.Mappings)
		}
		for _, file := range []string{"index.ts", "lib.ts"} {
			i := slices.IndexFunc(sm.Sources, func(s string) bool { return filepath.Base(s) == file })
			if i < 0 {
				t.Errorf("sources %q do not name %s", sm.Sources, file)
				continue
			}
			if i >= len(sm.SourcesContent) || !strings.Contains(sm.SourcesContent[i], "export") {
				t.Errorf("no content for %s", file)
			}
		}
	})
}

func TestBuildArtifactErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error, with DIR for the directory
	}{
		{"SyntaxErrorInImportedModule", map[string]string{
			"vault.yaml": "name: hello\nentry: index.ts\n",
			"index.ts":   testEntry,
			"lib.ts":     testLibSyntaxError,
		}, []string{"DIR/lib.ts:2:18: ", `Unexpected ";"`}},
		{"UnresolvedImport", map[string]string{
			"vault.yaml": "name: hello\nentry: index.ts\n",
			"index.ts":   testEntry,
		}, []string{"DIR/index.ts:1:23: ", "./lib.ts"}},
		{"MissingEntry", map[string]string{
			"vault.yaml": "name: hello\nentry: main.ts\n",
		}, []string{"main.ts"}},
		{"InvalidManifest", map[string]string{
			"vault.yaml": "name: hello\n",
			"index.ts":   testEntry,
		}, []string{"DIR/vault.yaml:1:1: missing required key \"entry\""}},
		{"NoManifest", map[string]string{
			"index.ts": testEntry,
		}, []string{"vault.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFunction(t, tt.files)
			m, blob, err := BuildArtifact(dir)
			if err == nil {
				t.Fatalf("BuildArtifact = %+v, %d bytes; want an error", m, len(blob))
			}
			for _, want := range tt.want {
				if want = strings.ReplaceAll(want, "DIR", dir); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
