// Package node is a running Vault node: Start wires embedded NATS, the
// ledger, the projector and the edge, with the node's topology (hub,
// edge, cluster), hub link, witness, announcements and divergence
// checks, NATS authentication, control requests, the data directory's
// lock and takeover. It never prompts, prints or parses flags: the vault
// command (package cli) does, and passes in what it read.
package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/edge/admin"
	"github.com/vault-runtime/vault/edge/container"
	"github.com/vault-runtime/vault/edge/fnlog"
	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/edge/rootfs"
	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/edge/secret"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
)

// node is a running Vault node: embedded NATS with JetStream, pebble, the
// ledger store, the projector and the edge server.
type Node struct {
	cfg   Config
	lock  *dataLock
	ns    *server.Server
	nc    *nats.Conn
	db    *pebble.DB
	store *ledger.Store
	edge  *edge.Server
	// metrics are what the admin listener exports; admin is nil when
	// disabled.
	metrics *metrics.Metrics
	admin   *admin.Server
	// checkpoints signs checkpoints with the node key (role log), on a
	// hub. Set after the projector began to announce, which reads it.
	checkpoints atomic.Pointer[ledger.Checkpointer]
	subs        []*nats.Subscription
	appends     *ledger.Service
	proj        *projector.Projector
	fns         *edge.Functions
	// images unpacks the images the ledger holds (images.go).
	images *rootfs.Syncer
	// containers runs container versions (containers.go); nil when this
	// node cannot, and containerRuntime says why.
	containers       *container.Supervisor
	containerRuntime string
	execs            execs // exec records run (exec.go)
	logs             *fnlog.Sink
	id               string // the node key's ID
	nodeKey          *events.Signer
	started          time.Time
	cancel           context.CancelFunc
	projDone         chan struct{} // closed when the projector stops
	projErr          error
	bg               sync.WaitGroup // loops that must end before pebble closes
	// NATSURL is the client URL of the embedded server.
	NATSURL string
	// serverName names this node's NATS server in node-local API
	// subjects (NodeAPI).
	serverName string
	// link follows an edge's connection to the hub (nil on hubs).
	link *hubLink
	// pub announces what the node applied and notices divergence.
	pub *announcer
	// watcher verifies checkpoints, looks for split views and, if the
	// node key holds the witness role, cosigns.
	// It is set once Start has opened the COSIGNATURES stream, after the
	// projector began to announce: atomic, for the announcer reads it.
	watcher atomic.Pointer[ledger.CheckpointWatcher]

	// sockets binds the edge listeners (a takeover binds them early).
	sockets *edgeSockets
	// closing is set once the node stops: the edge must not resume.
	closing atomic.Bool
}

// Start brings a node up; it returns once the projector has caught
// up with the ledger and the edge listens.
func Start(ctx context.Context, cfg Config) (_ *Node, err error) {
	log := cfg.Log
	genesis, nodeKey := cfg.Genesis, cfg.NodeKey
	if len(genesis) == 0 || nodeKey == nil {
		return nil, errors.New("start node: no genesis or node key given")
	}
	n := &Node{cfg: cfg, projDone: make(chan struct{}), started: time.Now(), sockets: &edgeSockets{opts: cfg.Edge.Sockets}}
	defer func() {
		if err != nil {
			n.Close(context.Background())
		}
	}()
	if n.lock, err = acquireDataDir(ctx, cfg, n.sockets); err != nil {
		return nil, err
	}
	// The keys that encrypt JetStream and pebble values derive from the
	// node key.
	n.nodeKey = nodeKey
	jsKey, sealer, err := atRestKeys(nodeKey)
	if err != nil {
		return nil, err
	}
	sec, auth, err := natsSecurityFor(cfg, genesis, nodeKey, log.With("component", "nats"))
	if err != nil {
		return nil, err
	}
	js, err := n.connectNATS(cfg, nodeKey, jsKey, sec, auth != nil)
	if err != nil {
		return nil, err
	}
	if n.db, err = pebble.Open(filepath.Join(cfg.Data, "index"), &pebble.Options{Logger: pebbleLogger{log.With("component", "pebble")}}); err != nil {
		return nil, fmt.Errorf("open pebble index: %w", err)
	}
	topo := cfg.Topology.ledger()
	store, err := ledger.Open(ctx, js, n.db, topo, log.With("component", "ledger"))
	if err != nil {
		return nil, err
	}
	n.store = store
	arts, err := n.openArtifacts(ctx, js, topo, sealer, log.With("component", "artifacts"))
	if err != nil {
		return nil, err
	}
	logsCfg := fnlog.StreamConfig()
	if topo.Replicas > 1 {
		// Replicated, so that a hub being down does not take the logs
		// with it; JetStream replicates only with synchronous persistence.
		logsCfg.Replicas, logsCfg.PersistMode = topo.Replicas, jetstream.DefaultPersistMode
	}
	if _, err := js.CreateOrUpdateStream(ctx, logsCfg); err != nil {
		return nil, fmt.Errorf("open function log stream: %w", err)
	}
	n.logs = fnlog.NewSink(n.nc, fnlog.Config{Node: nodeKey.ID, Logger: log.With("component", "fnlog")})
	cfg.Edge.Scheduler = sched.AddHeavyProcs(cfg.Edge.Scheduler)
	n.metrics = metrics.New()
	// Functions' secrets are encrypted to the node key (edge/secret).
	secrets, err := secret.NewIdentity(nodeKey.ID, ed25519.PrivateKey(nodeKey.Memory()))
	if err != nil {
		return nil, err
	}
	if n.images, err = openImages(cfg, arts, log.With("component", "images")); err != nil {
		return nil, err
	}
	n.containers, n.containerRuntime = openContainers(ctx, cfg, nodeKey.ID, n.images, n.logs, log.With("component", "containers"))
	fns := edge.NewFunctions(log.With("component", "edge"), edge.Options{Logs: n.logs, Max: cfg.MaxLimits, Metrics: n.metrics,
		Containers: n.containers, Secrets: secrets})
	pub := &announcer{Publisher: fanOut{fns, n.images}, id: nodeKey.ID, nc: n.nc, log: log.With("component", "announce"),
		role: cfg.Topology.Role(), head: store.Head, checkpoint: n.latestCheckpoint, alerts: n.splitViews, observe: n.observeCheckpoint}
	if n.link != nil {
		pub.link = n.link.words
	}
	n.pub = pub
	proj := projector.New(projector.Config{
		Source: store, Index: store, Artifacts: arts, MaxArtifactBytes: cfg.MaxArtifactBytes,
		Warmer: fns, Publisher: pub, DB: n.db, Sealer: sealer, Logger: log.With("component", "projector"),
	})
	n.proj, n.fns, n.id, n.nodeKey = proj, fns, nodeKey.ID, nodeKey
	if auth != nil {
		auth.proj.Store(proj)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() {
		defer close(n.projDone)
		n.projErr = proj.Run(runCtx)
	}()
	n.bg.Go(func() { n.images.Run(runCtx) })

	gate := proj.Admission()
	if err := ensureGenesis(ctx, store, gate, genesis, log); err != nil {
		return nil, err
	}
	origin := ledger.Origin(events.ID(genesis))
	if store.Mirror() == "" {
		checkpoints, err := ledger.NewCheckpointer(ctx, store, ledger.NoteSigner(origin, nodeKey), origin, log.With("component", "checkpoints"))
		if err != nil {
			return nil, err
		}
		checkpoints.Allowed = func() bool {
			kr := proj.Current().State.Keys
			if kr == nil {
				return false
			}
			k := kr.Keys[nodeKey.ID]
			return k != nil && k.Has(events.RoleLog)
		}
		n.checkpoints.Store(checkpoints)
		n.bg.Go(func() { checkpoints.Run(runCtx) })
	} else if _, err := topo.OpenStream(ctx, js, ledger.CheckpointStreamConfig()); err != nil {
		return nil, err
	}
	if err := n.watchCheckpoints(ctx, runCtx, js, topo, genesis, nodeKey, log.With("component", "witness")); err != nil {
		return nil, err
	}
	if n.link != nil {
		n.bg.Go(func() { n.link.run(runCtx, store) })
	}
	if err := n.serveAPI(store, gate, proj, log.With("component", "api")); err != nil {
		return nil, err
	}
	// Project before serving: the edge opens only once every record
	// stored so far is applied and its versions are warm.
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer wcancel()
	if err := proj.WaitApplied(wctx, store.Head()); err != nil {
		return nil, fmt.Errorf("catch up with the ledger: %w", err)
	}
	if n.edge, err = edge.NewServer(cfg.Edge, fns, log.With("component", "edge")); err != nil {
		return nil, err
	}
	n.edge.Listen = n.sockets.listen
	if err := n.edge.Start(); err != nil {
		return nil, err
	}
	if err := n.startAdmin(log.With("component", "admin")); err != nil {
		return nil, err
	}
	// The scrub reads the whole ledger; it starts once the node is ready,
	// so that a restart does not wait for the CPU it takes.
	n.bg.Go(func() { store.Scrub(runCtx) })
	return n, nil
}

// ensureGenesis appends the data directory's genesis to an empty ledger,
// and otherwise checks that record 1 is that genesis. An edge waits for
// its mirror to bring record 1 from the hub.
func ensureGenesis(ctx context.Context, store *ledger.Store, gate ledger.Gate, genesis []byte, log *slog.Logger) error {
	switch {
	case store.Head() > 0:
	case store.Mirror() != "":
		log.Info("waiting for the hub's ledger: this edge has no record yet")
		if err := store.WaitIndexed(ctx, 1); err != nil {
			return fmt.Errorf("edge: no ledger record came from the hub: %w", err)
		}
	default:
		if _, err := store.Append(ctx, genesis, gate, ledger.AppendOptions{}); err != nil {
			return fmt.Errorf("append genesis: %w", err)
		}
	}
	first, err := store.Get(ctx, 1)
	if err != nil {
		return err
	}
	if !bytes.Equal(first.Envelope, genesis) {
		return fmt.Errorf("ledger record 1 (event %s) is not this data directory's genesis (%s)", first.ID, events.ID(genesis))
	}
	return nil
}

// serveAPI answers the node's NATS APIs. Only a hub takes appends and
// proves records: an edge's CLI reaches the hubs through the leaf link.
func (n *Node) serveAPI(store *ledger.Store, gate ledger.Gate, proj *projector.Projector, log *slog.Logger) (err error) {
	if store.Mirror() == "" {
		if n.appends, err = ledger.Serve(n.nc, store, gate, log); err != nil {
			return err
		}
		sub, err := ledger.ServeProofs(n.nc, store, n.checkpoints.Load(), log)
		if err != nil {
			return err
		}
		n.subs = append(n.subs, sub)
	}
	subs, err := n.subscribeNode(StateAPI, func(msg *nats.Msg) {
		var req StateRequest
		var reply StateReply
		if err := json.Unmarshal(msg.Data, &req); err != nil && len(msg.Data) > 0 {
			reply.Error = "bad state request: " + err.Error()
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := proj.WaitApplied(ctx, req.WaitSeq); err != nil {
				reply.Error = err.Error()
			} else {
				reply.Snapshot = proj.Current()
				reply.Role, reply.Hub = n.cfg.Topology.Role(), store.Mirror()
			}
			cancel()
		}
		data, _ := json.Marshal(reply)
		out := stateMsg(data)
		if err := msg.RespondMsg(out); err != nil {
			log.Warn("answer state request", "err", err, "bytes", len(data), "sent", len(out.Data))
		}
	})
	if err != nil {
		return fmt.Errorf("serve state: %w", err)
	}
	n.subs = append(n.subs, subs...)
	putArtifact, sub, err := n.serveUploads(log)
	if err != nil {
		return err
	}
	n.subs = append(n.subs, sub)
	subs, err = n.serveControl(proj, map[string]controlHandler{MethodStatus: n.status, MethodKill: n.kill, MethodPs: n.ps, MethodExec: n.exec,
		MethodServerStop: n.serverStop, MethodServerStart: n.serverStart, MethodArtifactPut: putArtifact}, log)
	if err != nil {
		return err
	}
	n.subs = append(n.subs, subs...)
	if subs, err = n.pub.serve(proj.Current); err != nil {
		return err
	}
	n.subs = append(n.subs, subs...)
	return nil
}

// Close drains the edge (in-flight requests finish until ctx ends), then
// stops the projector, NATS and pebble, and releases the data directory.
func (n *Node) Close(ctx context.Context) error {
	n.closing.Store(true)
	var errs []error
	if n.sockets != nil {
		n.sockets.Close()
	}
	if n.admin != nil {
		errs = append(errs, n.admin.Shutdown(ctx))
	}
	if n.edge != nil {
		errs = append(errs, n.edge.Shutdown(ctx))
	}
	// Logs are best effort: a flush that fails is worth a warning, not a
	// failed shutdown.
	if n.logs != nil {
		if err := n.logs.Close(ctx); err != nil {
			n.cfg.Log.Warn("flush function logs", "err", err)
		}
	}
	// No request may still be running when the store and pebble close.
	if n.appends != nil {
		n.appends.Stop()
	}
	for _, s := range n.subs {
		s.Drain()
	}
	for _, s := range n.subs {
		for deadline := time.Now().Add(5 * time.Second); s.IsValid() && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if n.cancel != nil {
		n.cancel()
		<-n.projDone
		errs = append(errs, n.projErr)
		n.bg.Wait()
	}
	if n.containers != nil {
		// They keep running; the next process of this node adopts them.
		n.containers.Close()
	}
	if n.store != nil {
		n.store.Close()
	}
	if n.nc != nil {
		n.nc.Close()
	}
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
	if n.db != nil {
		errs = append(errs, n.db.Close())
	}
	if n.nodeKey != nil {
		n.nodeKey.Wipe() // nothing signs any more
	}
	if n.lock != nil {
		errs = append(errs, n.lock.Close())
	}
	return errors.Join(errs...)
}

// pebbleLogger routes pebble's messages to slog; its routine WAL-replay
// chatter goes to debug.
type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(format string, args ...any)  { l.log.Debug(fmt.Sprintf(format, args...)) }
func (l pebbleLogger) Errorf(format string, args ...any) { l.log.Error(fmt.Sprintf(format, args...)) }
func (l pebbleLogger) Fatalf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...))
	os.Exit(1)
}

// Addrs are the edge's listeners by kind ("h2c", "tls").
func (n *Node) Addrs() map[string]string { return maps.Clone(n.edge.Addrs) }

// AdminAddr is the admin listener's address, or "" when it is disabled.
func (n *Node) AdminAddr() string {
	if n.admin == nil {
		return ""
	}
	return n.admin.Addr()
}

// Done is closed when the projector stops; Err then says why. A node
// that no longer applies the ledger must not keep serving.
func (n *Node) Done() <-chan struct{} { return n.projDone }

// Err is why the projector stopped, once Done is closed.
func (n *Node) Err() error {
	select {
	case <-n.projDone:
		return n.projErr
	default:
		return nil
	}
}
