package edge

import (
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

func buildRouter(t *testing.T, patterns ...string) *Router[string] {
	t.Helper()
	r := NewRouter[string]()
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

func TestRouterMostSpecificWins(t *testing.T) {
	r := buildRouter(t,
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

func TestRouterNoMatch(t *testing.T) {
	r := buildRouter(t, "/users/:id", "h.example/*")
	for _, path := range []string{"/", "/users", "/users/1/2", "/other"} {
		if got, ok := r.Lookup("x", path); ok {
			t.Errorf("Lookup(x, %q) matched %q", path, got)
		}
	}
}

func TestRouterConflicts(t *testing.T) {
	for _, pair := range [][2]string{{"/a/:x", "/a/:y"}, {"/a/*", "/a/*"}, {"/", "/"}, {"h/x", "h/x"}} {
		r := buildRouter(t, pair[0])
		route, _ := schemas.ParseRoute(pair[1])
		if err := r.Add(route, pair[1]); err == nil {
			t.Errorf("%s after %s: want a conflict", pair[1], pair[0])
		}
	}
	// Same path on different hosts is no conflict.
	buildRouter(t, "a.example/x", "b.example/x", "/x")
}
