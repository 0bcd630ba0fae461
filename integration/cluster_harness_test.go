package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// site is one multi-node deployment on loopback: a hub (or a cluster of
// them) and edges, each node with its own data directory, all sharing the
// operator's config directory and passphrase.
type site struct {
	e *env
	// netns puts a node (by name) in a network namespace: launch runs it
	// with `ip netns exec` (netns_test.go).
	netns map[string]string
	// cleaned are the data directories whose containers the test's
	// cleanup removes.
	cleaned map[string]bool
}

func newSite(t *testing.T) *site {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	return &site{e: e}
}

// dir is the data directory of the node called name ("hub" is e.data).
func (s *site) dir(name string) string {
	if name == "hub" {
		return s.e.data
	}
	dir := filepath.Join(s.e.root, name)
	if s.cleaned == nil {
		s.cleaned = map[string]bool{}
	}
	if !s.cleaned[dir] {
		// Registered before the node's own cleanup, so it runs after it.
		s.cleaned[dir] = true
		s.e.t.Cleanup(func() { removeContainers(dir) })
	}
	return dir
}

// join initialises name's data directory for the site's ledger and returns
// its node key ID and public key.
func (s *site) join(name string) (id, pub string) {
	s.e.t.Helper()
	out := s.e.mustVault("", "init", "--data", s.dir(name), "--join", filepath.Join(s.e.data, "genesis.dsse"))
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "node" && f[1] == "key":
			id = f[2]
		case len(f) == 3 && f[0] == "public" && f[1] == "key":
			pub = f[2]
		}
	}
	if id == "" || pub == "" {
		s.e.t.Fatalf("vault init --join printed no key:\n%s", out)
	}
	return id, pub
}

// hub runs the site's hub, accepting edges on a fresh leaf address.
func (s *site) hub(more ...string) (*node, string) {
	s.e.t.Helper()
	leaf := freeAddr(s.e.t)
	n := s.node("hub", append([]string{"--leaf-listen", leaf}, more...)...)
	return n, "nats-leaf://" + leaf
}

// edge runs the edge called name (joined before) against hub.
func (s *site) edge(name, hub string, more ...string) *node {
	s.e.t.Helper()
	return s.node(name, append([]string{"--edge", "--hub", hub}, more...)...)
}

// node runs `vault serve` on name's data directory with fresh ports.
func (s *site) node(name string, more ...string) *node {
	s.e.t.Helper()
	return s.nodeOn(name, freeAddr(s.e.t), freeAddr(s.e.t), more...)
}

// nodeOn runs `vault serve` on name's data directory with given h2c and
// NATS addresses (a restarted node keeps its ports).
func (s *site) nodeOn(name, h2c, nats string, more ...string) *node {
	s.e.t.Helper()
	n := &node{t: s.e.t, h2c: h2c, nats: nats, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	args := append([]string{"serve", "--data", s.dir(name), "--listen", h2c, "--nats-listen", nats, "--admin-listen", freeAddr(s.e.t)}, more...)
	return s.e.start(n, args, 60*time.Second)
}

// stopSignal pauses (SIGSTOP) or resumes (SIGCONT) a node's process.
func (n *node) signal(sig syscall.Signal) {
	n.t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.t.Fatal(err)
	}
}

// nodeView is what `vault nodes --json` reports of one node.
type nodeView struct {
	NodeID    string `json:"nodeId"`
	Role      string `json:"role"`
	Applied   uint64 `json:"applied"`
	StateHash string `json:"stateHash"`
}

// state is a node's applied sequence and state hash, from `vault status
// --json` and `vault nodes`: what convergence is judged by.
func (s *site) state(n *node) (applied uint64, hash string) {
	s.e.t.Helper()
	var st struct {
		NodeID  string `json:"nodeId"`
		Applied uint64 `json:"applied"`
	}
	if err := json.Unmarshal([]byte(s.e.mustVault(n.server(), "status", "--json")), &st); err != nil {
		s.e.t.Fatal(err)
	}
	for _, v := range s.nodes(n) {
		if v.NodeID == st.NodeID {
			return v.Applied, v.StateHash
		}
	}
	s.e.t.Fatalf("node %s is not in its own vault nodes list", st.NodeID)
	return 0, ""
}

// nodes lists every node reachable from n.
func (s *site) nodes(n *node) []nodeView {
	s.e.t.Helper()
	out, errs, code := s.e.vault(n.server(), "nodes", "--json")
	if code != 0 && code != 1 { // 1: some node diverged; the caller judges
		s.e.t.Fatalf("vault nodes: exit %d\n%s%s", code, out, errs)
	}
	var got struct {
		Nodes []nodeView `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		s.e.t.Fatalf("vault nodes --json: %v\n%s", err, out)
	}
	return got.Nodes
}

// waitServes polls url on n until it answers want (or fails the test).
func waitServes(t *testing.T, n *node, path, want string, within time.Duration) {
	t.Helper()
	c := h2cClient()
	var last reply
	served := eventually(within, func() bool {
		resp, err := c.Get("http://" + n.h2c + path)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = reply{status: resp.StatusCode, body: string(body)}
		return resp.StatusCode == http.StatusOK && strings.Contains(last.body, want)
	})
	if served {
		return
	}
	t.Fatalf("node %s never served %q on %s within %v; last answer %d %q\n%s", n.h2c, want, path, within, last.status, last.body, n.stderr)
}
