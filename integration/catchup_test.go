package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// deployGreeter deploys and activates greeter v1 on n and returns the
// ledger's ID and the artifact of greet@v1, over which redeploys append.
func (s *site) deployGreeter(n *node) (ledgerID, artifact string) {
	s.e.t.Helper()
	s.e.mustVault(n.server(), "deploy", s.greeter("one"))
	s.e.mustVault(n.server(), "activate", "greet@v1", "--wait")
	snap := s.e.snapshot(n.server())
	fn := snap.State.Functions["greet"]
	if len(fn.Versions) != 1 {
		s.e.t.Fatalf("after one deploy, greet is %+v", fn)
	}
	return snap.State.Ledger, fn.Versions[0].Artifact
}

// An edge stopped while the hub appends thousands of records is restarted
// and killed with SIGKILL while it catches up; restarted once more, it
// reaches the hub's head with the hub's state hash, still serves, and an
// auditor's replay of its mirror verifies.
func TestEdgeKilledDuringCatchUpConverges(t *testing.T) {
	s := newSite(t)
	edgeID, _ := s.join("edge")
	hub, leaf := s.hub()
	hubID := s.status(hub).NodeID
	edge := s.edge("edge", leaf)
	ledgerID, artifact := s.deployGreeter(hub)
	waitServes(t, edge, "/greet", "greetings one", 10*time.Second)
	op := s.e.operator()
	h2c, natsAddr := edge.h2c, edge.nats
	before := s.status(edge).Applied
	edge.stop()

	watch := watchApplied(t, hub.server())
	count, head := 2000, uint64(0)
	var killedAt uint64
	for attempt := 1; killedAt == 0; attempt++ {
		if attempt > 3 {
			t.Fatalf("the edge caught up every time before it could be killed; last batch %d records", count/2)
		}
		start := time.Now()
		head = appendAll(t, hub.server(), sealRedeploys(t, op, ledgerID, "greet", artifact, count), 8)
		t.Logf("attempt %d: appended %d records on the hub in %v; head %d, edge stopped at %d", attempt, count, time.Since(start).Round(time.Millisecond), head, before)

		watch.reset(edgeID)
		l := s.launch("edge", h2c, natsAddr, "--edge", "--hub", leaf)
		deadline := time.After(30 * time.Second)
	watching:
		for {
			// Kill it a quarter of the way or more into the batch, so that
			// it dies with records mirrored but not yet applied.
			switch a := watch.applied(edgeID); {
			case a > before+(head-before)/4 && a < head:
				l.n.kill()
				killedAt = a
				t.Logf("attempt %d: killed the edge %v after its start, having announced seq %d of %d", attempt, time.Since(l.at).Round(time.Millisecond), a, head)
				break watching
			case a >= head:
				// It caught up before it could be killed: more next time.
				l.wait(t, 30*time.Second).stop()
				before, count = a, count*2
				break watching
			}
			select {
			case <-watch.c:
			case <-l.n.exited:
				t.Fatalf("the edge exited while catching up: %v\n%s", l.n.exitErr, l.n.stderr)
			case <-deadline:
				t.Fatalf("the edge announced seq %d of %d within 30s\n%s", watch.applied(edgeID), head, l.n.stderr)
			}
		}
	}

	start := time.Now()
	edge = s.nodeOn("edge", h2c, natsAddr, "--edge", "--hub", leaf)
	restarted := s.status(edge)
	hash := s.waitInSync(t, hub, head, 30*time.Second, hubID, edgeID)
	t.Logf("restarted at applied %d (killed after announcing %d); in sync at %d after %v", restarted.Applied, killedAt, head, time.Since(start).Round(time.Millisecond))
	if restarted.Role != "edge" || restarted.Applied < before {
		t.Fatalf("restarted edge status %+v: want role edge, applied at least %d", restarted, before)
	}

	// The same judged from each node's own status and announcement.
	hubApplied, hubHash := s.state(hub)
	edgeApplied, edgeHash := s.state(edge)
	if hubApplied != head || edgeApplied != head || hubHash != hash || edgeHash != hash {
		t.Fatalf("hub at %d (%s), edge at %d (%s); want both at %d with %s", hubApplied, hubHash, edgeApplied, edgeHash, head, hash)
	}
	if st := s.status(hub); st.Head != head {
		t.Fatalf("hub head %d, want %d: records appended after the batch?", st.Head, head)
	}
	if st := s.status(edge); st.Head != head || st.Mirror == nil || st.Mirror.Lag != 0 || st.Link == nil || !st.Link.Connected {
		t.Fatalf("edge status %+v: want head %d, mirror lag 0, linked", st, head)
	}
	waitServes(t, edge, "/greet", "greetings one", 5*time.Second)

	out := s.e.mustVault(edge.server(), "ledger", "verify")
	if !strings.Contains(out, fmt.Sprintf("records      %d:", head)) {
		t.Fatalf("vault ledger verify on the edge does not cover %d records:\n%s", head, out)
	}
}

// An edge that joins after the hub has records catches up from genesis:
// it serves the active function and reaches the hub's state hash.
func TestLateEdgeCatchesUpFromGenesis(t *testing.T) {
	s := newSite(t)
	hub, leaf := s.hub()
	hubID := s.status(hub).NodeID
	ledgerID, artifact := s.deployGreeter(hub)
	head := appendAll(t, hub.server(), sealRedeploys(t, s.e.operator(), ledgerID, "greet", artifact, 300), 8)

	lateID, _ := s.join("late")
	start := time.Now()
	late := s.edge("late", leaf)
	waitServes(t, late, "/greet", "greetings one", 10*time.Second)
	hash := s.waitInSync(t, hub, head, 20*time.Second, hubID, lateID)
	t.Logf("late edge ready and in sync at seq %d after %v", head, time.Since(start).Round(time.Millisecond))
	if applied, h := s.state(late); applied != head || h != hash {
		t.Fatalf("late edge at %d (%s), want %d (%s)", applied, h, head, hash)
	}
	if _, h := s.state(hub); h != hash {
		t.Fatalf("hub state hash %s, vault nodes said %s", h, hash)
	}
	snap := s.e.snapshot(late.server())
	if got := len(snap.State.Functions["greet"].Versions); snap.State.Seq != head || got != 301 {
		t.Fatalf("late edge's state: seq %d with %d versions of greet, want seq %d with 301", snap.State.Seq, got, head)
	}
}
