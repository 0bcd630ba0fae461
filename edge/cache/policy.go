package cache

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors that make a put fail: the Cache API throws a TypeError for them.
var (
	ErrMethod  = errors.New("cache: only GET requests can be cached")
	ErrPartial = errors.New("cache: a 206 Partial Content response cannot be cached")
	ErrVaryAll = errors.New("cache: a response with Vary: * cannot be cached")
)

// edgeTTL is how long a response without freshness headers stays, by
// status: workerd's defaults for its edge cache. Other statuses are not
// stored without explicit freshness.
func edgeTTL(status int) time.Duration {
	switch status {
	case 200, 203, 206, 300, 301, 410:
		return 120 * time.Minute
	case 302, 303, 307, 308:
		return 20 * time.Minute
	case 404:
		return 3 * time.Minute
	}
	return 0
}

// directives are a Cache-Control header's directives, lower case, with
// their values (unquoted) where they have one.
type directives map[string]string

func parseCacheControl(h http.Header) directives {
	d := directives{}
	for _, line := range h.Values("Cache-Control") {
		for _, part := range strings.Split(line, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			value = strings.Trim(strings.TrimSpace(value), `"`)
			if _, dup := d[name]; !dup {
				d[name] = value
			}
		}
	}
	return d
}

// seconds reads a delta-seconds value; ok is false when it is missing or
// malformed (a malformed max-age makes a response stale: RFC 9111 §1.2.2).
func (d directives) seconds(name string) (time.Duration, bool) {
	v, ok := d[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, true
	}
	const maxAge = 1 << 31 // RFC 9111 §1.2.2: at most 2^31 seconds
	return time.Duration(min(n, maxAge)) * time.Second, true
}

// Freshness decides whether a response may be stored and for how long.
// header is the response's; it may be changed: a Set-Cookie that
// Cache-Control marks private is removed. ttl is zero when the response is
// not stored (reason says why).
func Freshness(status int, header http.Header, now time.Time) (ttl time.Duration, reason string, err error) {
	if status == http.StatusPartialContent {
		return 0, "", ErrPartial
	}
	for _, v := range header.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			if strings.TrimSpace(name) == "*" {
				return 0, "", ErrVaryAll
			}
		}
	}
	cc := parseCacheControl(header)
	if _, ok := cc["no-store"]; ok {
		return 0, "Cache-Control: no-store", nil
	}
	if _, ok := cc["no-cache"]; ok && cc["no-cache"] == "" {
		return 0, "Cache-Control: no-cache", nil
	}
	if fields, ok := cc["private"]; ok {
		if fields == "" {
			return 0, "Cache-Control: private", nil
		}
		// private=Set-Cookie (or another field list): those fields are
		// kept out of the shared copy; the rest may be stored.
		for _, f := range strings.Split(fields, ",") {
			header.Del(strings.TrimSpace(f))
		}
	}
	if len(header.Values("Set-Cookie")) > 0 {
		return 0, "the response sets a cookie (Cache-Control: private=Set-Cookie stores it without)", nil
	}
	if d, ok := cc.seconds("s-maxage"); ok {
		return storeFor(d, "s-maxage")
	}
	if d, ok := cc.seconds("max-age"); ok {
		return storeFor(d, "max-age")
	}
	if exp := header.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0, "Expires is not a date", nil
		}
		base := now
		if date, err := http.ParseTime(header.Get("Date")); err == nil {
			base = date
		}
		return storeFor(t.Sub(base), "Expires")
	}
	if ttl := edgeTTL(status); ttl > 0 {
		return ttl, "", nil
	}
	return 0, "status " + strconv.Itoa(status) + " is not stored without Cache-Control", nil
}

func storeFor(d time.Duration, what string) (time.Duration, string, error) {
	if d <= 0 {
		return 0, what + " says the response is already stale", nil
	}
	return d, "", nil
}
