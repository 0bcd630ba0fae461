package integration

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestShieldRateLimitsPerRoute runs a node with a config file whose shield
// limits one route to a burst of 3: the fourth request in a row from the
// same client is answered 429 with Retry-After before any function runs,
// while another route of the same function stays unlimited, and a body
// over the route's cap is answered 413.
func TestShieldRateLimitsPerRoute(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	config := filepath.Join(t.TempDir(), "node.yaml")
	if err := os.WriteFile(config, []byte(`shield:
  routes:
    - route: /limited/*
      rate: {per_second: 0.1, burst: 3}
    - route: /small/*
      body_bytes: 16
`), 0o600); err != nil {
		t.Fatal(err)
	}
	n := e.serve(nodeOptions{args: []string{"--config", config}})
	srv := n.server()
	fn := e.writeFunction("guarded", map[string]string{
		"vault.yaml": "name: guarded\nentry: index.js\nroutes: [/limited/*, /open/*, /small/*]\n",
		"index.js":   "export default { async fetch(req) { return new Response(\"ran \" + (await req.text()).length); } };\n",
	})
	e.mustVault(srv, "deploy", fn)
	e.mustVault(srv, "activate", "guarded@v1", "--wait")

	c := h2cClient()
	base := "http://" + n.h2c
	for i := range 3 {
		if r := get(t, c, base+"/limited/x"); r.status != 200 {
			t.Fatalf("request %d within the burst: %d %q", i+1, r.status, r.body)
		}
	}
	resp, err := c.Get(base + "/limited/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("fourth request: %d, want 429", resp.StatusCode)
	}
	// One token every 10 s: the wait is 10 s, give or take the time the
	// requests took.
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 9 || s > 10 {
		t.Errorf("Retry-After %q, want 9 or 10 seconds", resp.Header.Get("Retry-After"))
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("429 without a request ID")
	}
	for i := range 10 {
		if r := get(t, c, base+"/open/x"); r.status != 200 {
			t.Fatalf("unlimited route, request %d: %d %q", i+1, r.status, r.body)
		}
	}
	big, err := c.Post(base+"/small/x", "text/plain", strings.NewReader(strings.Repeat("x", 17)))
	if err != nil {
		t.Fatal(err)
	}
	big.Body.Close()
	if big.StatusCode != 413 {
		t.Errorf("17 bytes to a 16-byte route: %d, want 413", big.StatusCode)
	}
	small, err := c.Post(base+"/small/x", "text/plain", strings.NewReader(strings.Repeat("x", 16)))
	if err != nil {
		t.Fatal(err)
	}
	small.Body.Close()
	if small.StatusCode != 200 {
		t.Errorf("16 bytes to a 16-byte route: %d, want 200", small.StatusCode)
	}
}

// TestShieldSeesTheFunctionsPath sends, over raw HTTP/2 frames (Go's client
// will not send most of them), targets that the router and the shield used
// to read one way and the function's URL parser another. Other spellings of
// /login take /login's token (429), /x/../secret/a reaches the secret
// function, and what has no single reading is answered 400 with a request
// ID: userinfo in :authority (once routed to admin.example.com while the
// function read evil.com), NUL, CR or LF in :path.
func TestShieldSeesTheFunctionsPath(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	config := filepath.Join(t.TempDir(), "node.yaml")
	if err := os.WriteFile(config, []byte(`shield:
  routes:
    - route: /login
      rate: {per_second: 0.01, burst: 1}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	n := e.serve(nodeOptions{args: []string{"--config", config}})
	srv := n.server()
	for name, route := range map[string]string{"login": "/login", "secret": "/secret/*", "site": "/*", "admin": "admin.example.com/*"} {
		fn := e.writeFunction(name, map[string]string{
			"vault.yaml": "name: " + name + "\nentry: index.js\nroutes: [" + route + "]\n",
			"index.js": "export default { fetch(req) { const u = new URL(req.url); return new Response(" +
				strconv.Quote(name) + " + \" \" + u.host + u.pathname + u.search); } };\n",
		})
		e.mustVault(srv, "deploy", fn)
		e.mustVault(srv, "activate", name+"@v1", "--wait")
	}
	host := n.h2c
	if r := rawRequest(t, n.h2c, host, "/login"); r.status != 200 || r.body != "login "+host+"/login" {
		t.Fatalf("/login: %d %q", r.status, r.body)
	}
	for _, p := range []string{"/a/../login", "/a/%2e%2e/login", "/./login", "/a/%2E./login?x"} {
		if r := rawRequest(t, n.h2c, host, p); r.status != 429 {
			t.Errorf("%s after /login took its token: %d %q, want 429", p, r.status, r.body)
		}
	}
	if r := rawRequest(t, n.h2c, host, "/x/../secret/a?q=/../"); r.status != 200 || r.body != "secret "+host+"/secret/a?q=/../" {
		t.Errorf("/x/../secret/a: %d %q, want the secret function on /secret/a", r.status, r.body)
	}
	if r := rawRequest(t, n.h2c, "Admin.Example.com", "/%7Ea/./b"); r.status != 200 || r.body != "admin admin.example.com/~a/b" {
		t.Errorf("admin host: %d %q", r.status, r.body)
	}
	for _, tc := range []struct{ name, authority, path string }{
		{"Userinfo", "admin.example.com:@evil.com", "/"},
		{"NUL", host, "/a\x00b"},
		{"CR", host, "/a\rb"},
		{"LF", host, "/a\nb"},
	} {
		r := rawRequest(t, n.h2c, tc.authority, tc.path)
		if r.status != 400 || r.requestID == "" || !strings.Contains(r.body, r.requestID) {
			t.Errorf("%s: %d %q (request id %q), want 400 naming its request ID", tc.name, r.status, r.body, r.requestID)
		}
	}
}

type rawReply struct {
	status    int // 0: the stream was reset
	requestID string
	body      string
}

// rawRequest sends a GET of authority and path on a new h2c connection to
// addr, with the pseudo-header values exactly as given.
func rawRequest(t *testing.T, addr, authority, path string) rawReply {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(nc, nc)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", authority}, {":path", path}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	var r rawReply
	var body strings.Builder
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("%q %q: %v", authority, path, err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			r.status, _ = strconv.Atoi(f.PseudoValue("status"))
			for _, h := range f.RegularFields() {
				if h.Name == "x-request-id" {
					r.requestID = h.Value
				}
			}
			if f.StreamEnded() {
				r.body = body.String()
				return r
			}
		case *http2.DataFrame:
			body.Write(f.Data())
			if f.StreamEnded() {
				r.body = body.String()
				return r
			}
		case *http2.RSTStreamFrame:
			return rawReply{}
		case *http2.GoAwayFrame:
			t.Fatalf("%q %q: GOAWAY %v", authority, path, f.ErrCode)
		}
	}
}
