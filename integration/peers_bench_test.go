package integration

import (
	"bufio"
	"context"
	"fmt"
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

// BenchmarkPeersHello drives Deno's Deno.serve and a Vault node, each
// answering "hello" over h2c, with identical h2load runs in alternating
// order, and reports both and the ratio. It needs h2load and a Deno binary
// (VAULT_BENCH_DENO); `make bench-peers` provides both. Rounds and requests
// per run: VAULT_BENCH_ROUNDS (3), VAULT_BENCH_REQUESTS (100000).
func BenchmarkPeersHello(b *testing.B) {
	deno := os.Getenv("VAULT_BENCH_DENO")
	h2load, err := exec.LookPath("h2load")
	if deno == "" || err != nil {
		b.Skip("needs VAULT_BENCH_DENO and h2load: run make bench-peers")
	}
	rounds, requests := envInt("VAULT_BENCH_ROUNDS", 3), envInt("VAULT_BENCH_REQUESTS", 100000)

	e := newEnv(b)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	e.mustVault(n.server(), "deploy", filepath.Join("..", "examples", "peers", "hello"))
	e.mustVault(n.server(), "activate", "peers-hello@v1")

	denoAddr := freeAddr(b)
	_, port, _ := strings.Cut(denoAddr, ":")
	cmd := exec.Command(deno, "run", "--allow-net", "--allow-env=PORT", filepath.Join("..", "examples", "peers", "deno-hello.ts"))
	cmd.Env = append(os.Environ(), "PORT="+port, "DENO_NO_UPDATE_CHECK=1")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitH2C(b, "http://"+denoAddr+"/")

	peers := map[string]string{"deno": "http://" + denoAddr + "/", "vault": "http://" + n.h2c + "/"}
	results := map[string][]h2loadRun{}
	for round := range rounds {
		order := []string{"deno", "vault"}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			r := runH2load(b, h2load, peers[name], requests)
			results[name] = append(results[name], r)
			b.Logf("round %d %-5s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms", round+1, name, r.rps, r.p50, r.p99)
		}
	}
	d, v := median(results["deno"]), median(results["vault"])
	b.Logf("median over %d rounds (%d requests, -c 16 -m 16, %d cores): deno %.0f req/s p99 %.2f ms; vault %.0f req/s p99 %.2f ms; vault/deno = %.2fx",
		rounds, requests, numCPU(), d.rps, d.p99, v.rps, v.p99, v.rps/d.rps)
	b.ReportMetric(v.rps/d.rps, "vault/deno-rps")
	b.ReportMetric(v.rps, "vault-req/s")
	b.ReportMetric(d.rps, "deno-req/s")
	b.ReportMetric(v.p99, "vault-p99-ms")
	b.ReportMetric(d.p99, "deno-p99-ms")
}

type h2loadRun struct{ rps, p50, p99 float64 }

var finishedRE = regexp.MustCompile(`finished in [^,]+, ([0-9.]+) req/s`)

// runH2load runs one bounded h2load and reads req/s from its summary and
// request latencies from its per-request log.
func runH2load(b *testing.B, h2load, url string, requests int) h2loadRun {
	b.Helper()
	logFile := filepath.Join(b.TempDir(), "h2load.log")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, h2load, "-n", strconv.Itoa(requests), "-c", "16", "-m", "16", "--log-file", logFile, url).CombinedOutput()
	if err != nil {
		b.Fatalf("h2load %s: %v\n%s", url, err, out)
	}
	m := finishedRE.FindSubmatch(out)
	if m == nil || !strings.Contains(string(out), fmt.Sprintf("%d succeeded", requests)) {
		b.Fatalf("h2load %s: not every request succeeded:\n%s", url, out)
	}
	rps, _ := strconv.ParseFloat(string(m[1]), 64)
	f, err := os.Open(logFile)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lat []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() { // start time, status, duration in µs
		if fields := strings.Fields(sc.Text()); len(fields) == 3 {
			if us, err := strconv.ParseFloat(fields[2], 64); err == nil {
				lat = append(lat, us/1000)
			}
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("h2load wrote no request log")
	}
	return h2loadRun{rps: rps, p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
}

func median(rs []h2loadRun) h2loadRun {
	by := func(f func(h2loadRun) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return h2loadRun{
		rps: by(func(r h2loadRun) float64 { return r.rps }),
		p50: by(func(r h2loadRun) float64 { return r.p50 }),
		p99: by(func(r h2loadRun) float64 { return r.p99 }),
	}
}

func waitH2C(b *testing.B, url string) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := h2cClient().Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s never answered: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func numCPU() int { return runtime.NumCPU() }
