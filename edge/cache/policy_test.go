package cache

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestFreshness(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	date := now.Format(http.TimeFormat)
	cases := []struct {
		name   string
		status int
		header http.Header
		ttl    time.Duration
		err    error
	}{
		{"MaxAge", 200, http.Header{"Cache-Control": {"public, max-age=60"}}, time.Minute, nil},
		{"SMaxAgeWinsOverMaxAge", 200, http.Header{"Cache-Control": {"max-age=60, s-maxage=10"}}, 10 * time.Second, nil},
		{"DirectivesAreCaseInsensitive", 200, http.Header{"Cache-Control": {"Max-Age=5"}}, 5 * time.Second, nil},
		{"SplitOverTwoLines", 200, http.Header{"Cache-Control": {"public", "max-age=7"}}, 7 * time.Second, nil},
		{"MaxAgeZero", 200, http.Header{"Cache-Control": {"max-age=0"}}, 0, nil},
		{"MalformedMaxAgeIsStale", 200, http.Header{"Cache-Control": {"max-age=soon"}}, 0, nil},
		{"NoStore", 200, http.Header{"Cache-Control": {"max-age=60, no-store"}}, 0, nil},
		{"NoCache", 200, http.Header{"Cache-Control": {"no-cache, max-age=60"}}, 0, nil},
		{"Private", 200, http.Header{"Cache-Control": {"private, max-age=60"}}, 0, nil},
		{"SetCookie", 200, http.Header{"Cache-Control": {"max-age=60"}, "Set-Cookie": {"a=b"}}, 0, nil},
		{"PrivateSetCookieStoresWithoutIt", 200, http.Header{"Cache-Control": {`private="Set-Cookie", max-age=60`}, "Set-Cookie": {"a=b"}}, time.Minute, nil},
		{"Expires", 200, http.Header{"Date": {date}, "Expires": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, nil},
		{"ExpiresInThePast", 200, http.Header{"Expires": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, nil},
		{"ExpiresNotADate", 200, http.Header{"Expires": {"0"}}, 0, nil},
		{"EdgeTTL200", 200, http.Header{}, 120 * time.Minute, nil},
		{"EdgeTTL404", 404, http.Header{}, 3 * time.Minute, nil},
		{"NoEdgeTTLFor500", 500, http.Header{}, 0, nil},
		{"ExplicitFor500", 500, http.Header{"Cache-Control": {"max-age=30"}}, 30 * time.Second, nil},
		{"ErrPartial", 206, http.Header{"Cache-Control": {"max-age=30"}}, 0, ErrPartial},
		{"ErrVaryAll", 200, http.Header{"Vary": {"Accept, *"}}, 0, ErrVaryAll},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ttl, reason, err := Freshness(c.status, c.header, now)
			if !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if ttl != c.ttl {
				t.Fatalf("ttl = %v (reason %q), want %v", ttl, reason, c.ttl)
			}
			if ttl == 0 && err == nil && reason == "" {
				t.Fatal("a response not stored must say why")
			}
		})
	}
}

func TestPrivateFieldsAreRemoved(t *testing.T) {
	h := http.Header{"Cache-Control": {"private=set-cookie, max-age=60"}, "Set-Cookie": {"id=1"}, "X-Keep": {"y"}}
	if ttl, _, _ := Freshness(200, h, time.Now()); ttl != time.Minute {
		t.Fatalf("ttl = %v", ttl)
	}
	if h.Get("Set-Cookie") != "" || h.Get("X-Keep") != "y" {
		t.Fatalf("header after = %v", h)
	}
}

func TestETagMatches(t *testing.T) {
	for _, c := range []struct {
		inm, etag string
		want      bool
	}{
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"a"`, `W/"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`*`, `"x"`, true},
		{`"b"`, `"a"`, false},
		{`"a`, `"a"`, false},
	} {
		if got := ETagMatches(c.inm, c.etag); got != c.want {
			t.Errorf("ETagMatches(%s, %s) = %v", c.inm, c.etag, got)
		}
	}
}
