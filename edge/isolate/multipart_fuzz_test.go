package isolate

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzMultipart checks that the parser never panics, fails only with
// errMultipart, never returns more than its part limit, and that what it
// parses survives a round trip: serialized and parsed again, names and
// text values come back with their line breaks made CRLF (as the HTML
// standard's encoding makes them), filenames, types and file bytes as
// they were.
func FuzzMultipart(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n"), "b")
	f.Add([]byte("pre\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x%22.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=f; filename*=UTF-8''%E2%82%AC\r\n\r\n\r\n--b--"), "b")
	f.Add([]byte("--b\r\n\r\n--b--"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if boundary == "" || len(boundary) > multipartMaxBoundary || bytes.ContainsAny([]byte(boundary), "\r\n") {
			return
		}
		parts, err := parseMultipart(body, boundary)
		if err != nil {
			if !errors.Is(err, errMultipart) {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if len(parts) > multipartMaxParts {
			t.Fatalf("%d parts", len(parts))
		}
		const again = "----fuzz-round-trip-boundary"
		out := serializeMultipart(parts, again)
		back, err := parseMultipart(out, again)
		if err != nil {
			if bytes.Contains(body, []byte(again)) {
				return // the input holds the second boundary: not a valid round trip
			}
			t.Fatalf("serialized parts do not parse: %v\n%q", err, out)
		}
		if len(back) != len(parts) {
			t.Fatalf("%d parts came back from %d", len(back), len(parts))
		}
		for i, p := range parts {
			q := back[i]
			if q.name != normalizeNewlines(p.name) || q.isFile != p.isFile {
				t.Fatalf("part %d: %q (file %v) came back as %q (file %v)", i, p.name, p.isFile, q.name, q.isFile)
			}
			want := string(p.value)
			if !p.isFile {
				want = normalizeNewlines(want)
			}
			if string(q.value) != want {
				t.Fatalf("part %d value %q came back as %q", i, p.value, q.value)
			}
			if p.isFile && (q.filename != p.filename || (p.ctype != "" && q.ctype != p.ctype)) {
				t.Fatalf("part %d file %q %q came back as %q %q", i, p.filename, p.ctype, q.filename, q.ctype)
			}
		}
	})
}
