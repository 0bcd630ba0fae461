package schemas

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseRouteAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want Route
	}{
		{"/", Route{Path: "/"}},
		{"/a/:id", Route{Path: "/a/:id", Segments: []string{"a", ":id"}}},
		{"/a/*", Route{Path: "/a/*", Segments: []string{"a", "*"}}},
		{"/*", Route{Path: "/*", Segments: []string{"*"}}},
		{"host.example/x", Route{Host: "host.example", Path: "/x", Segments: []string{"x"}}},
		{"Host.EXAMPLE/X", Route{Host: "host.example", Path: "/X", Segments: []string{"X"}}},
		{"host.example/", Route{Host: "host.example", Path: "/"}},
		{"/trailing/", Route{Path: "/trailing/", Segments: []string{"trailing", ""}}},
		{"/a/:x/b/:y/*", Route{Path: "/a/:x/b/:y/*", Segments: []string{"a", ":x", "b", ":y", "*"}}},
		{"/v1/a:b", Route{Path: "/v1/a:b", Segments: []string{"v1", "a:b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRoute(tt.in)
			if err != nil {
				t.Fatalf("ParseRoute(%q): %v", tt.in, err)
			}
			if got.Host != tt.want.Host || got.Path != tt.want.Path || !slices.Equal(got.Segments, tt.want.Segments) {
				t.Errorf("ParseRoute(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.want.Host+tt.want.Path {
				t.Errorf("String() = %q", s)
			}
			again, err := ParseRoute(got.String())
			if err != nil || again.String() != got.String() {
				t.Errorf("ParseRoute(String()) = %v, %v; want %v", again, err, got)
			}
		})
	}
}

func TestParseRouteRejects(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string
	}{
		{"", "path must start with /"},
		{"nopath", "path must start with /"},
		{"/a/*/b", "* must be the last segment"},
		{"/*/*", "* must be the last segment"},
		{"/a/b*", "* must be a whole segment"},
		{"/a/:id*", "* must be a whole segment"},
		{"/:", "parameter without a name"},
		{"/a/:/b", "parameter without a name"},
		{"/a/:x/:x", `parameter "x" used twice`},
		{"/a//b", "empty path segment"},
		{"//", "empty path segment"},
		{"/a b", "path may not contain spaces, control characters, ? or #"},
		{"/a\tb", "path may not contain spaces, control characters, ? or #"},
		{"/a?q=1", "path may not contain spaces, control characters, ? or #"},
		{"/a#frag", "path may not contain spaces, control characters, ? or #"},
		{"host:8080/x", "invalid host"},
		{"*.example/x", "invalid host"},
		{"user@host/x", "invalid host"},
		{"[::1]/x", "invalid host"},
		{"my host/x", "invalid host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRoute(tt.in)
			if err == nil {
				t.Fatalf("ParseRoute(%q) = %#v, want an error", tt.in, r)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
				t.Errorf("ParseRoute(%q) error %q, want it to name the route and say %q", tt.in, err, tt.wantMsg)
			}
			if r.Host != "" || r.Path != "" || r.Segments != nil {
				t.Errorf("ParseRoute(%q) returned %#v with an error", tt.in, r)
			}
		})
	}
}

func TestRouteShape(t *testing.T) {
	same := [][2]string{
		{"/users/:id", "/users/:name"},
		{"api.example.com/a/:x/*", "API.example.com/a/:y/*"},
		{"/", "/"},
	}
	for _, p := range same {
		a, b := mustRoute(t, p[0]), mustRoute(t, p[1])
		if a.Shape() != b.Shape() {
			t.Errorf("Shape(%s) = %q, Shape(%s) = %q: want equal", p[0], a.Shape(), p[1], b.Shape())
		}
	}
	differ := [][2]string{
		{"/users/:id", "/users/me"},
		{"/a", "example.com/a"},
		{"/a/*", "/a/:x"},
		{"/a", "/a/"},
		{"/", "/*"},
	}
	for _, p := range differ {
		a, b := mustRoute(t, p[0]), mustRoute(t, p[1])
		if a.Shape() == b.Shape() {
			t.Errorf("Shape(%s) = Shape(%s) = %q: want different", p[0], p[1], a.Shape())
		}
	}
}

func mustRoute(t *testing.T, s string) Route {
	t.Helper()
	r, err := ParseRoute(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
