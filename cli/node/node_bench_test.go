package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
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

// benchNode is a real node in this process: embedded NATS with JetStream
// fsyncing every write, pebble, the projector and the edge.
type benchNode struct {
	n        *Node
	nc       *nats.Conn
	op       *events.Signer
	ledgerID string
	artifact string
}

func startBenchNode(b *testing.B) *benchNode {
	b.Helper()
	dir := b.TempDir()
	op, genesis, nodeKey := initBenchData(b, dir)
	ec := edge.DefaultConfig()
	ec.Listen = "127.0.0.1:0"
	n, err := Start(context.Background(), Config{Data: dir, Genesis: genesis, NodeKey: nodeKey, NATSListen: freeLoopback(b),
		LedgerSync: "always", Edge: ec, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close(context.Background()) })
	nc := connectAsNode(b, n, dir)
	b.Cleanup(nc.Close)
	bn := &benchNode{n: n, nc: nc, op: op, ledgerID: events.ID(genesis)}
	js, _ := jetstream.New(nc)
	obs, err := ledger.OpenArtifactBucket(context.Background(), js, false)
	if err != nil {
		b.Fatal(err)
	}
	blob, _ := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"fn","entry":"i.js","routes":["/fn"]}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(`var __vault_module={default:{fetch(){return new Response("x")}}};`)})
	if bn.artifact, err = ledger.PutArtifact(context.Background(), obs, blob); err != nil {
		b.Fatal(err)
	}
	bn.append(b, events.TypeDeployed, events.Deployed{Name: "fn", Artifact: bn.artifact, Size: int64(len(blob)), Routes: []string{"/fn"}})
	return bn
}

// initBenchData makes dir a data directory, as vault init does, with a
// fresh operator key and node key (returned, with the genesis); the
// genesis and the node key's seed are kept in dir (benchGenesisFile,
// benchSeedFile), for a benchmark that reuses it.
func initBenchData(b *testing.B, dir string) (op *events.Signer, genesis []byte, nodeKey *events.Signer) {
	b.Helper()
	op, _ = events.GenerateSigner()
	nodeKey, _ = events.GenerateSigner()
	genesis, err := benchGenesis("bench", op, nodeKey)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, benchGenesisFile), genesis, 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, benchSeedFile), nodeKey.Seed(), 0o600); err != nil {
		b.Fatal(err)
	}
	return op, genesis, nodeKey
}

// Where initBenchData keeps the genesis and the node key's seed.
const (
	benchGenesisFile = "genesis.dsse"
	benchSeedFile    = "bench-node.seed"
)

// benchNodeKey reads the node key initBenchData kept in dir: a node wipes
// its key when it closes, so each start needs its own.
func benchNodeKey(b *testing.B, dir string) *events.Signer {
	b.Helper()
	seed, err := os.ReadFile(filepath.Join(dir, benchSeedFile))
	if err != nil {
		b.Fatal(err)
	}
	s, err := events.NewSigner(seed)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchGenesis is the genesis vault init writes: the operator key with
// roles admin, deploy and activate, the node key with role log.
func benchGenesis(name string, operator, node *events.Signer) ([]byte, error) {
	body := events.Genesis{
		Name: name,
		Keys: []events.KeyGrant{
			{ID: operator.ID, PublicKey: operator.Public(), Roles: []events.Role{events.RoleAdmin, events.RoleDeploy, events.RoleActivate}},
			{ID: node.ID, PublicKey: node.Public(), Roles: []events.Role{events.RoleLog}},
		},
		AdminThreshold: 1,
	}
	payload, err := events.NewEvent("", events.TypeGenesis, name, body)
	if err != nil {
		return nil, err
	}
	return events.Seal(payload, operator)
}

// connectAsNode connects to n's NATS signed with the node key kept in
// dir: only the node may write the artifact object store, which the
// benchmarks fill directly.
func connectAsNode(b *testing.B, n *Node, dir string) *nats.Conn {
	b.Helper()
	opt, err := NkeyOption(benchNodeKey(b, dir))
	if err != nil {
		b.Fatal(err)
	}
	nc, err := nats.Connect(n.NATSURL, opt)
	if err != nil {
		b.Fatal(err)
	}
	return nc
}

func freeLoopback(b *testing.B) string {
	// The embedded NATS needs a concrete port; reserve one and release it.
	l, err := netListen()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// append signs and appends one event, as the CLI does.
func (bn *benchNode) append(b *testing.B, typ events.Type, body any) ledger.Appended {
	payload, _ := events.NewEvent(bn.ledgerID, typ, "fn", body)
	env, _ := events.Seal(payload, bn.op)
	res, err := ledger.Append(context.Background(), bn.nc, env, ledger.AppendOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// redeploy appends a deploy of fn with the stored artifact: valid however
// many clients append it at once.
func (bn *benchNode) redeploy(b *testing.B) ledger.Appended {
	return bn.append(b, events.TypeDeployed, events.Deployed{Name: "fn", Artifact: bn.artifact, Size: 1, Routes: []string{"/fn"}})
}

// BenchmarkDurableAppend measures signed appends acknowledged only after
// JetStream fsynced them, from 1 and 16 concurrent clients, and the delay
// from acknowledgement to the first checkpoint that covers the record.
func BenchmarkDurableAppend(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			bn := startBenchNode(b)
			cps := watchCheckpoints(b, bn.nc)
			var mu sync.Mutex
			acks := map[uint64]time.Time{}
			start := time.Now()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := (b.N + clients - 1) / clients
			for range clients {
				wg.Go(func() {
					for range per {
						res := bn.redeploy(b)
						mu.Lock()
						acks[res.Seq] = time.Now()
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(clients*per)/elapsed.Seconds(), "appends/s")
			p50, p99 := cps.latency(b, acks)
			b.ReportMetric(float64(p50.Microseconds())/1000, "ckpt-p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "ckpt-p99-ms")
		})
	}
}

// checkpointWatch records when each checkpoint size was first seen.
type checkpointWatch struct {
	mu   sync.Mutex
	seen []struct {
		size uint64
		at   time.Time
	}
}

func watchCheckpoints(b *testing.B, nc *nats.Conn) *checkpointWatch {
	w := &checkpointWatch{}
	sub, err := nc.Subscribe(ledger.CheckpointSubject, func(m *nats.Msg) {
		cp, err := ledger.PeekCheckpoint(m.Data)
		if err != nil {
			return
		}
		w.mu.Lock()
		w.seen = append(w.seen, struct {
			size uint64
			at   time.Time
		}{cp.Size, time.Now()})
		w.mu.Unlock()
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sub.Unsubscribe() })
	return w
}

// latency waits for a checkpoint covering every acknowledged record and
// returns p50 and p99 of acknowledgement → covering checkpoint.
func (w *checkpointWatch) latency(b *testing.B, acks map[uint64]time.Time) (time.Duration, time.Duration) {
	var last uint64
	for seq := range acks {
		last = max(last, seq)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		done := len(w.seen) > 0 && w.seen[len(w.seen)-1].size >= last
		w.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("no checkpoint covered seq %d within 10s", last)
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var lat []time.Duration
	for seq, at := range acks {
		for _, s := range w.seen {
			if s.size >= seq {
				lat = append(lat, max(0, s.at.Sub(at)))
				break
			}
		}
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}
