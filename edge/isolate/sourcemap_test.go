package isolate

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

func TestVLQRoundTrip(t *testing.T) {
	// Segments from esbuild maps and the spec's examples; "gB" is 16,
	// "hB" -16, "2Hc" 123 and 14.
	for _, seg := range []string{"A", "AAAA", "SAAS", "gB", "hB", "2Hc", "IAAI,kBAAkB", "AACA", "+/B"} {
		for _, s := range strings.Split(seg, ",") {
			f, err := decodeVLQ(s)
			if err != nil {
				t.Fatalf("decode %q: %v", s, err)
			}
			if got := encodeVLQ(f); got != s {
				t.Errorf("encode(decode(%q) = %v) = %q", s, f, got)
			}
		}
	}
	if f, _ := decodeVLQ("2Hc"); !slices.Equal(f, []int{123, 14}) {
		t.Errorf(`decode("2Hc") = %v, want [123 14]`, f)
	}
	for _, bad := range []string{"g", "A*", "gggggggggB"} {
		if f, err := decodeVLQ(bad); err == nil {
			t.Errorf("decode(%q) = %v, want an error", bad, f)
		}
	}
}

// esbuildMap transforms src (named lib.js) and returns code and map.
func esbuildMap(t *testing.T, src string) (code string, sourceMap []byte) {
	t.Helper()
	res := api.Transform(src, api.TransformOptions{Sourcefile: "lib.js", Sourcemap: api.SourceMapExternal, Loader: api.LoaderJS})
	if len(res.Errors) > 0 {
		t.Fatalf("transform: %v", res.Errors)
	}
	return string(res.Code), res.Map
}

// TestOneBasedColumns: every mapping moves one column right on both
// sides, and nothing else in the map changes.
func TestOneBasedColumns(t *testing.T) {
	code, sm := esbuildMap(t, "const a = 1;\nfunction f(x) {\n  return x + a;\n}\nf(2);\n")
	shifted, err := oneBasedColumns(sm)
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	_ = json.Unmarshal(sm, &before)
	_ = json.Unmarshal(shifted, &after)
	for k := range before {
		if k != "mappings" && !jsonEqual(before[k], after[k]) {
			t.Errorf("%s changed: %v -> %v", k, before[k], after[k])
		}
	}
	lines := strings.Split(code, "\n")
	for l, line := range lines {
		for c := 1; c <= len(line); c++ {
			f0, l0, c0, ok0 := originalPosition(sm, l+1, c)
			// In the shifted map, column c (1-based) is looked up as c+1
			// of the original's 0-based terms; the result is 1-based.
			f1, l1, c1, ok1 := originalPosition(shifted, l+1, c+1)
			if ok0 != ok1 || f0 != f1 || l0 != l1 || c1 != c0+1 {
				t.Fatalf("line %d col %d: %s:%d:%d (%v) before, %s:%d:%d (%v) shifted", l+1, c, f0, l0, c0, ok0, f1, l1, c1-1, ok1)
			}
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestParseErrorNamesTheOriginalPosition: goja's parser reports errors
// before it reads the map; compileModule maps them.
func TestParseErrorNamesTheOriginalPosition(t *testing.T) {
	// goja's parser takes a class field named set for a setter.
	code, sm := esbuildMap(t, "// one\n// two\nclass A {\n  set = 1;\n}\nvar x = new A();\n")
	_, err := compileModule("fn@v1.js", []byte(code), sm)
	if err == nil {
		t.Fatal("goja parsed a class field named set; find another parse error for this test")
	}
	if !strings.Contains(err.Error(), "lib.js: Line 4:") {
		t.Errorf("error %q does not name lib.js line 4", err)
	}
}
