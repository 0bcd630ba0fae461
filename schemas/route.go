package schemas

import (
	"fmt"
	"strings"
	"unicode"
)

// Route is a parsed route pattern: an optional host and a path of
// segments. A segment is literal, a parameter (":name") or, as the last
// segment only, a catch-all ("*").
type Route struct {
	// Host is the exact host to match, or "" for any host.
	Host string
	// Path is the pattern as written, starting with "/".
	Path string
	// Segments are Path split on "/", without the leading empty one.
	Segments []string
}

// String gives the pattern in the form ParseRoute reads.
func (r Route) String() string { return r.Host + r.Path }

// ParseRoute reads "[host]/path" where path segments may be literal,
// ":param", or a trailing "*".
func ParseRoute(s string) (Route, error) {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return Route{}, fmt.Errorf("route %q: path must start with /", s)
	}
	r := Route{Host: strings.ToLower(s[:i]), Path: s[i:]}
	if strings.ContainsAny(r.Host, " \t:*?#@[]") {
		return Route{}, fmt.Errorf("route %q: invalid host %q", s, r.Host)
	}
	if strings.ContainsAny(r.Path, " ?#") || strings.ContainsFunc(s, unicode.IsControl) {
		return Route{}, fmt.Errorf("route %q: path may not contain spaces, control characters, ? or #", s)
	}
	if r.Path == "/" {
		return r, nil
	}
	r.Segments = strings.Split(r.Path[1:], "/")
	params := map[string]bool{}
	for n, seg := range r.Segments {
		switch {
		case seg == "" && n != len(r.Segments)-1:
			return Route{}, fmt.Errorf("route %q: empty path segment", s)
		case seg == "*":
			if n != len(r.Segments)-1 {
				return Route{}, fmt.Errorf("route %q: * must be the last segment", s)
			}
		case strings.Contains(seg, "*"):
			return Route{}, fmt.Errorf("route %q: * must be a whole segment", s)
		case strings.HasPrefix(seg, ":"):
			name := seg[1:]
			if name == "" {
				return Route{}, fmt.Errorf("route %q: parameter without a name", s)
			}
			if params[name] {
				return Route{}, fmt.Errorf("route %q: parameter %q used twice", s, name)
			}
			params[name] = true
		}
	}
	return r, nil
}

// Shape is the route with parameter names left out: two routes of the
// same shape match the same requests, so they cannot both be served.
func (r Route) Shape() string {
	if len(r.Segments) == 0 {
		return r.Host + r.Path
	}
	var b strings.Builder
	b.WriteString(r.Host)
	for _, seg := range r.Segments {
		b.WriteByte('/')
		if strings.HasPrefix(seg, ":") {
			seg = ":"
		}
		b.WriteString(seg)
	}
	return b.String()
}
