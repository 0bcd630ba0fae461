package integration

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
)

// launching is a `vault serve` started without waiting for it to be
// ready: a test watches it catch up (and may kill it) before it is, or
// starts several hubs at once, which a cluster needs.
type launching struct {
	n     *node
	ready chan bool // one value: true once it printed that it is ready
	at    time.Time
}

// launch starts `vault serve` on name's data directory with given h2c and
// NATS addresses; the site's cleanup kills it.
func (s *site) launch(name, h2c, natsAddr string, more ...string) *launching {
	s.e.t.Helper()
	n := &node{t: s.e.t, h2c: h2c, nats: natsAddr, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	args := append([]string{"serve", "--data", s.dir(name), "--listen", h2c, "--nats-listen", natsAddr, "--admin-listen", freeAddr(s.e.t)}, more...)
	n.cmd = exec.Command(vaultBin, args...)
	if ns := s.netns[name]; ns != "" {
		n.cmd = exec.Command("ip", append([]string{"netns", "exec", ns, vaultBin}, args...)...)
	}
	n.cmd.Env = s.e.environ()
	n.cmd.Stderr = n.stderr
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		s.e.t.Fatal(err)
	}
	l := &launching{n: n, ready: make(chan bool, 1), at: time.Now()}
	if err := n.cmd.Start(); err != nil {
		s.e.t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.HasPrefix(sc.Text(), "vault node ready") {
				l.ready <- true
				signalled = true
			}
		}
		if !signalled {
			l.ready <- false
		}
	}()
	go func() { n.exitErr = n.cmd.Wait(); close(n.exited) }()
	s.e.t.Cleanup(func() {
		n.kill()
		if s.e.t.Failed() {
			s.e.t.Logf("log of vault serve %s (pid %d):\n%s", name, n.cmd.Process.Pid, n.stderr)
		}
	})
	return l
}

// wait waits up to within for the node to be ready, failing the test if
// it exits or takes longer.
func (l *launching) wait(t testing.TB, within time.Duration) *node {
	t.Helper()
	select {
	case ok := <-l.ready:
		if !ok {
			<-l.n.exited
			t.Fatalf("vault serve exited before it was ready: %v\n%s", l.n.exitErr, l.n.stderr)
		}
	case <-time.After(within):
		t.Fatalf("vault serve not ready after %v\n%s", within, l.n.stderr)
	}
	return l.n
}

// statusView is what `vault status --json` reports, as far as these tests
// look.
type statusView struct {
	NodeID  string `json:"nodeId"`
	Role    string `json:"role"`
	Head    uint64 `json:"head"`
	Applied uint64 `json:"applied"`
	Link    *struct {
		Connected bool `json:"connected"`
	} `json:"link"`
	Mirror *struct {
		Lag uint64 `json:"lag"`
	} `json:"mirror"`
}

func (s *site) status(n *node) statusView {
	s.e.t.Helper()
	var st statusView
	out := s.e.mustVault(n.server(), "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		s.e.t.Fatalf("vault status --json: %v\n%s", err, out)
	}
	return st
}

// nodeRow is one node of `vault nodes --json`, with its verdict.
type nodeRow struct {
	NodeID    string `json:"nodeId"`
	Role      string `json:"role"`
	Applied   uint64 `json:"applied"`
	Head      uint64 `json:"head"`
	StateHash string `json:"stateHash"`
	Link      string `json:"link"`
	Verdict   string `json:"verdict"`
	Verified  bool   `json:"verified"`
	Diverged  bool   `json:"diverged"`
}

// rows is `vault nodes --json` asked of n, by node ID; code is its exit
// status (1: a node diverged).
func (s *site) rows(n *node) (map[string]nodeRow, int) {
	s.e.t.Helper()
	out, errs, code := s.e.vault(n.server(), "nodes", "--json")
	if code != 0 && code != 1 {
		s.e.t.Fatalf("vault nodes: exit %d\n%s%s", code, out, errs)
	}
	var got struct {
		Nodes []nodeRow `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		s.e.t.Fatalf("vault nodes --json: %v\n%s", err, out)
	}
	m := map[string]nodeRow{}
	for _, r := range got.Nodes {
		m[r.NodeID] = r
	}
	return m, code
}

// waitInSync polls `vault nodes --json` on asked until every node in ids
// has applied seq and says "in sync" with one and the same state hash,
// which it returns; it fails the test after within.
func (s *site) waitInSync(t *testing.T, asked *node, seq uint64, within time.Duration, ids ...string) string {
	t.Helper()
	var last map[string]nodeRow
	var code int
	var hash string
	inSync := eventually(within, func() bool {
		last, code = s.rows(asked)
		hash = ""
		for _, id := range ids {
			r, found := last[id]
			if !found || r.Applied != seq || r.Verdict != "in sync" || r.StateHash == "" || (hash != "" && r.StateHash != hash) {
				return false
			}
			hash = r.StateHash
		}
		return code == 0
	})
	if !inSync {
		t.Fatalf("nodes %v not in sync at seq %d within %v (exit %d): %+v", ids, seq, within, code, last)
	}
	return hash
}

// sealRedeploys seals count function.deployed events of fn over an
// artifact already stored (see redeploy), ready to be appended.
func sealRedeploys(t testing.TB, signer *events.Signer, ledgerID, fn, artifact string, count int) [][]byte {
	t.Helper()
	envs := make([][]byte, count)
	for i := range envs {
		envs[i] = redeploy(t, signer, ledgerID, fn, artifact)
	}
	return envs
}

// appendAll appends envs through server from workers concurrent clients
// sharing one connection and returns the highest sequence acknowledged.
func appendAll(t testing.TB, server string, envs [][]byte, workers int) uint64 {
	t.Helper()
	nc := dial(t, server)
	defer nc.Close()
	next := make(chan []byte, len(envs))
	for _, e := range envs {
		next <- e
	}
	close(next)
	var mu sync.Mutex
	var top uint64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for env := range next {
				res, err := appendEnvelope(nc, env)
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				top = max(top, res.Seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return top
}

// appliedWatch follows the nodes' announcements of what they applied
// (vault.nodes.applied, which crosses leaf links) as heard on one server.
type appliedWatch struct {
	nc  *nats.Conn
	mu  sync.Mutex
	got map[string]uint64 // node ID → highest applied announced
	c   chan struct{}     // signalled on every announcement
}

func watchApplied(t testing.TB, server string) *appliedWatch {
	t.Helper()
	w := &appliedWatch{nc: dial(t, server), got: map[string]uint64{}, c: make(chan struct{}, 1)}
	_, err := w.nc.Subscribe("vault.nodes.applied", func(msg *nats.Msg) {
		var a struct {
			NodeID  string `json:"nodeId"`
			Applied uint64 `json:"applied"`
		}
		if json.Unmarshal(msg.Data, &a) != nil {
			return
		}
		w.mu.Lock()
		w.got[a.NodeID] = max(w.got[a.NodeID], a.Applied)
		w.mu.Unlock()
		select {
		case w.c <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.nc.Close)
	return w
}

// applied is the highest seq node id announced since the watch began
// (or since reset).
func (w *appliedWatch) applied(id string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.got[id]
}

func (w *appliedWatch) reset(id string) {
	w.mu.Lock()
	delete(w.got, id)
	w.mu.Unlock()
}
