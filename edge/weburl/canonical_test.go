package weburl_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/weburl"
)

// canonicalHrefs are hrefs in the serializer's form that Canonical must
// take.
var canonicalHrefs = []string{
	"http://127.0.0.1:8080/greet",
	"http://x/",
	"https://example.com/a/b?x=1&y=%20z#frag",
	"ws://a.b-c_d:1/",
	"wss://a.example:65535/socket?x",
	"http://x/%2F..x/a.b/.c/..d/%2e%2e%2f",
	"https://example.com:8443/p^|~!$&'()*+,;=:@/?q=a|b^[]#h^#x?",
	"http://0.0.0.0/",
	"http://255.255.255.255:1/",
	"http://a..b/",
	"http://example.com/?",
	"http://example.com/#",
}

// nonCanonical are inputs Canonical must leave to Parse: each one Parse
// rewrites or refuses.
var nonCanonical = []string{
	"", "http:", "http://", "http://x", "http://x?y", "HTTP://x/", "http://X/", "Http://x/",
	" http://x/", "http://x/ ", "http://x/\t", "http://x:80/", "https://x:443/", "ws://x:80/", "wss://x:443/",
	"http://x:080/", "http://x:/", "http://x:65536/", "http://x:99999999999999999999/",
	"http://x/a/../b", "http://x/./", "http://x/a/.", "http://x/..", "http://x/%2e/", "http://x/.%2E", "http://x/a b",
	"http://x/a\\b", "http://x\\a/", "http://1.2.3.04/", "http://0x7f.1/", "http://1.2.3/", "http://1.2.3.4.5/",
	"http://256.1.1.1/", "http://1.2.3.4./", "http://xn--a/", "http://a.xn--b/", "http://x/a?b c",
	"http://x/#a b", "http://x/é", "http://x/?é", "http://x/#é", "http://x/a\"b", "http://x/{}", "http://x/a`",
	"http://x/?'", "http://x/#`", "http://x/\x7f", "http://%41/",
	"http://x%2e/", "http://1.2.3.4:0080/", "http://09/", "http://x.09/",
}

// leftToParse are canonical hrefs outside what Canonical takes: with
// credentials, an IPv6 host or another scheme.
var leftToParse = []string{"http://u@x/", "http://u:p@x/", "http://[::1]/", "ftp://x/", "file:///x", "blob:http://x/", "data:,x"}

func TestCanonical(t *testing.T) {
	for _, href := range canonicalHrefs {
		s, ok := weburl.Canonical(href)
		if !ok {
			t.Errorf("Canonical(%q) refused a canonical href", href)
			continue
		}
		sameAsParse(t, href, s)
	}
	for _, in := range nonCanonical {
		if s, ok := weburl.Canonical(in); ok {
			t.Errorf("Canonical(%q) took it as %+v", in, s)
		}
		if u, err := weburl.Parse(in, nil); err == nil && u.String() == in {
			t.Errorf("%q is canonical after all: the list is wrong", in)
		}
	}
	for _, href := range leftToParse {
		if _, ok := weburl.Canonical(href); ok {
			t.Errorf("Canonical(%q) took it", href)
		}
	}
}

// sameAsParse fails unless Parse gives s for href.
func sameAsParse(t *testing.T, href string, s weburl.Serialized) {
	t.Helper()
	u, err := weburl.Parse(href, nil)
	if err != nil {
		t.Fatalf("Canonical took %q, which Parse refuses: %v", href, err)
	}
	if want := u.Serialize(); s != want {
		t.Fatalf("Canonical(%q) = %+v, Parse gives %+v", href, s, want)
	}
}

// TestCanonicalWPT holds Canonical to Parse on every input of WPT's
// urltestdata.json, and checks that it takes the plain http(s) hrefs
// there.
func TestCanonicalWPT(t *testing.T) {
	took, plain := 0, 0
	for _, raw := range wptCases(t) {
		var c struct {
			Input, Href string
		}
		if json.Unmarshal(raw, &c) != nil {
			continue
		}
		for _, in := range []string{c.Input, c.Href} {
			s, ok := weburl.Canonical(in)
			if ok {
				took++
				sameAsParse(t, in, s)
			}
			if in == c.Href && !ok && plainHref(in) {
				t.Errorf("Canonical refused WPT's href %q", in)
			}
			if plainHref(in) {
				plain++
			}
		}
	}
	t.Logf("Canonical took %d inputs and hrefs of WPT's urltestdata (%d plain http hrefs)", took, plain)
	if took == 0 {
		t.Fatal("Canonical took none of WPT's inputs")
	}
}

// plainHref: an http(s) href with a lowercase host of letters, digits,
// dots and hyphens that is not a number, and a path of letters, digits
// and slashes: Canonical must take it.
func plainHref(s string) bool {
	rest, ok := strings.CutPrefix(s, "http://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "https://"); !ok {
			return false
		}
	}
	host, path, ok := strings.Cut(rest, "/")
	if !ok || host == "" || strings.Trim(host, "abcdefghijklmnopqrstuvwxyz.-") != "" || strings.HasPrefix(host, "xn--") {
		return false
	}
	return strings.Trim(path, "abcdefghijklmnopqrstuvwxyz0123456789/") == ""
}

// FuzzCanonical holds Canonical to Parse: whatever it takes, Parse takes
// too and serializes to the same href with the same offsets.
func FuzzCanonical(f *testing.F) {
	for _, s := range canonicalHrefs {
		f.Add(s)
	}
	for _, s := range append(nonCanonical, leftToParse...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		if s, ok := weburl.Canonical(input); ok {
			if s.Href != input {
				t.Fatalf("Canonical(%q) gave the href %q", input, s.Href)
			}
			sameAsParse(t, input, s)
		}
	})
}

// BenchmarkCanonicalVsParse compares the one-pass check with the parser
// and serializer on a request URL.
func BenchmarkCanonicalVsParse(b *testing.B) {
	const href = "http://127.0.0.1:8080/greet?x=1"
	b.Run("Canonical", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := weburl.Canonical(href); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u, _ := weburl.Parse(href, nil)
			_ = u.Serialize()
		}
	})
}
