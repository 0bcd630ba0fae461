package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/schemas"
)

// BenchmarkActivationToServed measures, on one node, how long an
// activation takes from the append request to the route table serving
// the new version (the node's Announcement after the swap), alternating
// two versions whose programs the node compiles again each time, since
// it drops a version that stops serving.
func BenchmarkActivationToServed(b *testing.B) {
	bn := startBenchNode(b)
	v2 := bn.putArtifact(b, `var __vault_module={default:{fetch(){return new Response("two")}}};`)
	bn.append(b, events.TypeDeployed, events.Deployed{Name: "fn", Artifact: v2, Size: 1, Routes: []string{"/fn"}})
	artifacts := []string{bn.artifact, v2}
	type arrival struct {
		Announcement
		at time.Time
	}
	served := make(chan arrival, 1024)
	sub, err := bn.nc.Subscribe(AppliedSubject, func(msg *nats.Msg) {
		a := arrival{at: time.Now()}
		if json.Unmarshal(msg.Data, &a.Announcement) == nil {
			served <- a
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	activate := func(v int) (start, acked time.Time, seq uint64) {
		start = time.Now()
		res := bn.append(b, events.TypeActivated, events.Activated{Name: "fn", Version: v, Artifact: artifacts[v-1]})
		return start, time.Now(), res.Seq
	}
	waitServed := func(seq uint64, v int) time.Time {
		for {
			select {
			case a := <-served:
				if a.Applied >= seq {
					if a.Served["fn"].Weight(v) != 100 {
						b.Fatalf("seq %d applied but fn@v%d not served: %+v", seq, v, a.Served["fn"])
					}
					return a.at
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("seq %d never served", seq)
			}
		}
	}
	_, _, seq := activate(1)
	waitServed(seq, 1)
	var total, fromAck []time.Duration
	b.ResetTimer()
	for i := range b.N {
		v := 2 - i%2
		start, acked, seq := activate(v)
		at := waitServed(seq, v)
		total = append(total, at.Sub(start))
		fromAck = append(fromAck, max(at.Sub(acked), 0))
	}
	b.StopTimer()
	report := func(d []time.Duration, name string) {
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, name+"-p99-ms")
	}
	report(total, "served")
	report(fromAck, "ack-to-served")
}

func (bn *benchNode) putArtifact(b *testing.B, code string) string {
	js, _ := jetstream.New(bn.nc)
	obs, err := ledger.OpenArtifactBucket(context.Background(), js, false)
	if err != nil {
		b.Fatal(err)
	}
	blob, _ := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"fn","entry":"i.js","routes":["/fn"]}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(code)})
	digest, err := ledger.PutArtifact(context.Background(), obs, blob)
	if err != nil {
		b.Fatal(err)
	}
	return digest
}

// BenchmarkRestart measures a node restarting on a ledger with a long
// history (VAULT_BENCH_RECORDS records, default 100,000: deploys and
// alternating activations of 64 functions) until it is ready: JetStream
// recovered, the ledger index checked, the projected state loaded from
// pebble and the served versions compiled, the edge listening.
func BenchmarkRestart(b *testing.B) {
	records := 100_000
	if s := os.Getenv("VAULT_BENCH_RECORDS"); s != "" {
		records, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	if d := os.Getenv("VAULT_BENCH_DIR"); d != "" {
		dir = d // keep the filled ledger for the next run (delete it yourself)
		os.MkdirAll(dir, 0o700)
	}
	genesis, err := os.ReadFile(filepath.Join(dir, benchGenesisFile))
	filled := err == nil
	var op *events.Signer
	if !filled {
		op, genesis, _ = initBenchData(b, dir)
	}
	cfg := Config{Data: dir, Genesis: genesis, NATSListen: freeLoopback(b), LedgerSync: "interval", Edge: edge.DefaultConfig(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg.Edge.Listen = "127.0.0.1:0"
	if !filled {
		cfg.NodeKey = benchNodeKey(b, dir)
		fillLedger(b, cfg, op, events.ID(genesis), records)
	}

	var ready []time.Duration
	b.ResetTimer()
	for range b.N {
		cfg.NodeKey = benchNodeKey(b, dir)
		start := time.Now()
		n, err := Start(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		ready = append(ready, time.Since(start))
		b.StopTimer()
		if got := n.proj.Current().State.Seq; got < uint64(records) {
			b.Fatalf("restored to seq %d, want at least %d", got, records)
		}
		n.Close(context.Background())
		b.StartTimer()
	}
	slices.Sort(ready)
	b.ReportMetric(float64(ready[len(ready)/2].Microseconds())/1000, "ready-median-ms")
	b.ReportMetric(float64(records), "records")
}

// fillLedger appends about count records through a node: two deploys
// each of 64 functions, then activations alternating their versions.
func fillLedger(b *testing.B, cfg Config, op *events.Signer, ledgerID string, count int) {
	n, err := Start(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close(context.Background())
	nc := connectAsNode(b, n, cfg.Data)
	defer nc.Close()
	bn := &benchNode{n: n, nc: nc, op: op, ledgerID: ledgerID}
	code := `var __vault_module={default:{fetch(){return new Response("x")}}};`
	const functions, workers = 64, 16
	artifacts := [2]string{bn.putArtifact(b, code), bn.putArtifact(b, code+"//2")}
	appendEvent := func(typ events.Type, fn string, body any) {
		payload, _ := events.NewEvent(ledgerID, typ, fn, body)
		env, _ := events.Seal(payload, op)
		if _, err := ledger.Append(context.Background(), nc, env, ledger.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	name := func(i int) string { return fmt.Sprintf("fn-%d", i) }
	for i := range functions {
		for _, a := range artifacts {
			appendEvent(events.TypeDeployed, name(i), events.Deployed{Name: name(i), Artifact: a, Size: 1, Routes: []string{"/" + name(i)}})
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < count-2*functions; i += workers {
				fn := i % functions // each worker owns the functions ≡ w mod workers
				v := 1 + (i/functions)%2
				appendEvent(events.TypeActivated, name(fn), events.Activated{Name: name(fn), Version: v, Artifact: artifacts[v-1]})
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := n.proj.WaitApplied(ctx, n.store.Head()); err != nil {
		b.Fatal(err)
	}
	if r := n.proj.Current().State.Rejected; len(r) > 0 {
		b.Fatalf("%d records rejected while filling, first: %+v", len(r), r[0])
	}
}
