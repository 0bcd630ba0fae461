package isolate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// wptResult is one case of a testdata/streams script, as harness.js
// reports it.
type wptResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Msg  string `json:"msg"`
}

// runWPT runs a script of WPT-style cases (testdata/streams/harness.js
// first) in a function's isolate, through a real invocation so timers and
// the event loop work as they do for a function, and returns the results.
func runWPT(t *testing.T, file string) []wptResult {
	t.Helper()
	harness, err := os.ReadFile("testdata/streams/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(harness) + "\n" + string(cases) +
		"\nreturn {default:{async fetch(){ return new Response(JSON.stringify(await __runTests())) }}};"
	p := compile(t, src, schemas.Limits{CPUMillis: 60000, WallMillis: 120000, MemoryMB: 512})
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []wptResult
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("%s: results: %v: %s", file, err, resp.Body)
	}
	return out
}

// TestStreamsWPT runs the WPT streams, encoding-streams and compression
// cases ported to testdata/streams, each file in its own isolate, each
// case a subtest named file/case.
func TestStreamsWPT(t *testing.T) {
	files, err := filepath.Glob("testdata/streams/*.js")
	if err != nil {
		t.Fatal(err)
	}
	total, passed := 0, 0
	for _, f := range files {
		if filepath.Base(f) == "harness.js" {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".js")
		t.Run(name, func(t *testing.T) {
			results := runWPT(t, f)
			if len(results) == 0 {
				t.Fatal("no cases ran")
			}
			for _, r := range results {
				total++
				if r.OK {
					passed++
				}
				t.Run(r.Name, func(t *testing.T) {
					if !r.OK {
						t.Error(r.Msg)
					}
				})
			}
		})
	}
	t.Logf("WPT cases: %d ported, %d passing", total, passed)
}
