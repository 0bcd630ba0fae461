package weburl_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vault-runtime/vault/edge/weburl"
)

// FuzzParse checks that the parser does not panic, that a parsed URL's
// href is ASCII and parses again to the same href, that every setter
// keeps that property, and that form lists survive serializing. base is
// also the value given to each setter.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, input, base string) {
		// What goja hands edge/isolate is always UTF-8.
		input, base = strings.ToValidUTF8(input, "\uFFFD"), strings.ToValidUTF8(base, "\uFFFD")
		if u, err := parseWithBase(input, base, base != ""); err == nil {
			href := u.String()
			for i := 0; i < len(href); i++ {
				if href[i] >= utf8.RuneSelf {
					t.Fatalf("href %q of %q (base %q) is not ASCII", href, input, base)
				}
			}
			again, err := weburl.Parse(href, nil)
			if err != nil {
				t.Fatalf("href %q of %q (base %q) does not parse", href, input, base)
			}
			if h := again.String(); h != href {
				t.Fatalf("href %q of %q (base %q) parses to %q", href, input, base, h)
			}
			u.Origin()
			for c := weburl.Protocol; c <= weburl.Hash; c++ {
				v, err := weburl.Parse(href, nil)
				if err != nil {
					t.Fatalf("href %q does not parse", href)
				}
				v.Set(c, base)
				p := v.Serialize()
				if again, err := weburl.Parse(p.Href, nil); err != nil || again.Serialize() != p {
					t.Fatalf("setting %s of %q to %q gives %q, which does not parse to itself", c, href, base, p.Href)
				}
			}
		}
		list := weburl.ParseForm(input)
		if again := weburl.ParseForm(weburl.SerializeForm(list)); strings.Join(again, "\x00") != strings.Join(list, "\x00") {
			t.Fatalf("form list %q serializes to %q, which parses to %q", list, weburl.SerializeForm(list), again)
		}
	})
}
