package integration

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkContainers measures containers through the real binary and
// real runc (make bench-containers):
//   - activation to first answer: `vault activate NAME@vN --wait` of a
//     version not yet running (its container created, started and
//     health-checked), then GETs through the edge until the new
//     version's page answers; p50 and p99 over VAULT_BENCH_ACTIVATIONS
//     (20) activations, alternating two images so each answer tells
//     which version served it;
//   - proxied throughput: h2load (-c 16 -m 16) for the static page
//     through the edge over h2c, against h2load --h1 straight to the
//     container in the node's bridge namespace, alternating, 3 rounds,
//     medians and their ratio;
//   - pause and resume: from `vault pause` to the first 503 and from
//     `vault resume` to the first 200 (ledger append, projection, freeze
//     or thaw), 10 of each, and the freeze and thaw alone (runc
//     pause/resume) from the node's point of view;
//   - node memory per idle container: the node's RSS before and after
//     10 more idle containers, per container, beside a container's own
//     cgroup memory.
func BenchmarkContainers(b *testing.B) {
	if os.Getenv("VAULT_BENCH_CONTAINERS") == "" {
		b.Skip("container benchmark: set VAULT_BENCH_CONTAINERS=1 or run make bench-containers")
	}
	e, n, _ := containerEnv(b)
	srv := n.server()
	c := h2cClient()
	base := "http://" + n.h2c + "/index.html"
	pageOf := func(v int) string { return []string{"v2\n", "v1\n"}[v%2] }
	activations := envInt("VAULT_BENCH_ACTIVATIONS", 20)
	for v := 1; v <= activations; v++ {
		// Each version its own artifact (stop_grace differs), alternating images.
		dir := e.writeFunction(fmt.Sprintf("web%d", v), map[string]string{"vault.yaml": fmt.Sprintf(
			"name: web\nkind: container\nimage: vault.test/busybox:%d\nport: 8080\nhealth: /index.html\nstop_grace: %dms\nroutes: [/*]\n", 2-v%2, 100+v)})
		e.mustVault(srv, "deploy", dir)
	}
	var took []time.Duration
	for v := 1; v <= activations; v++ {
		start := time.Now()
		e.mustVault(srv, "activate", fmt.Sprintf("web@v%d", v), "--wait")
		for {
			resp, err := c.Get(base)
			if err == nil {
				body := make([]byte, 16)
				k, _ := resp.Body.Read(body)
				resp.Body.Close()
				if resp.StatusCode == 200 && string(body[:k]) == pageOf(v) {
					break
				}
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("v%d never answered", v)
			}
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	p50, p99 := took[len(took)/2], took[min(len(took)-1, len(took)*99/100)]
	b.Logf("activation to first answer over %d activations: p50 %s, p99 %s, min %s, max %s", len(took),
		p50.Round(time.Millisecond), p99.Round(time.Millisecond), took[0].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	b.ReportMetric(float64(p50.Milliseconds()), "activation-p50-ms")
	b.ReportMetric(float64(p99.Milliseconds()), "activation-p99-ms")

	// Throughput: through the edge, and straight to the container.
	if h2load, err := exec.LookPath("h2load"); err == nil {
		ps := e.ps(srv, "web")
		if len(ps) != 1 {
			b.Fatalf("ps: %+v", ps)
		}
		ns := "vault-" + strings.SplitN(ps[0].ID, "-", 3)[1]
		inNS := filepath.Join(b.TempDir(), "h2load-in-ns")
		os.WriteFile(inNS, []byte("#!/bin/sh\nexec ip netns exec "+ns+" "+h2load+" \"$@\"\n"), 0o755)
		requests := envInt("VAULT_BENCH_REQUESTS", 20000)
		// The edge at -m 16 has 256 requests in flight for the container's
		// 32 connections; at -m 1, as many as h2load --h1 keeps.
		var edge, edge1, direct []h2loadRun
		for round := range 3 {
			edge = append(edge, runH2load(b, h2load, base, requests))
			edge1 = append(edge1, runH2load(b, h2load, base, requests, "-m", "1"))
			direct = append(direct, runH2load(b, inNS, "http://"+ps[0].Addr+"/index.html", requests, "--h1"))
			b.Logf("round %d: edge %.0f req/s p50 %.2f ms p99 %.2f ms; edge -m 1 %.0f req/s p50 %.2f ms p99 %.2f ms; direct --h1 %.0f req/s p50 %.2f ms p99 %.2f ms",
				round+1, edge[round].rps, edge[round].p50, edge[round].p99, edge1[round].rps, edge1[round].p50, edge1[round].p99,
				direct[round].rps, direct[round].p50, direct[round].p99)
		}
		me, me1, md := median(edge), median(edge1), median(direct)
		b.Logf("proxied static page, median of 3 (%d requests, -c 16): edge -m 16 %.0f req/s p99 %.2f ms; edge -m 1 %.0f req/s p99 %.2f ms; direct --h1 %.0f req/s p99 %.2f ms; edge/direct = %.2fx (-m 16), %.2fx (-m 1)",
			requests, me.rps, me.p99, me1.rps, me1.p99, md.rps, md.p99, me.rps/md.rps, me1.rps/md.rps)
		b.ReportMetric(me.rps/md.rps, "edge/direct")
	}

	// Pause and resume, as an operator sees them.
	var pause, resume []time.Duration
	waitStatus := func(status int) {
		for deadline := time.Now().Add(30 * time.Second); ; {
			if resp, err := c.Get(base); err == nil {
				resp.Body.Close()
				if resp.StatusCode == status {
					return
				}
			}
			if time.Now().After(deadline) {
				b.Fatalf("never answered %d", status)
			}
		}
	}
	for range 10 {
		start := time.Now()
		e.mustVault(srv, "pause", "web")
		waitStatus(http.StatusServiceUnavailable)
		pause = append(pause, time.Since(start))
		start = time.Now()
		e.mustVault(srv, "resume", "web")
		waitStatus(http.StatusOK)
		resume = append(resume, time.Since(start))
	}
	slices.Sort(pause)
	slices.Sort(resume)
	b.Logf("pause to first 503: p50 %s max %s; resume to first 200: p50 %s max %s (each a vault command: key, append, projection, runc)",
		pause[len(pause)/2].Round(time.Millisecond), pause[len(pause)-1].Round(time.Millisecond),
		resume[len(resume)/2].Round(time.Millisecond), resume[len(resume)-1].Round(time.Millisecond))
	root := filepath.Join(e.data, "containers", "runc")
	id := e.ps(srv, "web")[0].ID
	var freeze, thaw []time.Duration
	for range 20 {
		start := time.Now()
		if out, err := exec.Command("runc", "--root", root, "pause", id).CombinedOutput(); err != nil {
			b.Fatalf("runc pause: %v %s", err, out)
		}
		freeze = append(freeze, time.Since(start))
		start = time.Now()
		if out, err := exec.Command("runc", "--root", root, "resume", id).CombinedOutput(); err != nil {
			b.Fatalf("runc resume: %v %s", err, out)
		}
		thaw = append(thaw, time.Since(start))
	}
	slices.Sort(freeze)
	slices.Sort(thaw)
	b.Logf("freeze alone (runc pause): p50 %s; thaw alone (runc resume): p50 %s", freeze[len(freeze)/2].Round(time.Millisecond/10), thaw[len(thaw)/2].Round(time.Millisecond/10))
	b.ReportMetric(float64(pause[len(pause)/2].Milliseconds()), "pause-p50-ms")
	b.ReportMetric(float64(resume[len(resume)/2].Milliseconds()), "resume-p50-ms")

	// Memory: the node's RSS per idle container.
	rss := func() int64 {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kb << 10
			}
		}
		return 0
	}
	before := rss()
	const idle = 10
	for i := range idle {
		name := fmt.Sprintf("idle%d", i)
		e.mustVault(srv, "deploy", e.writeFunction(name, map[string]string{"vault.yaml": "name: " + name +
			"\nkind: container\nimage: vault.test/busybox:1\nport: 8080\nroutes: [/" + name + "/*]\n"}))
		e.mustVault(srv, "activate", name+"@v1", "--wait")
	}
	after := rss()
	own := e.ps(srv, "idle0")[0].MemoryBytes
	b.Logf("node RSS %d MiB before, %d MiB after %d idle containers: %.0f KiB per container in the node; each container's cgroup: %d KiB",
		before>>20, after>>20, idle, float64(after-before)/idle/1024, own>>10)
	b.ReportMetric(float64(after-before)/idle/1024, "node-KiB/container")
}
