package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkPeers drives Deno (Deno.serve through testdata/diff/
// deno-serve.ts) and a Vault node, each running the same bundle of an app
// in examples/peers (built as vault deploy builds it), with identical
// h2load runs over h2c (-c 16 -m 16) in alternating order, and reports
// both and the ratio, per handler. Before timing, both peers must give
// the same answer (status, body, the headers the handler sets), or the
// comparison would not be of the same work. It needs h2load, a Deno
// binary (VAULT_BENCH_DENO) and the apps' npm packages; `make bench-peers`
// provides all three. Rounds: VAULT_BENCH_ROUNDS (3); requests per run:
// VAULT_BENCH_REQUESTS, else each handler's own count. Only 2xx answers
// count as served; the share a peer refuses (Vault sheds load on
// versions it finds CPU-heavy) is reported beside its rate.
func BenchmarkPeers(b *testing.B) {
	order := jsonOrder(b, 4096)
	token := peersJWT(b, "bench-peers-jwt-secret-not-a-real-one")
	cases := []peerCase{
		{name: "hello", dir: "hello", path: "/", requests: 100000},
		{name: "hello-url", dir: "hello-url", path: "/greet", requests: 100000,
			headers: []string{"content-type", "cache-control", "x-bench"}},
		{name: "hono", dir: "hono", path: "/api/items/12", requests: 30000,
			send:    map[string]string{"origin": "https://app.example.com"},
			headers: []string{"content-type", "etag", "access-control-allow-origin", "vary", "x-content-type-options", "x-frame-options", "strict-transport-security"}},
		{name: "jwt", dir: "jwt", path: "/me", requests: 30000,
			send:    map[string]string{"authorization": "Bearer " + token},
			headers: []string{"content-type"}},
		{name: "json", dir: "json", path: "/", requests: 20000, body: order,
			send:    map[string]string{"content-type": "application/json"},
			headers: []string{"content-type"}},
		{name: "sse", dir: "sse", path: "/events", requests: 20000,
			headers: []string{"content-type", "cache-control"}},
	}
	p := newPeers(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { p.run(b, c) })
	}
}

// peerCase is one handler of BenchmarkPeers.
type peerCase struct {
	name, dir, path string
	requests        int               // per run, unless VAULT_BENCH_REQUESTS says
	body            []byte            // posted if set
	send            map[string]string // request headers
	headers         []string          // response headers both peers must agree on
}

// run starts both peers on c's bundle, checks that they answer alike and
// compares them.
func (p *peers) run(b *testing.B, c peerCase) {
	dir, err := filepath.Abs(filepath.Join("..", "examples", "peers", c.dir))
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b)
	e.mustVault("", "init", "--data", e.data)
	// VAULT_BENCH_SERVE_ARGS adds vault serve flags (e.g. --config with a
	// scheduler section), to compare node settings on the same suite.
	n := e.serve(nodeOptions{args: strings.Fields(os.Getenv("VAULT_BENCH_SERVE_ARGS"))})
	if err := vaultPeer(e, n, dir); err != nil {
		b.Fatal(err)
	}
	vault := peer{url: "http://" + n.h2c + c.path, pid: n.cmd.Process.Pid, metrics: "http://" + n.admin + "/metrics"}
	denoURL, denoPID := denoPeerProcess(b, p.denoBin, dir)
	deno := peer{url: denoURL + c.path, pid: denoPID}
	answer := sameAnswer(b, c, deno.url, vault.url)
	b.Logf("%s check: deno and vault answer %s with the same status, headers %v and %d-byte body", c.name, c.path, c.headers, len(answer))
	var args []string
	if c.body != nil {
		file := filepath.Join(b.TempDir(), "body")
		if err := os.WriteFile(file, c.body, 0o600); err != nil {
			b.Fatal(err)
		}
		args = append(args, "-d", file)
	}
	for _, k := range slices.Sorted(maps.Keys(c.send)) {
		args = append(args, "-H", k+": "+c.send[k])
	}
	requests := c.requests
	if p.requests > 0 {
		requests = p.requests
	}
	p.compare(b, c.name, requests, vault, deno, args...)
}

// peersJWT is the HS256 token BenchmarkPeers/jwt verifies: fixed claims,
// valid at the handler's fixed current date.
func peersJWT(b *testing.B, secret string) string {
	b.Helper()
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := enc.EncodeToString([]byte(`{"iss":"https://issuer.example.com","aud":"bench","sub":"user-42","scope":"read:items","iat":1799990000,"exp":1800003600}`))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + enc.EncodeToString(mac.Sum(nil))
}

// jsonOrder is the body BenchmarkPeers/json posts: as many items as fit in
// size bytes, padded to exactly size with a note. It is the same every run.
func jsonOrder(b *testing.B, size int) []byte {
	b.Helper()
	type item struct {
		ID    int     `json:"id"`
		Name  string  `json:"name"`
		Price float64 `json:"price"`
	}
	order := struct {
		Order string `json:"order"`
		Note  string `json:"note"`
		Items []item `json:"items"`
	}{Order: "bench-0001"}
	encode := func() []byte {
		body, err := json.Marshal(order)
		if err != nil {
			b.Fatal(err)
		}
		return body
	}
	for i := 1; ; i++ {
		name := fmt.Sprintf("item %03d", i)
		if i%7 == 0 { // some multi-byte UTF-8, which both peers must pass through alike
			name += " café"
		}
		order.Items = append(order.Items, item{ID: i, Name: name, Price: float64(i*379%10000) / 100})
		if len(encode()) > size {
			order.Items = order.Items[:len(order.Items)-1]
			break
		}
	}
	order.Note = strings.Repeat("x", size-len(encode()))
	return encode()
}

// sameAnswer asks every URL c's request and fails unless all answer 200
// with the same body and c's headers; it returns the body.
func sameAnswer(b *testing.B, c peerCase, urls ...string) []byte {
	b.Helper()
	var first []byte
	var firstHeaders map[string]string
	for _, url := range urls {
		method, body := http.MethodGet, io.Reader(nil)
		if c.body != nil {
			method, body = http.MethodPost, bytes.NewReader(c.body)
		}
		req, err := http.NewRequest(method, url, body)
		if err != nil {
			b.Fatal(err)
		}
		for k, v := range c.send {
			req.Header.Set(k, v)
		}
		resp, err := h2cClient().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 200 {
			b.Fatalf("%s: status %d: %s", url, resp.StatusCode, got)
		}
		headers := map[string]string{}
		for _, h := range c.headers {
			headers[h] = strings.Join(resp.Header.Values(h), ", ")
			if headers[h] == "" {
				b.Fatalf("%s: no %s header in the answer", url, h)
			}
		}
		if first == nil {
			first, firstHeaders = got, headers
			continue
		}
		if !bytes.Equal(got, first) {
			b.Fatalf("the peers answer differently:\n%s: %s\n%s: %s", urls[0], first, url, got)
		}
		if !maps.Equal(headers, firstHeaders) {
			b.Fatalf("the peers answer with other headers:\n%s: %v\n%s: %v", urls[0], firstHeaders, url, headers)
		}
	}
	return first
}

// peers is what every peer benchmark shares: the tools and the bounds of
// the runs.
type peers struct {
	h2load, denoBin  string
	rounds, requests int
}

func newPeers(b *testing.B) *peers {
	deno := os.Getenv("VAULT_BENCH_DENO")
	h2load, err := exec.LookPath("h2load")
	if deno == "" || err != nil {
		b.Skip("needs VAULT_BENCH_DENO and h2load: run make bench-peers")
	}
	return &peers{h2load: h2load, denoBin: deno,
		rounds: envInt("VAULT_BENCH_ROUNDS", 3), requests: envInt("VAULT_BENCH_REQUESTS", 0)}
}

// compare runs h2load, with args added, against both peers for p.rounds
// rounds, Deno first in odd rounds and Vault first in even ones, then logs
// and reports the medians and the ratio.
func (p *peers) compare(b *testing.B, label string, requests int, vault, deno peer, args ...string) {
	procs := map[string]peer{"deno": deno, "vault": vault}
	results := map[string][]h2loadRun{}
	for round := range p.rounds {
		order := []string{"deno", "vault"}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			// Reading /metrics costs the node CPU: outside the CPU reading.
			pr := procs[name]
			gcBefore := gcCycles(b, pr)
			before := processCPU(b, pr.pid)
			r := runH2load(b, p.h2load, pr.url, requests, args...)
			r.cpu = (processCPU(b, pr.pid) - before).Seconds() * 1e6 / float64(requests)
			r.gcs = gcCycles(b, pr) - gcBefore
			results[name] = append(results[name], r)
			gc := ""
			if pr.metrics != "" {
				gc = fmt.Sprintf("  GC %4.0f cycles", r.gcs)
			}
			b.Logf("%s round %d %-5s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  refused %5.1f%%  CPU %6.1f µs/req%s", label, round+1, name, r.rps, r.p50, r.p99, 100*r.refused, r.cpu, gc)
		}
	}
	d, v := median(results["deno"]), median(results["vault"])
	b.Logf("%s median over %d rounds (%d requests, -c 16 -m 16, %d cores): deno %.0f req/s p50 %.2f ms p99 %.2f ms refused %.1f%% CPU %.1f µs/req; vault %.0f req/s p50 %.2f ms p99 %.2f ms refused %.1f%% CPU %.1f µs/req GC %.0f cycles; vault/deno = %.2fx (CPU per request deno/vault = %.2fx)",
		label, p.rounds, requests, numCPU(), d.rps, d.p50, d.p99, 100*d.refused, d.cpu, v.rps, v.p50, v.p99, 100*v.refused, v.cpu, v.gcs, v.rps/d.rps, d.cpu/v.cpu)
	b.ReportMetric(v.gcs, "vault-gc-cycles")
	b.ReportMetric(d.cpu/v.cpu, "deno/vault-cpu")
	b.ReportMetric(v.cpu, "vault-cpu-us/req")
	b.ReportMetric(d.cpu, "deno-cpu-us/req")
	b.ReportMetric(v.rps/d.rps, "vault/deno-rps")
	b.ReportMetric(v.rps, "vault-req/s")
	b.ReportMetric(d.rps, "deno-req/s")
	b.ReportMetric(v.p50, "vault-p50-ms")
	b.ReportMetric(d.p50, "deno-p50-ms")
	b.ReportMetric(v.p99, "vault-p99-ms")
	b.ReportMetric(d.p99, "deno-p99-ms")
	b.ReportMetric(100*v.refused, "vault-refused-%")
	b.ReportMetric(100*d.refused, "deno-refused-%")
}

// h2loadRun is one run's outcome. A peer that refuses requests under load
// (Vault's heavy lane answers 503) is not faster for it: rps counts only
// 2xx answers, the latencies are theirs, and refused is the share of the
// rest.
type h2loadRun struct{ rps, p50, p99, refused, cpu, gcs float64 }

// peer is one side of a comparison: where it answers, and its process,
// whose CPU time each run reads. CPU per request is the figure a shared,
// noisy machine disturbs least: other tenants slow a peer down, but do not
// make it do more work per request.
//
// metrics is Vault's /metrics, where each run also reads how many
// collections Go's garbage collector ran: the p99 of Vault's hello-url
// is set by requests that meet a collection (with GOGC=off in a trial,
// 3.3–3.7 ms against 6.2–7.2 ms), so the count tells a slow tail from a
// slow path.
type peer struct {
	url     string
	pid     int
	metrics string
}

// gcCycles is the number of collections the peer's Go runtime has run,
// from go_gc_duration_seconds_count; 0 for a peer without metrics.
func gcCycles(b *testing.B, p peer) float64 {
	b.Helper()
	if p.metrics == "" {
		return 0
	}
	status, text := scrape(b, p.metrics)
	n, ok := metricValue(text, "go_gc_duration_seconds_count")
	if status != http.StatusOK || !ok {
		b.Fatalf("%s: %d, no go_gc_duration_seconds_count", p.metrics, status)
	}
	return n
}

// processCPU is the user and system CPU time process pid (all its
// threads) has used, from /proc/PID/stat.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14
	// and 15, in clock ticks (USER_HZ, 100 on Linux).
	rest := stat[bytes.LastIndexByte(stat, ')')+2:]
	fields := strings.Fields(string(rest))
	if len(fields) < 13 {
		b.Fatalf("/proc/%d/stat: %q", pid, stat)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, stat)
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}

var (
	finishedRE = regexp.MustCompile(`finished in ([0-9.]+[mun]?s),`)
	requestsRE = regexp.MustCompile(`requests: [0-9]+ total, [0-9]+ started, [0-9]+ done, ([0-9]+) succeeded`)
)

// runH2load runs one bounded h2load, with args added, and reads the
// duration and successes from its summary and the latencies from its
// per-request log.
func runH2load(b *testing.B, h2load, url string, requests int, args ...string) h2loadRun {
	b.Helper()
	logFile := filepath.Join(b.TempDir(), "h2load.log")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	argv := append([]string{"-n", strconv.Itoa(requests), "-c", "16", "-m", "16", "--log-file", logFile}, args...)
	out, err := exec.CommandContext(ctx, h2load, append(argv, url)...).CombinedOutput()
	if err != nil {
		b.Fatalf("h2load %s: %v\n%s", url, err, out)
	}
	fm, rm := finishedRE.FindSubmatch(out), requestsRE.FindSubmatch(out)
	if fm == nil || rm == nil {
		b.Fatalf("h2load %s: no summary:\n%s", url, out)
	}
	took, err := time.ParseDuration(string(fm[1]))
	if err != nil {
		b.Fatalf("h2load %s: %v", url, err)
	}
	ok, _ := strconv.Atoi(string(rm[1]))
	if ok == 0 {
		b.Fatalf("h2load %s: no request succeeded:\n%s", url, out)
	}
	f, err := os.Open(logFile)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lat []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() { // start time, status, duration in µs
		if fields := strings.Fields(sc.Text()); len(fields) == 3 && strings.HasPrefix(fields[1], "2") {
			if us, err := strconv.ParseFloat(fields[2], 64); err == nil {
				lat = append(lat, us/1000)
			}
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("h2load wrote no request log")
	}
	return h2loadRun{rps: float64(ok) / took.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100],
		refused: 1 - float64(ok)/float64(requests)}
}

// median takes each figure's median over the runs on its own; of an even
// number, the mean of the middle two.
func median(rs []h2loadRun) h2loadRun {
	by := func(f func(h2loadRun) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return (v[(len(v)-1)/2] + v[len(v)/2]) / 2
	}
	return h2loadRun{
		rps:     by(func(r h2loadRun) float64 { return r.rps }),
		p50:     by(func(r h2loadRun) float64 { return r.p50 }),
		p99:     by(func(r h2loadRun) float64 { return r.p99 }),
		refused: by(func(r h2loadRun) float64 { return r.refused }),
		cpu:     by(func(r h2loadRun) float64 { return r.cpu }),
		gcs:     by(func(r h2loadRun) float64 { return r.gcs }),
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func numCPU() int { return runtime.NumCPU() }
