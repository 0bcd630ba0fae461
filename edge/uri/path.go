package uri

import (
	"errors"
	"fmt"
	"strings"
)

// ErrPath is wrapped by every error Path returns.
var ErrPath = errors.New("uri: malformed :path")

// Path returns the normal form (see doc.go) of p, a request's :path in
// origin form: "/", a path and an optional query. The query is kept as it
// is. A p that is not in origin form, or holds a byte that HTTP forbids or
// that readers disagree on, is refused: a control character or DEL (RFC
// 9113 §8.2.1 forbids NUL, CR and LF in any field), a space, '#' (a
// fragment is never sent), in the path a '\' (WHATWG reads it as '/', RFC
// 3986 not) and a '%' not followed by two hex digits (decoding it later
// could make a new escape).
//
// It allocates only when p's path has a '%', a dot segment or a byte to
// encode.
func Path(p string) (string, error) {
	if p == "" || p[0] != '/' {
		return "", pathError("does not start with /", -1)
	}
	path, query := p, ""
	if i := strings.IndexByte(p, '?'); i >= 0 {
		path, query = p[:i], p[i:]
	}
	for i := 0; i < len(query); i++ {
		if c := query[i]; forbidden(c) {
			return "", pathError(forbiddenWhat(c), len(path)+i)
		}
	}
	same := true
	for i := 1; i < len(path); i++ {
		switch c := path[i]; {
		case forbidden(c) || c == '\\':
			return "", pathError(forbiddenWhat(c), i)
		case c == '%' || encoded(c):
			same = false
		case c == '.' && path[i-1] == '/' && dotSegment(path[i:]):
			same = false
		}
	}
	if same {
		return p, nil
	}
	b, err := appendSegment(make([]byte, 0, len(p)+8), path, true)
	if err != nil {
		return "", err
	}
	return string(append(removeDots(b), query...)), nil
}

// dotSegment reports whether s, from the start of a segment, begins with
// a "." or ".." segment.
func dotSegment(s string) bool {
	if len(s) > 1 && s[1] == '.' {
		s = s[1:]
	}
	return len(s) == 1 || s[1] == '/'
}

// Segment is the normal form of one route segment: percent-encodings as
// Path leaves them, and the bytes Path would encode encoded. A malformed
// '%' is kept, as no request can match it.
func Segment(s string) string {
	b, _ := appendSegment(nil, s, false)
	return string(b)
}

// appendSegment appends s with unreserved characters decoded, other
// percent-encodings upper-cased, and the bytes in encoded encoded. strict
// refuses a malformed percent-encoding, else it is copied.
func appendSegment(b []byte, s string, strict bool) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(d) {
				b = append(b, d)
			} else {
				b = append(b, '%', upperHex[d>>4], upperHex[d&15])
			}
			i += 2
		case c == '%' && strict:
			return nil, pathError("'%' not followed by two hex digits", i)
		case encoded(c):
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		default:
			b = append(b, c)
		}
	}
	return b, nil
}

// removeDots is RFC 3986 §5.2.4's remove_dot_segments on an absolute
// path, done in place: each segment is written at or before where it was
// read. A path that ends in a dot segment ends in '/', as in RFC 3986 and
// the WHATWG parser.
func removeDots(b []byte) []byte {
	out := b[:0]
	for r := 1; r <= len(b); {
		end := len(b)
		if i := indexSlash(b[r:]); i >= 0 {
			end = r + i
		}
		seg, last := b[r:end], end == len(b)
		switch string(seg) { // no allocation: compared, not kept
		case ".":
		case "..":
			if i := lastSlash(out); i >= 0 {
				out = out[:i]
			}
		default:
			out = append(out, '/')
			out = append(out, seg...)
			last = false
		}
		if last {
			out = append(out, '/')
		}
		r = end + 1
	}
	return out
}

func indexSlash(b []byte) int {
	for i, c := range b {
		if c == '/' {
			return i
		}
	}
	return -1
}

func lastSlash(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '/' {
			return i
		}
	}
	return -1
}

const upperHex = "0123456789ABCDEF"

// forbidden bytes are refused anywhere in a :path.
func forbidden(c byte) bool { return c <= ' ' || c == 0x7f || c == '#' }

func forbiddenWhat(c byte) string {
	switch c {
	case 0:
		return "NUL"
	case '\r':
		return "CR"
	case '\n':
		return "LF"
	case ' ':
		return "space"
	case '#':
		return "'#'"
	case '\\':
		return "'\\'"
	}
	return "control character"
}

// encoded bytes are those the WHATWG parser percent-encodes in a path
// (its path percent-encode set) that Path does not refuse.
func encoded(c byte) bool {
	return c >= 0x80 || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}'
}

// unreserved is RFC 3986 §2.3.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func pathError(what string, at int) error {
	if at < 0 {
		return fmt.Errorf("%w: %s", ErrPath, what)
	}
	// Where, not the input: an error message is no place for raw bytes.
	return fmt.Errorf("%w: %s at byte %d", ErrPath, what, at)
}
