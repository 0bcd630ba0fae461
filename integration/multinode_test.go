package integration

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// greeter is a function whose answer names its version, so a test can
// tell which deploy a node serves.
func (s *site) greeter(version string) string {
	return s.e.writeFunction("greet-"+version, map[string]string{
		"vault.yaml": "name: greet\nentry: index.js\nroutes:\n  - /greet\n",
		"index.js":   "export default { fetch() { return new Response('greetings " + version + "'); } };\n",
	})
}

// One hub and two edges: what is deployed and activated on the hub is
// served by both edges; with the hub killed both keep serving it; a deploy
// made while an edge is stopped (SIGSTOP) reaches it after SIGCONT.
func TestHubAndTwoEdges(t *testing.T) {
	s := newSite(t)
	s.join("edge1")
	s.join("edge2")
	hub, leaf := s.hub()
	edges := []*node{s.edge("edge1", leaf), s.edge("edge2", leaf)}

	s.e.mustVault(hub.server(), "deploy", s.greeter("one"))
	s.e.mustVault(hub.server(), "activate", "greet@v1", "--wait")
	for _, e := range edges {
		waitServes(t, e, "/greet", "greetings one", 10*time.Second)
	}
	_, hubHash := s.state(hub)
	for _, e := range edges {
		if _, h := s.state(e); h != hubHash {
			t.Fatalf("edge %s state hash %s, hub %s", e.nats, h, hubHash)
		}
	}

	t.Run("SIGSTOP", func(t *testing.T) {
		stopped := edges[1]
		stopped.signal(syscall.SIGSTOP)
		s.e.mustVault(hub.server(), "deploy", s.greeter("two"))
		s.e.mustVault(hub.server(), "activate", "greet@v2")
		waitServes(t, edges[0], "/greet", "greetings two", 10*time.Second)
		stopped.signal(syscall.SIGCONT)
		waitServes(t, stopped, "/greet", "greetings two", 20*time.Second)
	})

	t.Run("HubKilled", func(t *testing.T) {
		hub.kill()
		for _, e := range edges {
			waitServes(t, e, "/greet", "greetings two", 5*time.Second)
		}
		// The link monitor notices within ~100 ms.
		var out string
		if !eventually(10*time.Second, func() bool {
			out = s.e.mustVault(edges[0].server(), "status")
			return strings.Contains(out, "hub       UNREACHABLE")
		}) {
			t.Fatalf("vault status on an edge without its hub does not say so:\n%s", out)
		}
		for _, e := range edges {
			waitServes(t, e, "/greet", "greetings two", 5*time.Second)
		}
	})
}
