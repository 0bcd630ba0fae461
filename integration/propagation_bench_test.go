package integration

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vault-runtime/vault/events"
)

// BenchmarkPropagation measures how long an activation takes from the
// append's acknowledgement to being served on every edge: one hub and two
// edges on loopback, a function deployed once with two versions whose
// answers differ, then VAULT_BENCH_ACTIVATIONS (100) activations
// alternating between them, appended from Go with the operator key. Per
// activation and edge it takes the time the edge's announcement of the
// activation's seq arrived (subscribed on the edge's own NATS before the
// append) and the time the edge first answered with the new version's
// body over HTTP/2 (polled in a tight loop once announced). For the
// breakdown it also stamps when the record reached each edge's mirror (an
// ordered consumer on the edge's LEDGER: a side channel, which may see a
// record after the edge's own projector did) and when the hub announced
// it. A delay is negative when the event came before the acknowledgement
// reached this process. With -v the table of every activation is printed.
//
// Each activation makes an edge get the artifact and compile it again: a
// node closes the programs its new route table no longer uses
// (edge.Functions.Publish), so v1 and v2 are not both kept warm.
func BenchmarkPropagation(b *testing.B) {
	s := multinodeBench(b)
	activations := envInt("VAULT_BENCH_ACTIVATIONS", 100)
	s.join("edge1")
	s.join("edge2")
	hub, leaf := s.hub()
	edges := []*node{s.edge("edge1", leaf), s.edge("edge2", leaf)}
	words := map[int]string{1: "one", 2: "two"}
	s.e.mustVault(hub.server(), "deploy", s.greeter("one"))
	s.e.mustVault(hub.server(), "deploy", s.greeter("two"))
	s.e.mustVault(hub.server(), "activate", "greet@v1", "--wait")
	clients := make([]*http.Client, len(edges))
	for i, e := range edges {
		clients[i] = h2cClient()
		if _, err := waitBody(clients[i], "http://"+e.h2c+"/greet", "greetings one", 20*time.Millisecond, 10*time.Second); err != nil {
			b.Fatalf("%v\n%s", err, e.stderr)
		}
	}
	snap := s.e.snapshot(hub.server())
	ledgerID := snap.State.Ledger
	versions := snap.State.Functions["greet"].Versions
	if len(versions) != 2 {
		b.Fatalf("greet has %d versions, want 2", len(versions))
	}
	hubID := s.nodeID(hub)
	edgeIDs := map[string]int{}
	for i, e := range edges {
		edgeIDs[s.nodeID(e)] = i
	}

	// Each edge's announcements, heard on its own NATS; the hub's on the
	// hub's. Each goes to a channel of its node, read by this activation's
	// waiter, which skips those of earlier seqs.
	nodes := map[string]chan heard{hubID: make(chan heard, 4096)}
	for id := range edgeIDs {
		nodes[id] = make(chan heard, 4096)
	}
	route := func(h heard) {
		if ch := nodes[h.NodeID]; ch != nil {
			select {
			case ch <- h:
			default:
			}
		}
	}
	mirrors := make([]*mirrorArrivals, len(edges))
	for i, e := range edges {
		nc := dial(b, e.server())
		b.Cleanup(nc.Close)
		listenApplied(b, nc, func(h heard) {
			if _, ok := edgeIDs[h.NodeID]; ok && h.Role == "edge" {
				// Each edge hears the other through the hub too; only
				// its own announcements count, heard without a hop.
				if edgeIDs[h.NodeID] == i {
					route(h)
				}
			}
		})
		mirrors[i] = watchMirror(b, nc)
	}
	nc := dial(b, hub.server())
	b.Cleanup(nc.Close)
	listenApplied(b, nc, func(h heard) {
		if h.NodeID == hubID {
			route(h)
		}
	})
	op := s.e.operator()

	// awaited is when node id first announced seq with fn serving v.
	awaited := func(id string, seq uint64, v int, within time.Duration) (heard, error) {
		timeout := time.After(within)
		for {
			select {
			case h := <-nodes[id]:
				if h.Applied < seq {
					continue
				}
				if !h.serves("greet", v) {
					return h, fmt.Errorf("node %s applied seq %d but serves %+v, not greet@v%d", id, h.Applied, h.Served["greet"], v)
				}
				return h, nil
			case <-timeout:
				return heard{}, fmt.Errorf("node %s did not announce seq %d within %v", id, seq, within)
			}
		}
	}

	type sample struct {
		seq      uint64
		version  int
		ack      time.Time
		hub      time.Duration   // ack → hub announced
		mirror   []time.Duration // ack → record in the edge's mirror
		mirrored []bool          // whether the mirror's consumer saw it
		publish  []time.Duration // ack → the edge's own announcement time (its clock, before publishing)
		heard    []time.Duration // ack → the edge's announcement heard
		served   []time.Duration // ack → the edge answered with the new body
	}
	samples := make([]sample, 0, activations)
	b.ResetTimer()
	for i := range activations {
		v := 2 - i%2 // v1 is active: v2 first
		env := signActivation(b, op, ledgerID, "greet", v, versions[v-1].Artifact)
		res, err := appendEnvelope(nc, env)
		ack := time.Now()
		if err != nil {
			b.Fatalf("activation %d: %v", i, err)
		}
		smp := sample{seq: res.Seq, version: v, ack: ack, mirror: make([]time.Duration, len(edges)), mirrored: make([]bool, len(edges)),
			publish: make([]time.Duration, len(edges)), heard: make([]time.Duration, len(edges)), served: make([]time.Duration, len(edges))}
		var wg sync.WaitGroup
		errs := make([]error, len(edges)+1)
		for id, j := range edgeIDs {
			wg.Go(func() {
				h, err := awaited(id, res.Seq, v, 10*time.Second)
				if err != nil {
					errs[j] = err
					return
				}
				smp.heard[j] = h.at.Sub(ack)
				smp.publish[j] = h.Time.Sub(ack)
				at, err := waitBody(clients[j], "http://"+edges[j].h2c+"/greet", "greetings "+words[v], 0, 10*time.Second)
				if err != nil {
					errs[j] = err
					return
				}
				smp.served[j] = at.Sub(ack)
			})
		}
		wg.Go(func() {
			h, err := awaited(hubID, res.Seq, v, 10*time.Second)
			if err != nil {
				errs[len(edges)] = err
				return
			}
			smp.hub = h.at.Sub(ack)
		})
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatalf("activation %d (seq %d, greet@v%d): %v\nedge1:\n%s\nedge2:\n%s", i, res.Seq, v, err, edges[0].stderr, edges[1].stderr)
			}
		}
		samples = append(samples, smp)
	}
	b.StopTimer()
	// The mirror consumers are a side channel: their stamps may trail the
	// waiter by a little; read them once each consumer has seen the last
	// record (they are ordered), or, if one never does, after a second
	// (its samples then count as not mirrored).
	if len(samples) > 0 {
		last := samples[len(samples)-1].seq
		eventually(time.Second, func() bool {
			for j := range edges {
				if _, ok := mirrors[j].get(last); !ok {
					return false
				}
			}
			return true
		})
	}
	for k := range samples {
		for j := range edges {
			at, ok := mirrors[j].get(samples[k].seq)
			samples[k].mirror[j], samples[k].mirrored[j] = at.Sub(samples[k].ack), ok
		}
	}

	// Per activation, the slowest edge decides "every edge".
	var heardAll, servedAll, hubD []time.Duration
	var heardEach, mirrorEach, projectEach, deliverEach, httpEach []time.Duration
	var table strings.Builder
	fmt.Fprintf(&table, "%4s %6s %3s %8s | %s\n", "#", "seq", "v", "hub ms", "edge1 mirror/announced/heard/served ms | edge2 mirror/announced/heard/served ms")
	for k, smp := range samples {
		heardAll = append(heardAll, slicesMax(smp.heard))
		servedAll = append(servedAll, slicesMax(smp.served))
		hubD = append(hubD, smp.hub)
		fmt.Fprintf(&table, "%4d %6d %3d %8.2f", k+1, smp.seq, smp.version, ms(smp.hub))
		for j := range edges {
			heardEach = append(heardEach, smp.heard[j])
			deliverEach = append(deliverEach, smp.heard[j]-smp.publish[j])
			httpEach = append(httpEach, smp.served[j]-smp.heard[j])
			if smp.mirrored[j] {
				mirrorEach = append(mirrorEach, smp.mirror[j])
				projectEach = append(projectEach, smp.publish[j]-smp.mirror[j])
			}
			mirror := "     -"
			if smp.mirrored[j] {
				mirror = fmt.Sprintf("%6.2f", ms(smp.mirror[j]))
			}
			fmt.Fprintf(&table, " | %s %6.2f %6.2f %6.2f", mirror, ms(smp.publish[j]), ms(smp.heard[j]), ms(smp.served[j]))
		}
		table.WriteByte('\n')
	}
	if testing.Verbose() {
		fmt.Printf("BenchmarkPropagation: per activation, ms from the append's acknowledgement (mirror: the record reached the edge's LEDGER mirror, as an ordered consumer there saw it; announced: the edge's announcement time, its clock; heard: this process received it; served: first HTTP/2 answer with the new body; negative: before the acknowledgement reached this process):\n%s", table.String())
	}
	ann, srv := spreadOf(heardAll), spreadOf(servedAll)
	verdict := "met"
	if srv.p99 >= 100 {
		verdict = "MISSED"
	}
	b.Logf("%d activations, 1 hub + 2 edges on loopback, %d CPUs; ms from the append's acknowledgement", len(samples), numCPU())
	b.Logf("served on every edge      %s", srv)
	b.Logf("announced on every edge   %s", ann)
	b.Logf("announced by the hub      %s", spreadOf(hubD))
	b.Logf("per edge: ack → in mirror %s (%d of %d stamped)", spreadOf(mirrorEach), len(mirrorEach), len(heardEach))
	b.Logf("mirror → announcement     %s (index, fold, artifact, compile, route table, hash)", spreadOf(projectEach))
	b.Logf("announcement → heard      %s", spreadOf(deliverEach))
	b.Logf("heard → new body served   %s", spreadOf(httpEach))
	b.Logf("goal p99 < 100 ms from acknowledgement to served on every edge: %s (p99 %.2f ms)", verdict, srv.p99)
	ann.report(b, "announced")
	srv.report(b, "served")
	spreadOf(hubD).report(b, "hub")
}

// signActivation seals a function.activated event for fn@vV, signed by op.
func signActivation(b *testing.B, op *events.Signer, ledgerID, fn string, v int, artifact string) []byte {
	b.Helper()
	payload, err := events.NewEvent(ledgerID, events.TypeActivated, fn, events.Activated{Name: fn, Version: v, Artifact: artifact})
	if err != nil {
		b.Fatal(err)
	}
	env, err := events.Seal(payload, op)
	if err != nil {
		b.Fatal(err)
	}
	return env
}

func slicesMax(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds[1:] {
		m = max(m, d)
	}
	return m
}

// BenchmarkCatchUp measures how fast an edge that missed records catches
// up: a hub and an edge serve a function; the edge is stopped (SIGTERM);
// VAULT_BENCH_RECORDS (10,000) valid records (function.deployed events
// over the artifact already stored, each adding a version) are appended
// on the hub by 16 concurrent Go appenders, pre-signed; then the edge is
// restarted on its data directory and ports. The edge prints "vault node
// ready" once it applied what its own mirror held at start, and serves
// that state while it catches up in the background; catch-up ends when
// it announces, on vault.nodes.applied, that it applied the hub's head.
// The announcements are heard on the hub's NATS, subscribed before the
// restart (they cross the leaf link), and on the edge's own NATS from as
// soon as it accepts connections; the earlier of the two counts. The edge
// mirror's head is polled on the side, to tell the transfer from the
// projection.
func BenchmarkCatchUp(b *testing.B) {
	s := multinodeBench(b)
	records := envInt("VAULT_BENCH_RECORDS", 10000)
	const appenders = 16
	// VAULT_BENCH_HUB_SYNC and VAULT_BENCH_EDGE_SYNC (always or interval)
	// set the nodes' --ledger-sync; by default a hub fsyncs every record
	// and an edge, whose streams are mirrors, leaves syncing to NATS.
	hubSync, edgeSync := ledgerSync("VAULT_BENCH_HUB_SYNC"), ledgerSync("VAULT_BENCH_EDGE_SYNC")
	s.join("edge1")
	hub, leaf := s.hub(hubSync...)
	edge := s.edge("edge1", leaf, edgeSync...)
	fn := s.e.writeFunction("fn", map[string]string{
		"vault.yaml": "name: fn\nentry: index.js\nroutes: [/fn]\n",
		"index.js":   `export default { fetch() { return new Response("fn") } };`,
	})
	s.e.mustVault(hub.server(), "deploy", fn)
	s.e.mustVault(hub.server(), "activate", "fn@v1", "--wait")
	if _, err := waitBody(h2cClient(), "http://"+edge.h2c+"/fn", "fn", 20*time.Millisecond, 10*time.Second); err != nil {
		b.Fatalf("%v\n%s", err, edge.stderr)
	}
	snap := s.e.snapshot(hub.server())
	ledgerID, artifact := snap.State.Ledger, snap.State.Functions["fn"].Versions[0].Artifact
	edgeID := s.nodeID(edge)
	before := snap.State.Seq
	edge.stop()

	op := s.e.operator()
	envs := make([][]byte, records)
	for i := range envs {
		envs[i] = redeploy(b, op, ledgerID, "fn", artifact)
	}
	nc := dial(b, hub.server())
	b.Cleanup(nc.Close)
	var next, acked atomic.Int64
	tenth := int64(max(records/10, 1))
	var marks [2]time.Time // when 10% and 90% of the appends were acknowledged
	var head atomic.Uint64
	var wg sync.WaitGroup
	errs := make(chan error, appenders)
	appendStart := time.Now()
	for range appenders {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(envs)) {
					return
				}
				res, err := appendEnvelope(nc, envs[i])
				if err != nil {
					errs <- fmt.Errorf("append %d: %w", i, err)
					return
				}
				switch acked.Add(1) {
				case tenth:
					marks[0] = time.Now()
				case 9 * tenth:
					marks[1] = time.Now()
				}
				for h := head.Load(); res.Seq > h && !head.CompareAndSwap(h, res.Seq); h = head.Load() {
				}
			}
		})
	}
	wg.Wait()
	appendTook := time.Since(appendStart)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	target := head.Load()
	if missed := target - before; missed != uint64(records) {
		b.Fatalf("the hub's head is %d after %d appends from %d: %d records, not %d", target, records, before, missed, records)
	}

	// Announcements of the edge reaching target, from either NATS: the
	// hub's (path 0) and the edge's own (path 1).
	var mu sync.Mutex
	var reached time.Time
	var reachedOn [2]bool        // whether each path delivered one at target
	batches := map[uint64]bool{} // the applied seqs announced until target
	var readyApplied, firstApplied uint64
	var ready time.Time
	done := make(chan struct{})
	onHeard := func(path int, h heard) {
		if h.NodeID != edgeID {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		reachedOn[path] = reachedOn[path] || h.Applied >= target
		if reached.IsZero() {
			batches[h.Applied] = true
		}
		if firstApplied == 0 {
			firstApplied = h.Applied
		}
		if ready.IsZero() || h.at.Before(ready) {
			readyApplied = max(readyApplied, h.Applied)
		}
		if h.Applied >= target && (reached.IsZero() || h.at.Before(reached)) {
			if reached.IsZero() {
				close(done)
			}
			reached = h.at
		}
	}
	listenApplied(b, nc, func(h heard) { onHeard(0, h) })

	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mirrorDone := make(chan time.Time, 1)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		watchEdge(ctx, "nats://"+edge.nats, target, func(h heard) { onHeard(1, h) }, mirrorDone)
	}()
	b.ResetTimer()
	edge = s.nodeOn("edge1", edge.h2c, edge.nats, append([]string{"--edge", "--hub", leaf}, edgeSync...)...)
	mu.Lock()
	ready = time.Now()
	mu.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("the edge did not announce seq %d within 5 minutes\n%s", target, edge.stderr)
	}
	b.StopTimer()
	// The slower path's stamp may be the earlier one: wait for it too,
	// for at most a second (the edge's NATS may have been dialled late).
	eventually(time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return reachedOn[0] && reachedOn[1]
	})
	cancel()
	<-watching
	var mirrored time.Time
	select {
	case mirrored = <-mirrorDone:
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	total := reached.Sub(start)
	fromReady := reached.Sub(ready)
	rate := float64(records) / total.Seconds()
	rateReady := float64(target-readyApplied) / fromReady.Seconds()
	b.Logf("ledger sync: hub %s, edge %s", syncWord(hubSync), syncWord(edgeSync))
	b.Logf("%d records missed (seq %d..%d), %d CPUs; the hub took %v to append them (%d appenders): %.0f appends/s",
		records, before+1, target, numCPU(), appendTook.Round(time.Millisecond), appenders, float64(records)/appendTook.Seconds())
	b.Logf("hub append rate: first 10%% %.0f/s, middle 80%% %.0f/s, last 10%% %.0f/s", float64(tenth)/marks[0].Sub(appendStart).Seconds(),
		float64(8*tenth)/marks[1].Sub(marks[0]).Seconds(), float64(tenth)/appendStart.Add(appendTook).Sub(marks[1]).Seconds())
	b.Logf("edge restart → ready %v (it had applied seq %d then; first announcement at seq %d)", ready.Sub(start).Round(time.Millisecond), readyApplied, firstApplied)
	if !mirrored.IsZero() {
		b.Logf("edge restart → its mirror holds seq %d: %v", target, mirrored.Sub(start).Round(time.Millisecond))
	}
	b.Logf("edge restart → announced seq %d: %v, %.0f records/s (%d announcements)", target, total.Round(time.Millisecond), rate, len(batches))
	b.Logf("edge ready → announced seq %d: %v, %.0f records/s over the %d records left at ready", target, fromReady.Round(time.Millisecond), rateReady, target-readyApplied)
	verdict := "met"
	if rate <= 10000 {
		verdict = "MISSED"
	}
	b.Logf("goal > 10,000 records/s from restart: %s", verdict)
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(rateReady, "records/s-from-ready")
	b.ReportMetric(ms(total), "catchup-ms")
	b.ReportMetric(ms(ready.Sub(start)), "ready-ms")
	b.ReportMetric(float64(records)/appendTook.Seconds(), "hub-appends/s")
	if !mirrored.IsZero() {
		b.ReportMetric(ms(mirrored.Sub(start)), "mirror-ms")
	}
}
