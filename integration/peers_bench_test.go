package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// The peer benchmarks drive Deno's Deno.serve and a Vault node, each running
// the same function from examples/peers, with identical h2load runs over h2c
// (-c 16 -m 16) in alternating order, and report both and the ratio. They
// need h2load and a Deno binary (VAULT_BENCH_DENO); `make bench-peers`
// provides both. Rounds and requests per run: VAULT_BENCH_ROUNDS (3),
// VAULT_BENCH_REQUESTS (100000). Only 2xx answers count as served; the
// share a peer refuses (Vault sheds load on versions it finds CPU-heavy)
// is reported beside its rate.

// BenchmarkPeersHello compares a GET answered with "hello".
func BenchmarkPeersHello(b *testing.B) {
	p := newPeers(b)
	vault := p.vault("hello", "peers-hello@v1")
	deno := p.deno("deno-hello.ts")
	p.compare("hello", vault, deno)
}

// BenchmarkPeersJSON compares a JSON transform: a 4 KB order is posted, parsed
// and answered with its items' fields renamed. Both peers must first answer
// it with the same bytes, or the comparison would not be of the same work.
func BenchmarkPeersJSON(b *testing.B) {
	p := newPeers(b)
	vault := p.vault("json", "peers-json@v1")
	deno := p.deno("deno-json.ts")
	body := jsonOrder(b, 4096)
	file := filepath.Join(b.TempDir(), "order.json")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		b.Fatal(err)
	}
	answer := sameAnswer(b, body, deno, vault)
	b.Logf("json check: deno and vault answer the %d-byte order with the same %d bytes", len(body), len(answer))
	p.compare("json", vault, deno, "-d", file, "-H", "content-type: application/json")
}

// jsonOrder is the body BenchmarkPeersJSON posts: as many items as fit in
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

// sameAnswer posts body to every URL and fails unless all answer 200 with
// the same bytes, which it returns.
func sameAnswer(b *testing.B, body []byte, urls ...string) []byte {
	b.Helper()
	var first []byte
	for _, url := range urls {
		resp, err := h2cClient().Post(url, "application/json", bytes.NewReader(body))
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
		if first == nil {
			first = got
		} else if !bytes.Equal(got, first) {
			b.Fatalf("the peers answer differently:\n%s: %s\n%s: %s", urls[0], first, url, got)
		}
	}
	return first
}

// peers is what every peer benchmark shares: the tools and the bounds of
// the runs.
type peers struct {
	b                *testing.B
	h2load, denoBin  string
	rounds, requests int
}

func newPeers(b *testing.B) *peers {
	deno := os.Getenv("VAULT_BENCH_DENO")
	h2load, err := exec.LookPath("h2load")
	if deno == "" || err != nil {
		b.Skip("needs VAULT_BENCH_DENO and h2load: run make bench-peers")
	}
	return &peers{b: b, h2load: h2load, denoBin: deno,
		rounds: envInt("VAULT_BENCH_ROUNDS", 3), requests: envInt("VAULT_BENCH_REQUESTS", 100000)}
}

// vault starts a node with examples/peers/dir deployed and ref active, and
// returns its h2c URL.
func (p *peers) vault(dir, ref string) string {
	e := newEnv(p.b)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	e.mustVault(n.server(), "deploy", filepath.Join("..", "examples", "peers", dir))
	e.mustVault(n.server(), "activate", ref)
	return "http://" + n.h2c + "/"
}

// deno runs examples/peers/script, which listens on PORT, and returns its
// h2c URL once it answers.
func (p *peers) deno(script string) string {
	addr := freeAddr(p.b)
	_, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(p.denoBin, "run", "--allow-net", "--allow-env=PORT", filepath.Join("..", "examples", "peers", script))
	cmd.Env = append(os.Environ(), "PORT="+port, "DENO_NO_UPDATE_CHECK=1")
	if err := cmd.Start(); err != nil {
		p.b.Fatal(err)
	}
	p.b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr + "/"
	waitH2C(p.b, url)
	return url
}

// compare runs h2load, with args added, against both peers for p.rounds
// rounds, Deno first in odd rounds and Vault first in even ones, then logs
// and reports the medians and the ratio.
func (p *peers) compare(label, vaultURL, denoURL string, args ...string) {
	b := p.b
	urls := map[string]string{"deno": denoURL, "vault": vaultURL}
	results := map[string][]h2loadRun{}
	for round := range p.rounds {
		order := []string{"deno", "vault"}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			r := runH2load(b, p.h2load, urls[name], p.requests, args...)
			results[name] = append(results[name], r)
			b.Logf("%s round %d %-5s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  refused %5.1f%%", label, round+1, name, r.rps, r.p50, r.p99, 100*r.refused)
		}
	}
	d, v := median(results["deno"]), median(results["vault"])
	b.Logf("%s median over %d rounds (%d requests, -c 16 -m 16, %d cores): deno %.0f req/s p99 %.2f ms refused %.1f%%; vault %.0f req/s p99 %.2f ms refused %.1f%%; vault/deno = %.2fx",
		label, p.rounds, p.requests, numCPU(), d.rps, d.p99, 100*d.refused, v.rps, v.p99, 100*v.refused, v.rps/d.rps)
	b.ReportMetric(v.rps/d.rps, "vault/deno-rps")
	b.ReportMetric(v.rps, "vault-req/s")
	b.ReportMetric(d.rps, "deno-req/s")
	b.ReportMetric(v.p99, "vault-p99-ms")
	b.ReportMetric(d.p99, "deno-p99-ms")
	b.ReportMetric(100*v.refused, "vault-refused-%")
	b.ReportMetric(100*d.refused, "deno-refused-%")
}

// h2loadRun is one run's outcome. A peer that refuses requests under load
// (Vault's heavy lane answers 503) is not faster for it: rps counts only
// 2xx answers, the latencies are theirs, and refused is the share of the
// rest.
type h2loadRun struct{ rps, p50, p99, refused float64 }

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
	}
}

func waitH2C(b *testing.B, url string) {
	b.Helper()
	var err error
	answered := eventually(30*time.Second, func() bool {
		resp, getErr := h2cClient().Get(url)
		if err = getErr; err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	if !answered {
		b.Fatalf("%s never answered: %v", url, err)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func numCPU() int { return runtime.NumCPU() }
