package edge

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/shield"
	"github.com/vault-runtime/vault/projector/fold"
)

// routeServer serves each function of routes (name → its routes), with
// the shield's rules, without listening: tests call its handler's Route.
func routeServer(t *testing.T, rules []shield.Rule, routes map[string][]string) *handler {
	t.Helper()
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{})
	served := map[string]fold.Served{}
	for fn, rs := range routes {
		v := fold.ServedVersion{Version: 1, Artifact: fn, Percent: 100, Routes: rs}
		warmVersion(t, f, fn, v)
		served[fn] = fold.Served{Function: fn, Versions: []fold.ServedVersion{v}}
	}
	f.Publish(&fold.Snapshot{State: fold.NewState(), Served: served})
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Shield.Rules = rules
	s, err := NewServer(cfg, f, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return &handler{s: s}
}

// route runs Route for a GET of authority and path from client, and
// returns the answer given at once (nil if the request goes on to a
// function) and the function it goes to.
func (h *handler) route(method, authority, path, client string) (r *h2.Request, early *h2.Response, fn string) {
	r = &h2.Request{Method: method, Scheme: "http", Authority: authority, Path: path,
		Header: http.Header{}, RemoteAddr: netip.MustParseAddrPort(client)}
	_, early = h.Route(r)
	if c, ok := r.Value.(*call); ok {
		fn = c.target.fn
		c.release()
	}
	return r, early, fn
}

// TestRouteLimitsEveryEscapeSpelling: a request whose path is another
// spelling of /login takes its token from /login's bucket, goes to the
// login function, and that function's URL names /login.
func TestRouteLimitsEveryEscapeSpelling(t *testing.T) {
	h := routeServer(t, []shield.Rule{{Route: "/login", Rate: shield.Rate{PerSecond: 0.001, Burst: 1}}},
		map[string][]string{"login": {"/login"}, "site": {"/*"}})
	for i, p := range []string{"/a/../login", "/a/%2e%2e/login", "/a/%2E%2E/login", "/./login", "/%2e/login", "/%6cogin", "/../login?x=1"} {
		client := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 1234).String()
		if _, early, fn := h.route("GET", "example.com", "/login", client); early != nil || fn != "login" {
			t.Fatalf("first /login from %s: early %v, function %q", client, early, fn)
		}
		r, early, fn := h.route("GET", "example.com", p, client)
		if early == nil || early.Status != http.StatusTooManyRequests {
			t.Errorf("%s after /login: early answer %v, function %q, path %q; want 429", p, early, fn, r.Path)
		}
	}
	r, early, fn := h.route("GET", "Example.COM", "/a/%2e%2e/login?q=/../x", "192.0.2.200:1")
	if early != nil || fn != "login" || r.Path != "/login?q=/../x" || r.Authority != "example.com" {
		t.Errorf("/a/%%2e%%2e/login from a fresh client: early %v, function %q, URL from %q + %q; want login with /login?q=/../x on example.com",
			early, fn, r.Authority, r.Path)
	}
}

// TestRouteDotDotReachesTheRoutedFunction: the router resolves dot
// segments as the function's URL parser does.
func TestRouteDotDotReachesTheRoutedFunction(t *testing.T) {
	h := routeServer(t, nil, map[string][]string{"secret": {"/secret/*"}, "site": {"/*"}})
	for _, p := range []string{"/x/../secret/a", "/x/%2E%2e/secret/a", "/secret/./a", "/%73ecret/a"} {
		r, early, fn := h.route("GET", "example.com", p, "192.0.2.1:1")
		if early != nil || fn != "secret" || r.Path != "/secret/a" {
			t.Errorf("%s: early %v, function %q, path %q; want secret with /secret/a", p, early, fn, r.Path)
		}
	}
}

// TestRouteRefusesMalformedTarget: what the router and the function could
// read differently, or HTTP forbids, is answered 400 with a request ID,
// before any function or bucket is chosen.
func TestRouteRefusesMalformedTarget(t *testing.T) {
	h := routeServer(t, nil, map[string][]string{"admin": {"admin.example.com/*"}, "site": {"/*"}})
	for _, tc := range []struct{ name, method, authority, path string }{
		{"Userinfo", "GET", "admin.example.com:@evil.com", "/"},
		{"UserinfoNoPort", "GET", "evil.com@admin.example.com", "/"},
		{"BadPort", "GET", "admin.example.com:x", "/"},
		{"PercentEncodedHost", "GET", "%61dmin.example.com", "/"},
		{"NoAuthority", "GET", "", "/a/b"},
		{"NonDecimalIPv4", "GET", "0x7f.1", "/"},
		{"NUL", "GET", "example.com", "/a\x00b"},
		{"CR", "GET", "example.com", "/a\rb"},
		{"LF", "GET", "example.com", "/a\nb"},
		{"CRLFInQuery", "GET", "example.com", "/a?b\r\nc"},
		{"Space", "GET", "example.com", "/a b"},
		{"Fragment", "GET", "example.com", "/secret#/../x"},
		{"Backslash", "GET", "example.com", "/x\\..\\secret"},
		{"BadPercent", "GET", "example.com", "/a%zz"},
		{"NotOriginForm", "GET", "example.com", "a/b"},
		{"MethodLF", "GE\nT", "example.com", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, early, fn := h.route(tc.method, tc.authority, tc.path, "192.0.2.1:1")
			if early == nil || early.Status != http.StatusBadRequest {
				t.Fatalf("early answer %v, function %q; want 400", early, fn)
			}
			id := early.Header.Get("X-Request-Id")
			if id == "" || !strings.Contains(string(early.Body), "(request id "+id+")") {
				t.Errorf("400 without its request ID: %q, %q", id, early.Body)
			}
		})
	}
}

// TestRouteOptionsAsteriskIsNotRouted: OPTIONS * names no path, so no
// function's route matches it (it used to be looked up as "/*").
func TestRouteOptionsAsteriskIsNotRouted(t *testing.T) {
	h := routeServer(t, nil, map[string][]string{"site": {"/*"}})
	if _, early, fn := h.route("OPTIONS", "example.com", "*", "192.0.2.1:1"); early == nil || early.Status != http.StatusNotFound {
		t.Errorf("OPTIONS *: early %v, function %q; want 404", early, fn)
	}
}
