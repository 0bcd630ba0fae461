package route

import (
	"net"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

func buildTable(t *testing.T, patterns ...string) *Table[string] {
	t.Helper()
	r := NewTable[string]()
	for _, p := range patterns {
		route, err := schemas.ParseRoute(p)
		if err != nil {
			t.Fatalf("parse %q: %v", p, err)
		}
		if err := r.Add(route, p); err != nil {
			t.Fatalf("add %q: %v", p, err)
		}
	}
	return r
}

func TestTableMostSpecificWins(t *testing.T) {
	r := buildTable(t,
		"/", "/*", "/users/:id", "/users/me", "/users/:id/posts", "/static/*", "/a/b/c",
		"api.example.com/*", "api.example.com/v1/:thing", "/trailing/")
	tests := []struct{ host, path, want string }{
		{"x", "/", "/"},
		{"x", "/nothing/here", "/*"},
		{"x", "/users/me", "/users/me"},
		{"x", "/users/42", "/users/:id"},
		{"x", "/users/42/posts", "/users/:id/posts"},
		{"x", "/users/me/posts", "/users/:id/posts"}, // literal dead-ends, param continues
		{"x", "/users/", "/*"},                       // a param never matches an empty segment
		{"x", "/static", "/static/*"},
		{"x", "/static/css/site.css", "/static/*"},
		{"x", "/a/b", "/*"},
		{"x", "/a/b/c", "/a/b/c"},
		{"x", "/trailing/", "/trailing/"},
		{"x", "/trailing", "/*"},
		{"api.example.com", "/v1/widgets", "api.example.com/v1/:thing"},
		{"API.example.com:8443", "/v1/widgets", "api.example.com/v1/:thing"},
		{"api.example.com", "/v2", "api.example.com/*"},
		{"api.example.com", "/", "api.example.com/*"},
		{"other.example.com", "/v1/widgets", "/*"},
	}
	for _, tt := range tests {
		got, ok := r.Lookup(tt.host, tt.path)
		if !ok || got != tt.want {
			t.Errorf("Lookup(%q, %q) = %q, %v; want %q", tt.host, tt.path, got, ok, tt.want)
		}
	}
}

func TestTableNoMatch(t *testing.T) {
	r := buildTable(t, "/users/:id", "h.example/*")
	for _, path := range []string{"/", "/users", "/users/1/2", "/other"} {
		if got, ok := r.Lookup("x", path); ok {
			t.Errorf("Lookup(x, %q) matched %q", path, got)
		}
	}
}

func TestTableConflicts(t *testing.T) {
	tests := []struct{ first, second, want string }{
		{"/a/:x", "/a/:y", "route /a/:y conflicts with /a/:x"},
		{"/a/*", "/a/*", "route /a/* conflicts with /a/*"},
		{"/", "/", "route / conflicts with /"},
		{"h/x", "h/x", "route h/x conflicts with h/x"},
		{"h/*", "h/*", "route h/* conflicts with h/*"},
	}
	for _, tt := range tests {
		r := buildTable(t, tt.first)
		route, _ := schemas.ParseRoute(tt.second)
		if err := r.Add(route, tt.second); err == nil || err.Error() != tt.want {
			t.Errorf("%s after %s: Add = %v; want %q", tt.second, tt.first, err, tt.want)
		}
	}
	// Same path on different hosts is no conflict.
	buildTable(t, "a.example/x", "b.example/x", "/x")
}

// TestTableLiteralsInNormalForm: a route's literal segments are put in
// uri's normal form, so the normal form of a request's path matches them
// whichever way either spelled an unreserved or a non-ASCII character.
func TestTableLiteralsInNormalForm(t *testing.T) {
	r := buildTable(t, "/%7Euser/*", "/café", "/a%2fb")
	for _, tt := range []struct{ path, want string }{
		{"/~user/x", "/%7Euser/*"},
		{"/caf%C3%A9", "/café"},
		{"/a%2Fb", "/a%2fb"},
	} {
		if got, ok := r.Lookup("x", tt.path); !ok || got != tt.want {
			t.Errorf("Lookup(x, %q) = %q, %v; want %q", tt.path, got, ok, tt.want)
		}
	}
	route, _ := schemas.ParseRoute("/~user/*")
	if err := r.Add(route, "/~user/*"); err == nil {
		t.Error("/~user/* after /%7Euser/*: no conflict")
	}
}

func TestTableHostPort(t *testing.T) {
	r := buildTable(t, "/*", "h.example/*")
	tests := []struct{ host, want string }{
		{"h.example", "h.example/*"},
		{"H.Example", "h.example/*"},
		{"h.example:443", "h.example/*"},
		{"h.example:", "h.example/*"},
		{"[h.example]:443", "h.example/*"},
		{"[h.example]", "/*"},
		{"h.example:1:2", "/*"},
		{"h.example:]", "/*"},
		{"[::1]:443", "/*"},
		{"::1", "/*"},
		{"", "/*"},
	}
	for _, tt := range tests {
		if got, _ := r.Lookup(tt.host, "/x"); got != tt.want {
			t.Errorf("Lookup(%q, /x) = %q; want %q", tt.host, got, tt.want)
		}
	}
}

// FuzzHostname checks that hostname finds the host net.SplitHostPort
// would, wherever it could be a route's: a route's host is not empty and
// has no ':', '[' or ']', so two answers that both cannot be one are
// equally none.
func FuzzHostname(f *testing.F) {
	for _, s := range []string{"h", "h:80", "[h]:80", "[::1]:80", "::1", "[h]", "h:", ":80", "[]:80", "[a]b]:80", "a]:80", ":]", "0:]"} {
		f.Add(s)
	}
	none := func(h string) bool { return h == "" || strings.ContainsAny(h, ":[]") }
	f.Fuzz(func(t *testing.T, hostport string) {
		want := hostport
		if h, _, err := net.SplitHostPort(hostport); err == nil {
			want = h
		}
		got := hostname(hostport)
		if got != want && !(none(got) && none(want)) {
			t.Errorf("hostname(%q) = %q; net.SplitHostPort says %q", hostport, got, want)
		}
	})
}

func TestLookupDoesNotAllocate(t *testing.T) {
	r := buildTable(t, "/users/:id", "h.example/static/*")
	allocs := testing.AllocsPerRun(100, func() {
		r.Lookup("h.example", "/static/site.css")
		r.Lookup("other.example:443", "/users/42")
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times per call; want 0", allocs)
	}
}
