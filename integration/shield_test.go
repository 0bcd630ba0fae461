package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
