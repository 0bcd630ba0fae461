package isolate

import "testing"

// FuzzCompile feeds arbitrary bundles and source maps (both come from a
// deployer) to the compile path: it may refuse them, never panic.
func FuzzCompile(f *testing.F) {
	f.Add("var x = 1;", []byte(nil))
	f.Add(`var s = "\u{10FFFF}";`, []byte(nil))
	f.Add("function f() { throw new Error('x') }\nf();", []byte(`{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA;AACA"}`))
	f.Add("(function(){})()", []byte(`{"version":3,"sources":[],"mappings":";;;;;;;;;"}`))
	f.Add("x", []byte(`{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3}}]}`))
	f.Add("y", []byte("not json"))
	f.Fuzz(func(t *testing.T, code string, sourceMap []byte) {
		_, _ = compileModule("fuzz.js", []byte(code), sourceMap)
	})
}
