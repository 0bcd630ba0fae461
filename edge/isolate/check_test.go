package isolate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// bundleFiles bundles a function directory holding files (entry index.js)
// as vault deploy does.
func bundleFiles(t *testing.T, files map[string]string) (code, sourceMap []byte) {
	t.Helper()
	dir := t.TempDir()
	files["vault.yaml"] = "name: fn\nentry: index.js\n"
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := schemas.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	code, sourceMap, err = schemas.Bundle(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	return code, sourceMap
}

// shortStartup lowers the start-up bounds for a test.
func shortStartup(t *testing.T, cpu time.Duration) {
	t.Cleanup(func(old time.Duration) func() { return func() { startupCPU = old } }(startupCPU))
	startupCPU = cpu
}

const importLib = "import { r } from './lib.js';\nexport default { fetch() { return new Response(String(r)) } };\n"

func TestCheck(t *testing.T) {
	shortStartup(t, 100*time.Millisecond)
	tests := []struct {
		name  string
		files map[string]string
		vars  map[string]string
		is    error    // errors.Is target; nil for success
		want  []string // substrings of the error
	}{
		{"OK", map[string]string{"index.js": "export default { fetch() { return new Response('ok') } };\n"}, nil, nil, nil},
		{"OKClassHandler", map[string]string{"index.js": "class H { fetch() { return new Response('ok') } }\nexport default new H();\n"}, nil, nil, nil},
		{"ErrNoDefaultExport", map[string]string{"index.js": "export const fetch = () => new Response('x');\n"}, nil, ErrNoHandler, nil},
		{"ErrFetchNotAFunction", map[string]string{"index.js": "export default { fetch: 'nope' };\n"}, nil, ErrNoHandler, nil},
		{"ErrTopLevelThrow", map[string]string{
			"index.js": importLib,
			"lib.js":   "export const r = 1;\n\n  throw new TypeError('no config');\n",
		}, nil, ErrStartup, []string{"TypeError: no config", "lib.js:3:9"}},
		{"ErrRegExpGojaCannotCompile", map[string]string{
			"index.js": importLib,
			"lib.js":   "// a pattern with a modifier group, which goja refuses\n\nexport const r = /(?i:a)b/;\n",
		}, nil, nil, []string{"Invalid group", "lib.js:3:18"}},
		{"ErrTopLevelLoop", map[string]string{"index.js": "while (true) {}\nexport default { fetch() {} };\n"}, nil, ErrCPUTime,
			[]string{"top level did not finish", "100ms of CPU"}},
		{"TopLevelReadsEnv", map[string]string{
			"index.js": "import { env } from 'cloudflare:workers';\nif (env.MODE !== 'on') throw new Error('MODE is ' + env.MODE);\nexport default { fetch() {} };\n",
		}, map[string]string{"MODE": "on"}, nil, nil},
		{"ErrTopLevelEnvMissing", map[string]string{
			"index.js": "import { env } from 'cloudflare:workers';\nif (env.MODE !== 'on') throw new Error('MODE is ' + env.MODE);\nexport default { fetch() {} };\n",
		}, nil, ErrStartup, []string{"MODE is undefined", "index.js:2:30"}},
		{"ErrTopLevelWaitUntil", map[string]string{
			"index.js": "import { waitUntil } from 'cloudflare:workers';\nwaitUntil(Promise.resolve());\nexport default { fetch() {} };\n",
		}, nil, ErrStartup, []string{"TypeError", "waitUntil: no request is being handled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, sm := bundleFiles(t, tt.files)
			err := Check(Config{Function: "fn", Version: 1, Code: code, SourceMap: sm, Vars: tt.vars})
			if tt.is == nil && tt.want == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check passed; want an error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Check: %v; want %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestCompileBoundsTheTopLevel: activation runs the top level under the
// same bounds as the deploy's check: an endless loop fails it instead of
// holding the projector.
func TestCompileBoundsTheTopLevel(t *testing.T) {
	shortStartup(t, 50*time.Millisecond)
	code := "var " + ModuleGlobal + " = (function(){ for (;;) {} })();"
	_, err := Compile(Config{Function: "loop", Version: 1, Code: []byte(code), Logger: discardLogger()})
	if !errors.Is(err, ErrStartup) || !errors.Is(err, ErrCPUTime) {
		t.Fatalf("Compile: %v; want ErrStartup and ErrCPUTime", err)
	}
}

// TestCheckedInstanceServesNormally: the bounds end with the start; the
// instance Compile pools serves under the version's own limits.
func TestCheckedInstanceServesNormally(t *testing.T) {
	shortStartup(t, 30*time.Millisecond)
	p := compile(t, `return {default:{fetch(){ const t = Date.now(); while (Date.now() - t < 60) {} return new Response("slow but fine") }}}`,
		schemas.Limits{CPUMillis: 5000, WallMillis: 5000})
	resp, err := invoke(t, p, "GET", "")
	if err != nil || string(resp.Body) != "slow but fine" {
		t.Fatalf("invoke = %v, %v", resp, err)
	}
}
