package uri

import (
	"errors"
	"testing"
)

func TestPath(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		// Spellings of /login that escaped a limit on /login.
		{"DotDotSegment", "/a/../login", "/login"},
		{"EncodedDotDot", "/a/%2e%2e/login", "/login"},
		{"EncodedDotDotUpper", "/a/%2E%2E/login", "/login"},
		{"HalfEncodedDotDot", "/a/.%2e/login", "/login"},
		{"DotSegment", "/./login", "/login"},
		{"EncodedDot", "/%2e/login", "/login"},
		{"EncodedLetters", "/%6c%6F%67%69%6e", "/login"},
		{"DotDotAboveRoot", "/../../login", "/login"},
		{"DotDotIntoRoute", "/x/../secret/a", "/secret/a"},
		{"DotDotOverEmptySegment", "/a//../b", "/a/b"},
		{"TrailingDot", "/a/b/.", "/a/b/"},
		{"TrailingDotDot", "/a/b/..", "/a/"},
		{"OnlyDotDot", "/..", "/"},
		{"DotDotThenQuery", "/a/..?x=/../y", "/?x=/../y"},
		// Kept as they are.
		{"Root", "/", "/"},
		{"Plain", "/login", "/login"},
		{"TrailingSlash", "/api/items/", "/api/items/"},
		{"EmptySegments", "//a//b", "//a//b"},
		{"Query", "/search?q=a%2fb&x=%zz&y=../z", "/search?q=a%2fb&x=%zz&y=../z"},
		{"EncodedSlash", "/a%2Fb/c", "/a%2Fb/c"},
		{"EncodedUTF8", "/caf%C3%A9", "/caf%C3%A9"},
		{"DotsInsideSegments", "/a.b/..c/c../.../file.tar.gz", "/a.b/..c/c../.../file.tar.gz"},
		{"SubDelims", "/a;b=c/d,e/f:g@h/!$&'()*+", "/a;b=c/d,e/f:g@h/!$&'()*+"},
		{"DotDotNextToEncodedSlash", "/a/..%2Fb", "/a/..%2Fb"},
		// Encodings put in their one spelling.
		{"EncodedSlashUpperCased", "/a%2fb", "/a%2Fb"},
		{"EncodedUTF8UpperCased", "/caf%c3%a9", "/caf%C3%A9"},
		{"RawUTF8Encoded", "/café", "/caf%C3%A9"},
		{"WHATWGPathSetEncoded", "/a\"<>`{}", "/a%22%3C%3E%60%7B%7D"},
		{"EncodedTildeDecoded", "/%7Euser", "/~user"},
		{"EncodedReservedKept", "/%3a%40%25", "/%3A%40%25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Path(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("Path(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestPathRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"Empty", ""},
		{"NotOriginForm", "login"},
		{"AbsoluteForm", "http://example.com/login"},
		{"Asterisk", "*"},
		{"NUL", "/a\x00b"},
		{"CR", "/a\rb"},
		{"LF", "/a\nb"},
		{"CRLFInQuery", "/a?x=1\r\nSet-Cookie: y"},
		{"Tab", "/a\tb"},
		{"DEL", "/a\x7fb"},
		{"Space", "/a b"},
		{"Fragment", "/secret#/../public"},
		{"FragmentInQuery", "/a?b#c"},
		{"Backslash", "/x\\..\\login"},
		{"TruncatedPercent", "/a%2"},
		{"LonePercent", "/100%"},
		{"NonHexPercent", "/a%zz"},
		// A double encoding must not decode to %2e on a second pass.
		{"PercentBeforeEncodedHex", "/%%32%65%%32%65/login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Path(tc.in)
			if !errors.Is(err, ErrPath) {
				t.Fatalf("Path(%q) = %q, %v; want ErrPath", tc.in, got, err)
			}
		})
	}
}

func TestPathUnchangedDoesNotAllocate(t *testing.T) {
	p := "/api/items/42/?q=a%2fb"
	if n := testing.AllocsPerRun(100, func() { Path(p) }); n != 0 {
		t.Errorf("Path(%q): %v allocations, want 0", p, n)
	}
}

func TestSegment(t *testing.T) {
	for in, want := range map[string]string{
		"login":     "login",
		"%7Euser":   "~user",
		"café":      "caf%C3%A9",
		"caf%c3%a9": "caf%C3%A9",
		"a%2fb":     "a%2Fb",
		"100%":      "100%",
		"%zz":       "%zz",
	} {
		if got := Segment(in); got != want {
			t.Errorf("Segment(%q) = %q, want %q", in, got, want)
		}
	}
}
