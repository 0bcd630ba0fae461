package integration

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// shopVersion writes version n of a function "shop" whose answer shows
// its version and its vars, with the given routes and wall-time limit.
func shopVersion(e *env, n int, routes string) string {
	return e.writeFunction("shop", map[string]string{
		// The CPU limit is generous: TestTrafficSplit sends 10,000 requests
		// under -race on a shared 2-core CI machine, where page faults in the
		// race detector's shadow memory and GC assists once charged a hello
		// world more than the 50 ms default.
		"vault.yaml": fmt.Sprintf("name: shop\nentry: index.js\nroutes: [%s]\nlimits:\n  cpu_ms: 1000\nvars:\n  GREETING: greeting-%d\n", routes, n),
		"index.js": fmt.Sprintf(`export default { fetch(req, env) {
  const path = req.url.replace(/^[a-z]+:\/\/[^/]+/, "");
  return new Response("v%d " + env.GREETING + " " + path);
} };
`, n),
	})
}

// TestLifecycleEndToEnd drives one function through every lifecycle
// command against a real node and checks what HTTP clients see.
func TestLifecycleEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	url := func(path string) string { return "http://" + n.h2c + path }
	c := h2cClient()

	e.mustVault(srv, "deploy", shopVersion(e, 1, "/shop, /shop/cart"))
	e.mustVault(srv, "deploy", shopVersion(e, 2, "/shop"))
	e.mustVault(srv, "activate", "shop@v1")
	out := e.mustVault(srv, "activate", "shop@v2", "--wait")
	if !regexp.MustCompile(`node [0-9a-f]+ \(hub\): applied seq 5 [0-9.]+[µm]?s after the acknowledgement: serving v2 100%`).MatchString(out) {
		t.Errorf("activate --wait printed %q, want the node's delay and what it serves", out)
	}
	if r := get(t, c, url("/shop")); r.status != 200 || r.body != "v2 greeting-2 /shop" {
		t.Fatalf("after activating v2: %d %q", r.status, r.body)
	}
	if r := get(t, c, url("/shop/cart")); r.status != 404 {
		t.Fatalf("v2 has no /shop/cart, got %d %q", r.status, r.body)
	}

	// Rollback brings back v1 with its configuration: its vars and routes.
	out = e.mustVault(srv, "rollback", "shop")
	if !strings.Contains(out, "shop: active v1 100% (seq 6)") {
		t.Errorf("rollback printed %q", out)
	}
	if r := get(t, c, url("/shop/cart")); r.status != 200 || r.body != "v1 greeting-1 /shop/cart" {
		t.Fatalf("after rollback: /shop/cart %d %q, want v1 with its own vars and routes", r.status, r.body)
	}

	// Illegal transitions are refused with the current state, and append nothing.
	_, errs, code := e.vault(srv, "resume", "shop")
	if code == 0 || !strings.Contains(errs, "shop is active (since seq 6, v1): only a paused function can be resumed") {
		t.Errorf("resume of an active function: exit %d, %q", code, errs)
	}
	_, errs, code = e.vault(srv, "activate", "shop@v9")
	if code == 0 || !strings.Contains(errs, "shop has versions v1..v2; deploy a new version first") {
		t.Errorf("activate of a missing version: exit %d, %q", code, errs)
	}
	// --to takes v9 as activate does (not only 9).
	_, errs, code = e.vault(srv, "rollback", "shop", "--to", "v9")
	if code == 0 || !strings.Contains(errs, "rollback shop: shop has versions v1..v2; deploy a new version first") {
		t.Errorf("rollback --to a missing version: exit %d, %q", code, errs)
	}

	// Pause: the routes answer 503 with Retry-After and a request ID.
	e.mustVault(srv, "pause", "shop", "--reason", "maintenance")
	r := get(t, c, url("/shop"))
	if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "shop is paused (request id "+r.header.Get("X-Request-Id")+")") {
		t.Fatalf("paused: %d %q Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	// The projector's refusal, named once by its operation, as the README
	// promises: not wrapped again by the ledger's kinds.
	_, errs, code = e.vault(srv, "activate", "shop@v2")
	if code == 0 || !regexp.MustCompile(`(?m)^vault: activate shop@v2: shop is paused \(since seq \d+, v1\): resume it first$`).MatchString(errs) ||
		strings.Contains(errs, "append rejected") || strings.Contains(errs, "conflicts with ledger state") {
		t.Errorf("activate while paused: exit %d, %q", code, errs)
	}
	e.mustVault(srv, "resume", "shop")
	if r := get(t, c, url("/shop/cart")); r.status != 200 || r.body != "v1 greeting-1 /shop/cart" {
		t.Fatalf("after resume: %d %q, want v1 as before the pause", r.status, r.body)
	}

	// inspect: versions with digests and signers, history, routes, nodes.
	out = e.mustVault(srv, "inspect", "shop")
	op := strings.Fields(e.mustVault("", "keys", "id"))[0]
	for _, want := range []string{
		"shop: active v1 100% since seq ", op,
		"activate v1", "activate v2", "rollback v1", "pause (maintenance)", "resume",
		"/shop/cart (since seq 2)", "(applied seq ", "serving v1 100%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`v1\s+100%\s+seq 2\s+`+op).MatchString(out) || !regexp.MustCompile(`v2\s+-\s+seq 3`).MatchString(out) {
		t.Errorf("inspect lacks the versions' shares, seqs and signers:\n%s", out)
	}

	// Retire: routes gone, history kept, nothing brings it back.
	// Retiring is final: without a terminal to ask on, it wants --yes.
	head := e.status(srv).Head
	if _, errs, code := e.vault(srv, "retire", "shop"); code == 0 || !strings.Contains(errs, "pass --yes") || e.status(srv).Head != head {
		t.Fatalf("retire without --yes: exit %d, %q", code, errs)
	}
	e.mustVault(srv, "retire", "shop", "--yes")
	if r := get(t, c, url("/shop")); r.status != 404 {
		t.Fatalf("retired function still answers: %d %q", r.status, r.body)
	}
	_, errs, code = e.vault(srv, "activate", "shop@v1")
	if code == 0 || !strings.Contains(errs, "shop is retired") {
		t.Errorf("activate of a retired function: exit %d, %q", code, errs)
	}
	if out := e.mustVault(srv, "state"); !regexp.MustCompile(`shop\s+retired\s+seq \d+\s+2\s+-`).MatchString(out) {
		t.Errorf("state after retire:\n%s", out)
	}
}

// TestTrafficSplit sends 10,000 requests to a function split 80/20 and
// expects the canary's share within ±3 points of 20%.
func TestTrafficSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 requests")
	}
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	e.mustVault(srv, "deploy", shopVersion(e, 1, "/shop"))
	e.mustVault(srv, "deploy", shopVersion(e, 2, "/shop"))
	e.mustVault(srv, "activate", "shop@v1")
	out := e.mustVault(srv, "activate", "shop@v2", "--percent", "20")
	if !strings.Contains(out, "shop: active v1 80% / v2 20%") {
		t.Fatalf("activate --percent 20 printed %q", out)
	}

	const total, workers = 10000, 16
	c := h2cClient()
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < total; i += workers {
				resp, err := c.Get("http://" + n.h2c + "/shop")
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				counts[fmt.Sprintf("%d %s", resp.StatusCode, strings.Fields(string(body))[0])]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	v1, v2 := counts["200 v1"], counts["200 v2"]
	if v1+v2 != total {
		t.Fatalf("answers %v, want %d from v1 or v2; node log:\n%s", counts, total, n.stderr)
	}
	share := float64(v2) / total * 100
	t.Logf("v2 took %d of %d requests (%.2f%%)", v2, total, share)
	if share < 17 || share > 23 {
		t.Errorf("v2 took %.2f%% of the requests, want 20 ± 3", share)
	}
}

// TestKillAbortsInFlightInvocations starts two requests stuck in a loop,
// kills the function once both have logged that they spin, and expects
// both to end with 503 and the function to keep serving new requests.
func TestKillAbortsInFlightInvocations(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	fn := e.writeFunction("spin", map[string]string{
		"vault.yaml": "name: spin\nentry: index.js\nroutes: [/spin]\nlimits:\n  wall_ms: 60000\n  cpu_ms: 60000\n",
		"index.js": `export default { fetch(req) {
  if (req.url.endsWith("?forever=1")) { console.log("spinning forever"); while (true) {} }
  return new Response("quick");
} };
`,
	})
	e.mustVault(srv, "deploy", fn)
	e.mustVault(srv, "activate", "spin@v1")

	type result struct {
		status int
		body   string
		id     string
	}
	done := make(chan result, 2)
	c := h2cClient()
	for range 2 {
		go func() {
			resp, err := c.Get("http://" + n.h2c + "/spin?forever=1")
			if err != nil {
				done <- result{body: err.Error()}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			done <- result{resp.StatusCode, string(body), resp.Header.Get("X-Request-Id")}
		}()
	}
	n.waitLogCount(t, "spinning forever", 2)
	out := e.mustVault(srv, "kill", "spin")
	if !regexp.MustCompile(`node [0-9a-f]+: aborted 2 invocation\(s\) of spin`).MatchString(out) {
		t.Errorf("kill printed %q, want 2 aborted on the node", out)
	}
	for range 2 {
		select {
		case r := <-done:
			if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "killed by an operator (request id "+r.id+")") {
				t.Errorf("killed request: %d %q", r.status, r.body)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a killed invocation did not end")
		}
	}
	if r := get(t, c, "http://"+n.h2c+"/spin"); r.status != 200 || r.body != "quick" {
		t.Errorf("after kill: %d %q, want the function to keep serving", r.status, r.body)
	}
	n.waitLog(t, "in-flight invocations killed")
}
