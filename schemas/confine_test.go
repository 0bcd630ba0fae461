package schemas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree lays out files (paths relative to a temporary base, "BASE" in a
// content standing for it) and symlinks (link path: target, relative to
// the link or absolute with BASE), and returns the base. The function
// directory of these tests is BASE/fn.
func tree(t *testing.T, files, links map[string]string) string {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mkdir := func(p string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		p := filepath.Join(base, name)
		mkdir(p)
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "BASE", base)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		p := filepath.Join(base, name)
		mkdir(p)
		if err := os.Symlink(strings.ReplaceAll(target, "BASE", base), p); err != nil {
			t.Fatal(err)
		}
	}
	return base
}

const (
	confinedManifest = "name: hello\nentry: index.js\n"
	secret           = "SECRET-TOKEN-1234"
)

func TestBundleConfined(t *testing.T) {
	refused := []struct {
		name         string
		files, links map[string]string
		// want are substrings of the error, BASE standing for the base.
		want []string
	}{
		{"ErrParentImport", map[string]string{
			"fn/index.js": "import s from \"../outside.txt\";\nexport default { s };\n",
			"outside.txt": secret,
		}, nil, []string{`BASE/fn/index.js:1:15: import "../outside.txt" is outside the function directory BASE/fn (it resolves to BASE/outside.txt)`}},
		{"ErrRequireParent", map[string]string{
			"fn/index.js": "const s = require(\"../outside.txt\");\nexport default { s };\n",
			"outside.txt": secret,
		}, nil, []string{`BASE/fn/index.js:1:19: import "../outside.txt" is outside the function directory`}},
		{"ErrDynamicImportParent", map[string]string{
			"fn/index.js": "export default { f: () => import(\"../outside.js\") };\n",
			"outside.js":  "export const s = \"" + secret + "\";\n",
		}, nil, []string{`BASE/fn/index.js:1:34: import "../outside.js" is outside the function directory`}},
		{"ErrAbsoluteImport", map[string]string{
			"fn/index.js": "import s from \"BASE/outside.txt\";\nexport default { s };\n",
			"outside.txt": secret,
		}, nil, []string{`BASE/fn/index.js:1:15: import "BASE/outside.txt" is outside the function directory`}},
		{"ErrSymlinkedDirOutside", map[string]string{
			"fn/lib/a.js":              "import c from \"../docker/config.json\";\nexport default c;\n",
			"fn/index.js":              "import c from \"./lib/a.js\";\nexport default { c };\n",
			"home/.docker/config.json": `{"auths": {"registry": {"auth": "` + secret + `"}}}`,
		}, map[string]string{"fn/docker": "BASE/home/.docker"},
			[]string{`BASE/fn/lib/a.js:1:15: import "../docker/config.json" is outside the function directory BASE/fn (it resolves to BASE/home/.docker/config.json)`}},
		{"ErrSymlinkedFileOutside", map[string]string{
			"fn/index.js": "import s from \"./secret.txt\";\nexport default { s };\n",
			"secret.txt":  secret,
		}, map[string]string{"fn/secret.txt": "../secret.txt"},
			[]string{`BASE/fn/index.js:1:15: import "./secret.txt" is outside the function directory`, "(it resolves to BASE/secret.txt)"}},
		{"ErrNodeModulesPackageLinkedOutside", map[string]string{
			"fn/index.js":           "import p from \"pkg\";\nexport default { p };\n",
			"pkg/package.json":      `{"name": "pkg", "main": "index.js"}`,
			"pkg/index.js":          "export default \"" + secret + "\";\n",
			"fn/node_modules/.keep": "",
		}, map[string]string{"fn/node_modules/pkg": "../../pkg"},
			[]string{`BASE/fn/index.js:1:15: import "pkg" is outside the function directory`, "(it resolves to BASE/pkg/index.js)"}},
		{"ErrNodeModulesAboveDirectory", map[string]string{
			"fn/index.js":                   "import p from \"leftpad\";\nexport default { p };\n",
			"node_modules/leftpad/index.js": "export default \"" + secret + "\";\n",
		}, nil, []string{`BASE/fn/index.js:1:15: import "leftpad" is outside the function directory`}},
		{"ErrEntryLinkedOutside", map[string]string{
			"outside.js": "export default { s: \"" + secret + "\" };\n",
		}, map[string]string{"fn/index.js": "../outside.js"},
			[]string{`BASE/fn/index.js: entry "index.js" is outside the function directory`, "(it resolves to BASE/outside.js)"}},
		{"ErrSourceMapCommentOutside", map[string]string{
			"fn/index.js": "import { a } from \"./lib.js\";\nexport default { a };\n",
			"fn/lib.js":   "export const a = 1;\n//# sourceMappingURL=../lib.js.map\n",
			"lib.js.map":  `{"version": 3, "sources": ["secret.ts"], "sourcesContent": ["` + secret + `"], "mappings": "AAAA"}`,
		}, nil, []string{`BASE/fn/lib.js: its comment "../lib.js.map" names a source map outside the function directory BASE/fn (BASE/lib.js.map)`}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["fn/vault.yaml"] = confinedManifest
			base := tree(t, tt.files, tt.links)
			m, blob, err := BuildArtifact(filepath.Join(base, "fn"))
			if err == nil {
				t.Fatalf("BuildArtifact = %+v, %d bytes (secret bundled: %v); want an error",
					m, len(blob), strings.Contains(string(blob), secret))
			}
			for _, want := range tt.want {
				if want = strings.ReplaceAll(want, "BASE", base); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
		})
	}

	allowed := []struct {
		name         string
		files, links map[string]string
		want         string // in the bundled code
	}{
		{"RelativeAndNodeModules", map[string]string{
			"fn/index.js":                      "import { a } from \"./lib/a.js\";\nimport p from \"pkg\";\nimport t from \"./data.txt\";\nexport default { a, p, t };\n",
			"fn/lib/a.js":                      "export const a = \"from-lib\";\n",
			"fn/data.txt":                      "from-text",
			"fn/node_modules/pkg/package.json": `{"name": "pkg", "main": "main.js"}`,
			"fn/node_modules/pkg/main.js":      "export default \"from-pkg\";\n",
		}, nil, "from-pkg"},
		{"NodeModulesPackageLinkedInside", map[string]string{
			"fn/index.js":                  "import p from \"pkg\";\nexport default { p };\n",
			"fn/packages/pkg/package.json": `{"name": "pkg", "main": "index.js"}`,
			"fn/packages/pkg/index.js":     "export default \"from-linked-pkg\";\n",
			"fn/node_modules/.keep":        "",
		}, map[string]string{"fn/node_modules/pkg": "../packages/pkg"}, "from-linked-pkg"},
		{"SymlinkInsideDirectory", map[string]string{
			"fn/index.js":    "import { a } from \"./alias.js\";\nexport default { a };\n",
			"fn/lib/real.js": "export const a = \"from-real\";\n",
		}, map[string]string{"fn/alias.js": "lib/real.js"}, "from-real"},
		{"SourceMapCommentsInsideOrMissing", map[string]string{
			"fn/index.js":   "import { a } from \"./lib.js\";\nimport { b } from \"./b.js\";\nexport default { a, b };\n",
			"fn/lib.js":     "export const a = \"from-mapped\";\n//# sourceMappingURL=lib.js.map\n",
			"fn/lib.js.map": `{"version": 3, "sources": ["lib.ts"], "sourcesContent": ["export const a = 1"], "mappings": "AAAA"}`,
			"fn/b.js":       "export const b = 2;\n//# sourceMappingURL=../../missing.js.map\n",
		}, nil, "from-mapped"},
		{"AbsoluteImportInside", map[string]string{
			"fn/index.js": "import { a } from \"BASE/fn/lib.js\";\nexport default { a };\n",
			"fn/lib.js":   "export const a = \"from-absolute\";\n",
		}, nil, "from-absolute"},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["fn/vault.yaml"] = confinedManifest
			base := tree(t, tt.files, tt.links)
			_, blob, err := BuildArtifact(filepath.Join(base, "fn"))
			if err != nil {
				t.Fatalf("BuildArtifact: %v", err)
			}
			a, err := DecodeArtifact(blob)
			if err != nil {
				t.Fatal(err)
			}
			if code := string(a.Section(SectionCode)); !strings.Contains(code, tt.want) {
				t.Errorf("code does not contain %q:\n%s", tt.want, code)
			}
		})
	}

	t.Run("FunctionDirectoryIsASymlink", func(t *testing.T) {
		base := tree(t, map[string]string{
			"real/vault.yaml": confinedManifest,
			"real/index.js":   "import { a } from \"./lib.js\";\nexport default { a };\n",
			"real/lib.js":     "export const a = \"through-link\";\n",
		}, map[string]string{"fn": "real"})
		if _, _, err := BuildArtifact(filepath.Join(base, "fn")); err != nil {
			t.Fatalf("BuildArtifact: %v", err)
		}
	})
}
