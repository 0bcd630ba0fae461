package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// The multi-node benchmarks run real hubs and edges on loopback. They take
// tens of seconds each, so `make bench` leaves them out unless
// VAULT_BENCH_MULTINODE is set; `make bench-multinode` sets it.
func multinodeBench(b *testing.B) *site {
	b.Helper()
	if testing.Short() {
		b.Skip("multi-node benchmark: skipped with -short")
	}
	if os.Getenv("VAULT_BENCH_MULTINODE") == "" {
		b.Skip("multi-node benchmark: set VAULT_BENCH_MULTINODE=1 or run make bench-multinode")
	}
	e := newEnv(b)
	e.mustVault("", "init", "--data", e.data)
	return &site{e: e}
}

// appliedSubject is cli's: every node announces on it after each batch it
// projected (cli/node/announce.go).
const appliedSubject = "vault.nodes.applied"

// heard is one announcement on appliedSubject and when this process
// received it.
type heard struct {
	NodeID  string `json:"nodeId"`
	Role    string `json:"role"`
	Applied uint64 `json:"applied"`
	Served  map[string]struct {
		Versions []struct {
			Version int `json:"version"`
			Percent int `json:"percent"`
		} `json:"versions"`
	} `json:"served"`
	Time time.Time `json:"time"` // the node's clock, just before it published
	at   time.Time
}

// serves reports whether the announcement says fn serves version v alone.
func (h heard) serves(fn string, v int) bool {
	s, ok := h.Served[fn]
	return ok && len(s.Versions) == 1 && s.Versions[0].Version == v
}

// listenApplied subscribes to announcements on nc and hands each to f (on the
// subscription's goroutine), receipt-stamped; it returns once the
// subscription is registered with the server.
func listenApplied(b *testing.B, nc *nats.Conn, f func(heard)) {
	b.Helper()
	sub, err := nc.Subscribe(appliedSubject, func(msg *nats.Msg) {
		h := heard{at: time.Now()}
		if json.Unmarshal(msg.Data, &h) == nil {
			f(h)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
}

// mirrorArrivals stamps each record as it lands in the ledger stream of
// the node nc is connected to (an edge's mirror): seq → receipt time.
type mirrorArrivals struct {
	mu sync.Mutex
	at map[uint64]time.Time
}

func watchMirror(b *testing.B, nc *nats.Conn) *mirrorArrivals {
	b.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, ledger.StreamName, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		b.Fatal(err)
	}
	m := &mirrorArrivals{at: map[uint64]time.Time{}}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		now := time.Now()
		if meta, err := msg.Metadata(); err == nil {
			m.mu.Lock()
			m.at[meta.Sequence.Stream] = now
			m.mu.Unlock()
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cc.Stop)
	return m
}

func (m *mirrorArrivals) get(seq uint64) (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.at[seq]
	return t, ok
}

// getBody fetches url and returns its status and body.
func getBody(c *http.Client, url string) (int, string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// waitBody polls url until it answers 200 with want in the body, and
// returns when that answer came back.
func waitBody(c *http.Client, url, want string, pause, within time.Duration) (time.Time, error) {
	deadline := time.Now().Add(within)
	var last string
	for {
		code, body, err := getBody(c, url)
		now := time.Now()
		if err == nil && code == http.StatusOK && strings.Contains(body, want) {
			return now, nil
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
		if now.After(deadline) {
			return time.Time{}, fmt.Errorf("%s never answered %q within %v; last answer %s", url, want, within, last)
		}
		if pause > 0 {
			time.Sleep(pause)
		}
	}
}

// nodeID is what `vault status --json` says n's node ID is.
func (s *site) nodeID(n *node) string {
	s.e.t.Helper()
	var st struct {
		NodeID string `json:"nodeId"`
	}
	if err := json.Unmarshal([]byte(s.e.mustVault(n.server(), "status", "--json")), &st); err != nil || st.NodeID == "" {
		s.e.t.Fatalf("vault status --json names no node: %v", err)
	}
	return st.NodeID
}

// spread is a sample's nearest-rank percentiles, in milliseconds.
type spread struct{ p50, p90, p99, max float64 }

func spreadOf(ds []time.Duration) spread {
	if len(ds) == 0 {
		return spread{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return ms(s[min(max(i, 0), len(s)-1)])
	}
	return spread{p50: rank(0.50), p90: rank(0.90), p99: rank(0.99), max: ms(s[len(s)-1])}
}

func (s spread) String() string {
	return fmt.Sprintf("p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms", s.p50, s.p90, s.p99, s.max)
}

// report adds the spread's figures to the benchmark's result as
// name-p50-ms and so on.
func (s spread) report(b *testing.B, name string) {
	b.ReportMetric(s.p50, name+"-p50-ms")
	b.ReportMetric(s.p90, name+"-p90-ms")
	b.ReportMetric(s.p99, name+"-p99-ms")
	b.ReportMetric(s.max, name+"-max-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// watchEdge connects to the edge's NATS as soon as it accepts
// connections, passes its announcements to onHeard, and polls its LEDGER
// mirror until it holds target, sending the time that was seen.
func watchEdge(ctx context.Context, url string, target uint64, onHeard func(heard), mirrored chan<- time.Time) {
	var nc *nats.Conn
	for ctx.Err() == nil {
		var err error
		if nc, err = nats.Connect(url, nats.Timeout(time.Second), nats.MaxReconnects(0)); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if nc == nil {
		return
	}
	defer nc.Close()
	sub, err := nc.Subscribe(appliedSubject, func(msg *nats.Msg) {
		h := heard{at: time.Now()}
		if json.Unmarshal(msg.Data, &h) == nil {
			onHeard(h)
		}
	})
	if err != nil {
		return
	}
	defer sub.Unsubscribe()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	for ctx.Err() == nil {
		info, err := streamInfo(ctx, js)
		if err == nil && info.State.LastSeq >= target {
			mirrored <- time.Now()
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-ctx.Done()
}

func streamInfo(ctx context.Context, js jetstream.JetStream) (*jetstream.StreamInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	st, err := js.Stream(ctx, ledger.StreamName)
	if err != nil {
		return nil, err
	}
	return st.Info(ctx)
}

// ledgerSync is the --ledger-sync flag the environment variable name asks
// for, if any.
func ledgerSync(name string) []string {
	if v := os.Getenv(name); v != "" {
		return []string{"--ledger-sync", v}
	}
	return nil
}

// syncWord names the sync mode flags choose ("default": the node's own).
func syncWord(flags []string) string {
	if len(flags) == 2 {
		return flags[1]
	}
	return "default"
}
