package integration

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAdminListener scrapes a real node's admin listener: /readyz follows
// the projector and `vault server stop|start`, and /metrics counts what
// clients were answered, per function and version, next to the ledger's
// head and applied sequence.
func TestAdminListener(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	adminAddr := freeAddr(t)
	n := e.serve(nodeOptions{args: []string{"--admin-listen", adminAddr}})
	srv := n.server()
	admin := "http://" + adminAddr

	if code, body := scrape(t, admin+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	if code, body := scrape(t, admin+"/readyz"); code != 200 {
		t.Fatalf("/readyz of a caught-up node: %d %q", code, body)
	}

	fn := e.writeFunction("meter", map[string]string{
		"vault.yaml": "name: meter\nentry: index.js\nroutes: [/meter/*]\n",
		"index.js": `export default { fetch(req) {
  return new Response("m", { status: req.url.endsWith("/missing") ? 404 : 200 });
} };
`,
	})
	e.mustVault(srv, "deploy", fn)
	e.mustVault(srv, "activate", "meter@v1", "--wait")

	c := h2cClient()
	const ok, missing = 37, 5
	for i := range ok + missing {
		path := "/meter/x"
		if i < missing {
			path = "/meter/missing"
		}
		if r := get(t, c, "http://"+n.h2c+path); r.status != 200 && r.status != 404 {
			t.Fatalf("GET %s: %d %q", path, r.status, r.body)
		}
	}
	_, text := scrape(t, admin+"/metrics")
	for _, want := range []struct {
		series string
		value  float64
	}{
		{`vault_requests_total{code="2xx",function="meter",version="1"}`, ok},
		{`vault_requests_total{code="4xx",function="meter",version="1"}`, missing},
		{`vault_request_duration_seconds_count{function="meter"}`, ok + missing},
		{`vault_run_seconds_count{function="meter"}`, ok + missing},
		{`vault_queue_wait_seconds_count{function="meter"}`, ok + missing},
	} {
		if got, found := metricValue(text, want.series); !found || got != want.value {
			t.Errorf("%s = %v (found %v), want %v", want.series, got, found, want.value)
		}
	}
	head, _ := metricValue(text, "vault_ledger_head_sequence")
	applied, _ := metricValue(text, "vault_ledger_applied_sequence")
	if head < 3 || applied != head {
		t.Errorf("ledger head %v, applied %v: want equal and at least 3 (genesis, deploy, activate)", head, applied)
	}
	if live, found := metricValue(text, `vault_isolates_live{function="meter"}`); !found || live < 1 {
		t.Errorf("vault_isolates_live for meter = %v (found %v), want at least 1", live, found)
	}

	// A stopped server is alive but not ready; started again, it is.
	e.mustVault(srv, "server", "stop")
	if code, body := scrape(t, admin+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "stopped") {
		t.Errorf("/readyz while stopped: %d %q", code, body)
	}
	if code, _ := scrape(t, admin+"/healthz"); code != 200 {
		t.Errorf("/healthz while stopped: %d", code)
	}
	e.mustVault(srv, "server", "start")
	var code int
	var body string
	if !eventually(10*time.Second, func() bool { code, body = scrape(t, admin+"/readyz"); return code == 200 }) {
		t.Fatalf("/readyz after server start: %d %q", code, body)
	}
}

func scrape(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// metricValue finds a series (name with its labels, sorted as Prometheus
// prints them) in the text exposition format.
func metricValue(text, series string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		panic(fmt.Sprintf("series %s: %v", series, err))
	}
	return v, true
}
