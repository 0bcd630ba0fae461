package weburl_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/weburl"
)

var sink int // keeps results the compiler or staticcheck would drop

// TestLongInput guards against quadratic work: a native call cannot be
// interrupted, so a long URL must not hold the runtime for long. Each
// case is 256 KiB; a parser that rebuilds its path per segment takes
// minutes here.
func TestLongInput(t *testing.T) {
	const n = 1 << 17
	for name, in := range map[string]string{
		"Segments":  "http://h/" + strings.Repeat("a/", n),
		"DotDots":   "http://h/" + strings.Repeat("a/../", n/2),
		"Userinfo":  "http://" + strings.Repeat("a@", n) + "h/",
		"Labels":    "http://" + strings.Repeat("a.", n) + "com/",
		"Opaque":    "foo:" + strings.Repeat("x ", n),
		"NonASCII":  "http://h/" + strings.Repeat("é", n),
		"Query":     "http://h/?" + strings.Repeat("a=b&", n/2),
		"Fragment":  "http://h/#" + strings.Repeat("<>", n),
		"IPv6Junk":  "http://[" + strings.Repeat("1:", n) + "]/",
		"FormPairs": strings.Repeat("a=%20&", n/3),
	} {
		start := time.Now()
		if u, err := weburl.Parse(in, nil); err == nil {
			for c := weburl.Protocol; c <= weburl.Hash; c++ {
				sink += len(u.Serialize().Get(c))
			}
			if v, err := weburl.Parse(u.String(), nil); err == nil {
				v.Set(weburl.Pathname, in)
				v.Serialize()
			}
		}
		weburl.SerializeForm(weburl.ParseForm(in))
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v for %d bytes", name, d, len(in))
		}
	}
}

func TestFormDecodeUTF8(t *testing.T) {
	// One U+FFFD per maximal invalid subpart (Encoding Standard), not per byte.
	tests := []struct{ in, want string }{
		{"%E2%82%AC", "€"},
		{"%E2%82", "\uFFFD"},
		{"%E2%82x", "\uFFFDx"},
		{"%F0%9F%98", "\uFFFD"},
		{"%ED%A0%80", "\uFFFD\uFFFD\uFFFD"}, // a surrogate: E0 A0 is out of range after ED
		{"%C0%80", "\uFFFD\uFFFD"},
		{"%F4%90%80%80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"%FF", "\uFFFD"},
		{"a+b%2b%zz%", "a b+%zz%"},
	}
	for _, tt := range tests {
		// A pair without '=' is a name with an empty value.
		if got := weburl.ParseForm(tt.in); len(got) != 2 || got[0] != tt.want || got[1] != "" {
			t.Errorf("ParseForm(%q) = %q, want [%q \"\"]", tt.in, got, tt.want)
		}
	}
}

// BenchmarkParse is Parse and Serialize of a typical URL, the Go half of
// a new URL(...) in JS (edge/isolate's BenchmarkURLParse).
func BenchmarkParse(b *testing.B) {
	const in = "https://api.example.com/v1/users/42?include=profile&limit=10#top"
	b.ReportAllocs()
	for b.Loop() {
		u, err := weburl.Parse(in, nil)
		if err != nil {
			b.Fatal(err)
		}
		u.Serialize()
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, input, base string }{
		{"ErrNoBase", "/relative", ""},
		{"ErrBadPort", "http://h:99999/", ""},
		{"ErrBadBase", "x", "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseWithBase(tc.input, tc.base, tc.base != "")
			var e *weburl.Error
			if !errors.Is(err, weburl.ErrInvalid) || !errors.As(err, &e) || e.Op != "parse" {
				t.Fatalf("Parse(%q, %q): %v, want a parse *Error wrapping ErrInvalid", tc.input, tc.base, err)
			}
		})
	}
	if _, err := weburl.Canonicalize(weburl.Port, "x", "https"); !errors.Is(err, weburl.ErrInvalid) || err.Error() != `weburl: canonicalize port "x": invalid` {
		t.Fatalf("Canonicalize(Port, %q): %v", "x", err)
	}
}
