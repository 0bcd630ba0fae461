package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// leafPair is a hub server (domain "hub", accepting leaf connections) and
// an edge server (domain "edge1") connected to it as a leaf node, as
// vault serve --edge runs them.
type leafPair struct {
	hub, edge *backend
}

func startServer(t testing.TB, dir string, opts *server.Options) *backend {
	t.Helper()
	opts.JetStream, opts.StoreDir, opts.NoLog, opts.NoSigs = true, dir+"/js", true, true
	opts.Host, opts.Port = "127.0.0.1", -1
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{ns: ns, nc: nc, js: js, dir: dir}
	b.openDB(t)
	t.Cleanup(func() {
		b.db.Close()
		nc.Close()
		ns.Shutdown()
	})
	return b
}

func newLeafPair(t *testing.T) leafPair {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	hub := startServer(t, t.TempDir(), &server.Options{ServerName: "hub", JetStreamDomain: "hub",
		LeafNode: server.LeafNodeOpts{Host: "127.0.0.1", Port: port}})
	leafURL, _ := url.Parse(fmt.Sprintf("nats-leaf://127.0.0.1:%d", port))
	edge := startServer(t, t.TempDir(), &server.Options{ServerName: "edge1", JetStreamDomain: "edge1",
		LeafNode: server.LeafNodeOpts{Remotes: []*server.RemoteLeafOpts{{URLs: []*url.URL{leafURL}}}}})
	deadline := time.Now().Add(10 * time.Second)
	for edge.ns.NumLeafNodes() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("edge never connected to the hub")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return leafPair{hub: hub, edge: edge}
}

func openTopo(t *testing.T, b *backend, topo Topology) *Store {
	t.Helper()
	s, err := Open(context.Background(), b.js, b.db, topo, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func waitHead(t *testing.T, s *Store, want uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.idx.wait(ctx, want); err != nil {
		t.Fatal(err)
	}
}

func TestMirrorKeepsHubSequencesAndTree(t *testing.T) {
	p := newLeafPair(t)
	hub := openTopo(t, p.hub, Topology{})
	edge := openTopo(t, p.edge, Topology{Mirror: "hub"})
	ctx := context.Background()
	const n = 300
	for i := range n {
		if _, err := hub.Append(ctx, envelope(i), admitAll, AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitHead(t, edge, n)
	for _, size := range []uint64{1, 7, 128, n} {
		want, _ := hub.idx.treeHash(size)
		got, err := edge.idx.treeHash(size)
		if err != nil || got != want {
			t.Fatalf("edge tree root at %d = %v (%v), hub has %v", size, got, err, want)
		}
	}
	for _, seq := range []uint64{1, 150, n} {
		h, _ := hub.Get(ctx, seq)
		e, err := edge.Get(ctx, seq)
		if err != nil || e.ID != h.ID {
			t.Fatalf("edge record %d is %s (%v), hub's is %s", seq, e.ID, err, h.ID)
		}
	}
	t.Run("ErrMirror", func(t *testing.T) {
		if _, err := edge.Append(ctx, envelope(n+1), admitAll, AppendOptions{}); !errors.Is(err, ErrMirror) {
			t.Fatalf("append on a mirror: %v, want ErrMirror", err)
		}
	})
	t.Run("FollowFromMirror", func(t *testing.T) {
		out := make(chan Record, n)
		fctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go edge.Follow(fctx, 290, out)
		for want := uint64(290); want <= n; want++ {
			select {
			case r := <-out:
				if r.Seq != want {
					t.Fatalf("follow gave seq %d, want %d", r.Seq, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("follow stalled before seq %d", want)
			}
		}
	})
	t.Run("RoleMismatchRefused", func(t *testing.T) {
		if _, err := Open(ctx, p.edge.js, p.edge.db, Topology{}, slog.New(slog.DiscardHandler)); err == nil {
			t.Fatal("opened an edge's mirror as a hub's own stream")
		}
	})
}

func TestMirroredArtifactsReadOnEdge(t *testing.T) {
	p := newLeafPair(t)
	ctx := context.Background()
	obs, err := OpenArtifactBucket(ctx, p.hub.js, true)
	if err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 300<<10) // several chunks
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	digest, err := PutArtifact(ctx, obs, blob)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Topology{Mirror: "hub"}).OpenStream(ctx, p.edge.js, ArtifactStreamConfig()); err != nil {
		t.Fatal(err)
	}
	local, err := OpenArtifactBucket(ctx, p.edge.js, false)
	if err != nil {
		t.Fatal(err)
	}
	arts := NewArtifacts(p.edge.js, local, p.edge.db, testSealer(t), slog.New(slog.DiscardHandler))
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := arts.Get(ctx, digest)
		if err == nil {
			if len(got) != len(blob) {
				t.Fatalf("edge read %d bytes, want %d", len(got), len(blob))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("artifact never readable on the edge: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two nodes sharing one stream (a cluster of hubs, or --nats against one
// server) each index the other's appends, so both see the same tree.
func TestSharedStreamTailIndexesOtherWriters(t *testing.T) {
	b := newBackend(t)
	a := b.open(t)
	db2, err := pebble.Open(t.TempDir(), &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	other := openTopo(t, &backend{js: b.js, db: db2}, Topology{})
	ctx := context.Background()
	const each = 100
	var wg sync.WaitGroup
	for w, s := range []*Store{a, other} {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(ctx, envelope(w*1000+i), admitAll, AppendOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	waitHead(t, a, 2*each)
	waitHead(t, other, 2*each)
	ra, _ := a.idx.treeHash(2 * each)
	rb, err := other.idx.treeHash(2 * each)
	if err != nil || ra != rb {
		t.Fatalf("roots differ: %v vs %v (%v)", ra, rb, err)
	}
}
