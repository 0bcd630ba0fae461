package uri

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/weburl"
)

// FuzzPath checks the normal form's invariants (see doc.go): Path of its
// own result changes nothing, keeps the query, starts with '/', leaves no
// dot segment, whatever spelling of one went in, and its path is what
// the WHATWG parser (a function's new URL) reads as the pathname.
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
		u, err := weburl.Parse("https://h"+n, nil)
		if err != nil {
			t.Fatalf("Path(%q) = %q, which the WHATWG parser refuses: %v", p, n, err)
		}
		if got := u.Serialize().Get(weburl.Pathname); got != path {
			t.Fatalf("Path(%q) = %q, whose pathname is %q to the WHATWG parser", p, n, got)
		}
	})
}

// FuzzAuthority checks that Authority's result is its own normal form,
// that a host it accepts holds none of the bytes that could make the
// WHATWG parser read another host, and that the parser, when it accepts
// the host, reads the same one.
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
		if u, err := weburl.Parse("https://"+n+"/", nil); err == nil {
			host := n
			if i := strings.LastIndexByte(n, ':'); i >= 0 && !strings.HasSuffix(n, "]") {
				host = n[:i]
			}
			if got := u.Serialize().Get(weburl.Hostname); !sameHost(got, host) {
				t.Fatalf("Authority(%q) = %q, whose host is %q to the WHATWG parser", a, n, got)
			}
		}
	})
}

// sameHost: equal names, or IPv6 literals of the same address. Authority
// keeps an IPv6 literal as it was spelled ([0::]) where WHATWG
// serializes it ([::]).
func sameHost(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := netip.ParseAddr(strings.Trim(a, "[]"))
	y, err2 := netip.ParseAddr(strings.Trim(b, "[]"))
	return err1 == nil && err2 == nil && strings.HasPrefix(a, "[") && strings.HasPrefix(b, "[") && x == y
}
