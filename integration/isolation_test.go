package integration

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestInfiniteLoopDoesNotHurtOtherFunctions loads a quick function alone,
// then together with a function that loops until its CPU limit on every
// request, and compares the quick function's p99 latency. Rounds alternate
// (alone, with the loop, alone, ...) so a noisy neighbour on the machine
// hits both sides; the p99s compared are each side's best round. A shared
// machine can still spoil one measurement, so it takes up to three: a
// node without the heavy lane fails all three by 20-50x.
func TestInfiniteLoopDoesNotHurtOtherFunctions(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	quick := e.writeFunction("quick", map[string]string{
		// A generous CPU limit: on a starved machine a trivial invocation
		// was measured at 73 ms of thread CPU (GC work charged to it, most
		// likely), over the 50 ms default; that is not what this test
		// measures.
		"vault.yaml": "name: quick\nentry: index.js\nroutes: [/quick]\nlimits:\n  cpu_ms: 1000\n",
		"index.js":   "export default { fetch(req) { return new Response(\"quick \" + req.method); } };\n",
	})
	loop := e.writeFunction("loop", map[string]string{
		"vault.yaml": "name: loop\nentry: index.js\nroutes: [/loop]\nlimits:\n  cpu_ms: 50\n",
		"index.js":   "export default { fetch() { for (;;) {} } };\n",
	})
	for _, dir := range []string{quick, loop} {
		e.mustVault(srv, "deploy", dir)
	}
	e.mustVault(srv, "activate", "quick@v1")
	e.mustVault(srv, "activate", "loop@v1")

	c := h2cClient()
	quickURL, loopURL := "http://"+n.h2c+"/quick", "http://"+n.h2c+"/loop"
	if r := get(t, c, quickURL); r.status != http.StatusOK {
		t.Fatalf("quick: %d %s", r.status, r.body)
	}
	if r := get(t, c, loopURL); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "CPU time limit") {
		t.Fatalf("loop: %d %s, want 503 naming the CPU limit", r.status, r.body)
	}

	var ratios []float64
	for attempt := range 3 {
		alone, loaded, ran := isolationRounds(t, c, quickURL, loopURL)
		ratio := float64(loaded) / float64(alone)
		ratios = append(ratios, ratio)
		t.Logf("attempt %d: quick p99 alone %s, with the loop %s (%.2fx); loop invocations run %d", attempt+1, alone, loaded, ratio, ran)
		if ran == 0 {
			t.Fatal("the loop never ran: the test measured nothing")
		}
		if ratio <= 2 {
			return
		}
	}
	t.Errorf("an infinite loop raised another function's p99 more than 2x in every attempt: %.2f", ratios)
}

// isolationRounds alternates rounds of the quick function alone and with
// the loop loaded too, and returns each side's best p99 and how many loop
// invocations ran.
func isolationRounds(t *testing.T, c *http.Client, quickURL, loopURL string) (alone, loaded time.Duration, loopRan int64) {
	const (
		rounds  = 3
		clients = 4
		window  = 1500 * time.Millisecond
	)
	var aloneP99, loadedP99 []time.Duration
	var ran atomic.Int64
	for round := range 2 * rounds {
		withLoop := round%2 == 1
		stop := make(chan struct{})
		var wg sync.WaitGroup
		if withLoop {
			before := ran.Load()
			for range clients {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						resp, err := c.Get(loopURL)
						if err != nil {
							continue
						}
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if strings.Contains(string(body), "share for such functions is taken") {
							time.Sleep(10 * time.Millisecond) // as Retry-After asks, briefly
						} else {
							ran.Add(1)
						}
					}
				})
			}
			waitFor(t, 10*time.Second, "a loop invocation to run to its CPU limit", func() bool { return ran.Load() > before })
		}
		p99 := quickLoad(t, c, quickURL, clients, window)
		close(stop)
		wg.Wait()
		if withLoop {
			loadedP99 = append(loadedP99, p99)
		} else {
			aloneP99 = append(aloneP99, p99)
		}
		t.Logf("round %d with loop=%v: quick p99 %s", round+1, withLoop, p99)
	}
	return slices.Min(aloneP99), slices.Min(loadedP99), ran.Load()
}

// quickLoad sends requests from clients goroutines, each one at a time,
// for the window, and returns the p99 latency.
func quickLoad(t *testing.T, c *http.Client, url string, clients int, window time.Duration) time.Duration {
	t.Helper()
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(window)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				start := time.Now()
				resp, err := c.Get(url)
				if err != nil {
					t.Errorf("quick: %v", err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				// A machine starved by its neighbours can keep a request
				// queued past the scheduler's MaxWait, which sheds it: that
				// is a slow answer of the node's, counted as one, not a
				// wrong one. Rounds are compared by their best p99.
				shed := resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "the node is overloaded")
				if resp.StatusCode != http.StatusOK && !shed {
					t.Errorf("quick: %d %s", resp.StatusCode, body)
					return
				}
				mine = append(mine, time.Since(start))
				time.Sleep(time.Millisecond) // a steady load, not a saturating one
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(lat) == 0 {
		t.Fatal("no quick requests completed")
	}
	slices.Sort(lat)
	return lat[len(lat)*99/100]
}
