package uri

import (
	"strings"
	"testing"
)

// FuzzPath checks the normal form's invariants (see doc.go): Path of its
// own result changes nothing, keeps the query, starts with '/', and leaves
// no dot segment, whatever spelling of one went in.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"/", "/a/../login", "/a/%2e%2E/login", "/./login", "/x/../secret/a?q=/../", "/caf%c3%a9/%7e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n, err := Path(p)
		if err != nil {
			return
		}
		if n == "" || n[0] != '/' {
			t.Fatalf("Path(%q) = %q: does not start with /", p, n)
		}
		again, err := Path(n)
		if err != nil || again != n {
			t.Fatalf("Path(%q) = %q, but Path(%q) = %q, %v", p, n, n, again, err)
		}
		path, query, _ := strings.Cut(n, "?")
		if _, q, ok := strings.Cut(p, "?"); ok && q != query {
			t.Fatalf("Path(%q) = %q: query changed", p, n)
		}
		for _, seg := range strings.Split(path[1:], "/") {
			if seg == "." || seg == ".." || strings.Contains(strings.ToUpper(seg), "%2E") {
				t.Fatalf("Path(%q) = %q: dot segment %q left", p, n, seg)
			}
		}
	})
}

// FuzzAuthority checks that Authority's result is its own normal form and
// that a host it accepts holds none of the bytes that could make the
// WHATWG parser read another host.
func FuzzAuthority(f *testing.F) {
	for _, s := range []string{"example.com:443", "Admin.Example.com:@evil.com", "[::1]:80", "127.0.0.1", "0x7f.1", "a.b."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, a string) {
		n, err := Authority(a)
		if err != nil {
			return
		}
		if again, err := Authority(n); err != nil || again != n {
			t.Fatalf("Authority(%q) = %q, but Authority(%q) = %q, %v", a, n, n, again, err)
		}
		if strings.ContainsAny(n, "@%/\\?#") || strings.ToLower(n) != n {
			t.Fatalf("Authority(%q) = %q", a, n)
		}
	})
}
