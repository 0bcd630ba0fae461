package cache

import "strings"

// ETagMatches reports whether an If-None-Match field value lists etag,
// by weak comparison (RFC 9110 §13.1.2: W/ prefixes are ignored); "*"
// matches any.
func ETagMatches(ifNoneMatch, etag string) bool {
	etag = strings.TrimPrefix(strings.TrimSpace(etag), "W/")
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
