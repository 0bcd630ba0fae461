package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestSummary feeds recorded `go test -json` streams through the summary
// and compares its output with testdata/NAME[-ci].golden. The streams are
// real: a module of small packages, passing, failing (nested subtests, a
// panic, a build error), skipping, timing out, and one cut short.
func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ci     bool
		wantOK bool
		counts string
	}{
		{"failures", false, false, "6 passed, 4 failed, 1 skipped"},
		{"failures", true, false, "6 passed, 4 failed, 1 skipped"},
		{"skip", false, true, "3 passed, 0 failed, 1 skipped"},
		{"skip", true, false, "3 passed, 0 failed, 1 skipped"},
		{"timeout", false, false, "1 passed, 2 failed, 0 skipped"},
		{"cut", false, false, "2 passed, 3 failed, 0 skipped"},
	} {
		golden := tc.name
		if tc.ci {
			golden += "-ci"
		}
		t.Run(golden, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tc.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			s := newSummary(&out)
			if err := s.read(bytes.NewReader(in)); err != nil {
				t.Fatal(err)
			}
			if ok := s.finish(tc.ci); ok != tc.wantOK {
				t.Errorf("finish = %v, want %v", ok, tc.wantOK)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if last := lines[len(lines)-1]; last != tc.counts {
				t.Errorf("last line %q, want %q", last, tc.counts)
			}
			path := filepath.Join("testdata", golden+".golden")
			if *update {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("output differs from %s (rerun with -update and check the diff):\n%s", path, out.String())
			}
		})
	}
}

// TestSkipListedInCI: in CI a skipped test is named with its package and
// its skip message; outside CI skips are only counted.
func TestSkipListedInCI(t *testing.T) {
	const stream = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestTool"}
{"Action":"output","Package":"p","Test":"TestTool","Output":"=== RUN   TestTool\n"}
{"Action":"output","Package":"p","Test":"TestTool","Output":"    tool_test.go:9: h2spec not installed\n"}
{"Action":"output","Package":"p","Test":"TestTool","Output":"--- SKIP: TestTool (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestTool"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}
{"Action":"pass","Package":"p"}
`
	for _, ci := range []bool{false, true} {
		var out bytes.Buffer
		s := newSummary(&out)
		if err := s.read(strings.NewReader(stream)); err != nil {
			t.Fatal(err)
		}
		ok := s.finish(ci)
		listed := strings.Contains(out.String(), "    p TestTool: tool_test.go:9: h2spec not installed\n")
		if ok == ci || listed != ci || !strings.HasPrefix(out.String(), "ok  \tp\t0.01s\n") {
			t.Errorf("CI %v: ok %v, skip listed %v; want ok %v, listed %v:\n%s", ci, ok, listed, !ci, ci, out.String())
		}
	}
}
