package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// cluster runs three hubs clustered with R3 streams ("hub", "hub2",
// "hub3"; the last two joined to the first's genesis), started at once:
// JetStream elects its meta leader only once the routes are up, and each
// hub creates its streams while it starts. It returns the hubs and their
// leaf URLs.
func (s *site) cluster(t *testing.T) ([]*node, []string) {
	t.Helper()
	names := []string{"hub", "hub2", "hub3"}
	for _, name := range names[1:] {
		s.join(name)
	}
	return s.clusterWith(t, names, nil)
}

// clusterWith runs hubs names (joined before) clustered, each with the
// arguments more gives it besides (nil: none).
func (s *site) clusterWith(t *testing.T, names []string, more func(name string) []string) ([]*node, []string) {
	t.Helper()
	routes, leafs := make([]string, 3), make([]string, 3)
	for i := range names {
		routes[i], leafs[i] = freeAddr(t), freeAddr(t)
	}
	start := time.Now()
	var starting []*launching
	for i, name := range names {
		var others []string
		for j := range names {
			if j != i {
				others = append(others, "nats-route://"+routes[j])
			}
		}
		args := []string{"--leaf-listen", leafs[i], "--cluster-listen", routes[i], "--routes", strings.Join(others, ","), "--cluster-name", "vault"}
		if more != nil {
			args = append(args, more(name)...)
		}
		starting = append(starting, s.launch(name, freeAddr(t), freeAddr(t), args...))
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, l := range starting {
				t.Logf("%s's log:\n%s", names[i], l.n.stderr)
			}
		}
	})
	var hubs []*node
	var urls []string
	for i, l := range starting {
		hubs = append(hubs, l.wait(t, 60*time.Second))
		urls = append(urls, "nats-leaf://"+leafs[i])
		t.Logf("%s ready %v after the cluster's start", names[i], time.Since(start).Round(time.Millisecond))
	}
	return hubs, urls
}

// ledgerStreamInfo reads a stream's info through n's NATS (the hubs' domain).
func ledgerStreamInfo(t *testing.T, n *node, name string) *jetstream.StreamInfo {
	t.Helper()
	nc := dial(t, n.server())
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s on %s: %v", name, n.nats, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("stream %s info on %s: %v", name, n.nats, err)
	}
	return info
}

// Three clustered hubs keep the ledger with three replicas; one edge is
// leafed to all three. With the LEDGER stream's leader killed (SIGKILL), a
// deploy and activation through another surviving hub is acknowledged and
// served by the edge and both surviving hubs, which agree on the state.
func TestThreeHubClusterSurvivesOneHubDown(t *testing.T) {
	s := newSite(t)
	edgeID, _ := s.join("edge")
	start := time.Now()
	hubs, leafs := s.cluster(t)
	t.Logf("three-hub cluster ready in %v", time.Since(start).Round(time.Millisecond))
	edge := s.edge("edge", strings.Join(leafs, ","))

	s.e.mustVault(hubs[0].server(), "deploy", s.greeter("one"))
	s.e.mustVault(hubs[0].server(), "activate", "greet@v1", "--wait")
	for _, n := range append([]*node{edge}, hubs...) {
		waitServes(t, n, "/greet", "greetings one", 10*time.Second)
	}

	ids := map[string]int{} // NATS server name → hub
	var hubIDs []string
	for i, h := range hubs {
		id := s.status(h).NodeID
		hubIDs = append(hubIDs, id)
		ids["vault-"+id] = i
	}
	info := ledgerStreamInfo(t, hubs[0], ledger.StreamName)
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("LEDGER is not replicated on three hubs: replicas %d, cluster %+v", info.Config.Replicas, info.Cluster)
	}
	victim, ok := ids[info.Cluster.Leader]
	if !ok {
		t.Fatalf("LEDGER's leader %q is none of the hubs %v", info.Cluster.Leader, ids)
	}
	through := (victim + 1) % 3
	seq := info.State.LastSeq
	hash := s.waitInSync(t, hubs[through], seq, 10*time.Second, append([]string{edgeID}, hubIDs...)...)
	t.Logf("before: all four nodes in sync at seq %d (%s); killing hub %d, LEDGER's leader; deploying through hub %d", seq, hash, victim+1, through+1)

	hubs[victim].kill()
	killed := time.Now()
	// Raft elects new leaders for the streams the victim led within
	// seconds; until then JetStream does not answer for them.
	waitLeaders(t, hubs[through], info.Cluster.Leader, ledger.StreamName, "OBJ_"+ledger.ArtifactBucket)
	t.Logf("the surviving hubs elected new stream leaders %v after the kill", time.Since(killed).Round(time.Millisecond))
	s.e.mustVault(hubs[through].server(), "deploy", s.greeter("two"))
	s.e.mustVault(hubs[through].server(), "activate", "greet@v2", "--wait")
	t.Logf("deploy and activate through hub %d acknowledged %v after the kill", through+1, time.Since(killed).Round(time.Millisecond))
	survivors := []*node{edge}
	alive := []string{edgeID}
	for i, h := range hubs {
		if i != victim {
			survivors = append(survivors, h)
			alive = append(alive, hubIDs[i])
		}
	}
	for _, n := range survivors {
		waitServes(t, n, "/greet", "greetings two", 10*time.Second)
	}
	after := ledgerStreamInfo(t, hubs[through], ledger.StreamName)
	if after.State.LastSeq != seq+2 {
		t.Fatalf("LEDGER's last seq %d after one deploy and one activation, want %d", after.State.LastSeq, seq+2)
	}
	if after.Cluster == nil || after.Cluster.Leader == info.Cluster.Leader {
		t.Fatalf("LEDGER's leader is still the killed hub: %+v", after.Cluster)
	}
	s.waitInSync(t, hubs[through], seq+2, 10*time.Second, alive...)
}

// waitLeaders waits until each stream has a leader other than gone.
func waitLeaders(t *testing.T, n *node, gone string, streams ...string) {
	t.Helper()
	nc := dial(t, n.server())
	defer nc.Close()
	waitLeadersOn(t, nc, gone, streams...)
}

// waitLeadersOn is waitLeaders through a connection of the caller's.
func waitLeadersOn(t *testing.T, nc *nats.Conn, gone string, streams ...string) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range streams {
		var err error
		led := eventually(time.Until(deadline), func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var st jetstream.Stream
			var info *jetstream.StreamInfo
			if st, err = js.Stream(ctx, name); err == nil {
				info, err = st.Info(ctx)
			}
			return err == nil && info.Cluster != nil && info.Cluster.Leader != "" && info.Cluster.Leader != gone
		})
		if !led {
			t.Fatalf("stream %s has no new leader 30s after %s died (last: %v)", name, gone, err)
		}
	}
}
