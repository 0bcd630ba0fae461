package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// connectNATS starts the embedded server as the topology says (or, with
// --nats, dials the operator's) and connects the node to it.
func (n *node) connectNATS(cfg nodeConfig, nodeKey *events.Signer, jsKey string, sec natsSecurity, authed bool) (jetstream.JetStream, error) {
	log := cfg.Log.With("component", "nats")
	var connOpts []nats.Option
	url := cfg.Topology.External
	if url == "" {
		var err error
		if n.ns, n.NATSURL, err = startNATS(cfg, nodeKey.ID, jsKey, sec, log); err != nil {
			return nil, err
		}
		connOpts = append(connOpts, nats.InProcessServer(n.ns))
		if authed {
			opt, err := nkeyOption(nodeKey)
			if err != nil {
				return nil, err
			}
			connOpts = append(connOpts, opt)
		}
	} else {
		n.NATSURL = url
		log.Warn("running on an external NATS: its JetStream stores the ledger and artifacts without Vault's encryption at rest; configure the server's own", "url", url)
		connOpts = append(connOpts, nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	}
	connOpts = append(connOpts, nats.Name("vault-node"))
	var err error
	if n.nc, err = nats.Connect(url, connOpts...); err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	n.serverName = n.nc.ConnectedServerName()
	if cfg.Topology.Edge {
		n.link = &hubLink{ns: n.ns, log: cfg.Log.With("component", "hub-link")}
	}
	js, err := jetstream.New(n.nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if cfg.Topology.clustered() {
		return formingCluster{JetStream: js, log: log}, nil
	}
	return js, nil
}

// startNATS runs the embedded server with JetStream; with syncAlways every
// write is fsynced before it is acknowledged. JetStream encrypts what it
// stores with keys derived from storeKey.
func startNATS(cfg nodeConfig, nodeID, storeKey string, sec natsSecurity, log *slog.Logger) (*server.Server, string, error) {
	listen := cfg.NATSListen
	host, port, err := splitHostPort(listen)
	if err != nil {
		return nil, "", fmt.Errorf("--nats-listen %q: %w", listen, err)
	}
	// NATS reports a busy port only in its log; find out first, clearly.
	for flag, addr := range map[string]string{"--nats-listen": listen, "--leaf-listen": cfg.Topology.LeafListen, "--cluster-listen": cfg.Topology.ClusterListen} {
		if addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, "", fmt.Errorf("embedded NATS cannot listen on %s (%s): %w", addr, flag, err)
		}
		ln.Close()
	}
	opts := &server.Options{
		Host:      host,
		Port:      port,
		JetStream: true,
		StoreDir:  filepath.Join(cfg.Data, "nats"),
		// AES-GCM rather than NATS's default ChaCha20-Poly1305: servers
		// this runs on have AES instructions (AES-NI, ARMv8 AES), where
		// AES-GCM is the faster of the two. NATS records the cipher per
		// stream and tries both when it reads, so this can change later.
		JetStreamKey:    storeKey,
		JetStreamCipher: server.AES,
		SyncAlways:      cfg.syncAlways(),
		NoSigs:          true,
		NoLog:           true,
	}
	if err := cfg.Topology.apply(opts, nodeID); err != nil {
		return nil, "", err
	}
	if sec.TLS != nil {
		opts.TLS, opts.TLSConfig, opts.TLSTimeout = true, sec.TLS, 2
	}
	if sec.Auth != nil {
		opts.CustomClientAuthentication, opts.AlwaysEnableNonce = sec.Auth, true
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		return nil, "", fmt.Errorf("embedded NATS did not become ready on %s", listen)
	}
	if cfg.Topology.clustered() {
		if err := waitMetaLeader(ns, 60*time.Second, log); err != nil {
			ns.Shutdown()
			return nil, "", err
		}
	}
	url := ns.ClientURL()
	log.Info("embedded NATS ready", "url", url, "store", opts.StoreDir, "role", cfg.Topology.role(), "domain", opts.JetStreamDomain,
		"leaf", cfg.Topology.LeafListen, "cluster", cfg.Topology.ClusterListen)
	return ns, url, nil
}

// waitMetaLeader waits until the hubs' JetStream cluster has a meta leader
// this server follows (or is): until then no server answers a request to
// create a stream, which times out. Hubs start together, and electing the
// leader takes a moment once their routes are up.
func waitMetaLeader(ns *server.Server, within time.Duration, log *slog.Logger) error {
	start := time.Now()
	logged := false
	for !ns.JetStreamIsCurrent() {
		if time.Since(start) > within {
			return fmt.Errorf("embedded NATS: the hubs' JetStream cluster elected no leader within %v: are the other hubs (--routes) running?", within)
		}
		if !logged && time.Since(start) > 2*time.Second {
			log.Info("waiting for the other hubs: the JetStream cluster has no leader yet")
			logged = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	log.Info("JetStream cluster leader elected", "after", time.Since(start).Round(time.Millisecond))
	return nil
}

// openArtifacts opens the artifact store: a hub's own object store, or an
// edge's mirror of the hub's, with the hub as a fallback for a blob the
// mirror has not received yet.
func (n *node) openArtifacts(ctx context.Context, js jetstream.JetStream, topo ledger.Topology, sealer *ledger.Sealer, log *slog.Logger) (*ledger.Artifacts, error) {
	if topo.Mirror == "" {
		obs, err := ledger.CreateArtifactBucket(ctx, js, topo.Replicas)
		if err != nil {
			return nil, err
		}
		return ledger.NewArtifacts(obs, n.db, sealer, log), nil
	}
	if _, err := topo.OpenStream(ctx, js, ledger.ArtifactStreamConfig()); err != nil {
		return nil, err
	}
	obs, err := ledger.OpenArtifactBucket(ctx, js, false)
	if err != nil {
		return nil, err
	}
	arts := ledger.NewArtifacts(obs, n.db, sealer, log)
	arts.Fallback = func(ctx context.Context) (jetstream.ObjectStore, error) {
		hub, err := jetstream.NewWithDomain(n.nc, topo.Mirror)
		if err != nil {
			return nil, err
		}
		return ledger.OpenArtifactBucket(ctx, hub, false)
	}
	return arts, nil
}

// formingCluster is the JetStream API of a hub in a cluster of hubs that
// may be starting together: while the JetStream cluster elects its
// leaders, looking up or creating a stream may time out, creating one may
// fail for want of peers to place three replicas on or race with the same
// creation by another hub, and a stream just created may not answer on
// this hub yet. It retries those for up to clusterFormation.
type formingCluster struct {
	jetstream.JetStream
	log *slog.Logger
}

const clusterFormation = 30 * time.Second

func (c formingCluster) CreateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return retryForming(ctx, c.log, cfg.Name, func(ctx context.Context) (jetstream.Stream, error) {
		s, err := c.JetStream.CreateStream(ctx, cfg)
		return answering(ctx, s, err)
	})
}

func (c formingCluster) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return retryForming(ctx, c.log, cfg.Name, func(ctx context.Context) (jetstream.Stream, error) {
		s, err := c.JetStream.CreateOrUpdateStream(ctx, cfg)
		return answering(ctx, s, err)
	})
}

func (c formingCluster) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	return retryForming(ctx, c.log, name, func(ctx context.Context) (jetstream.Stream, error) {
		return c.JetStream.Stream(ctx, name)
	})
}

func (c formingCluster) ObjectStore(ctx context.Context, bucket string) (jetstream.ObjectStore, error) {
	return retryForming(ctx, c.log, "OBJ_"+bucket, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return c.JetStream.ObjectStore(ctx, bucket)
	})
}

func (c formingCluster) CreateObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	return retryForming(ctx, c.log, "OBJ_"+cfg.Bucket, func(ctx context.Context) (jetstream.ObjectStore, error) {
		obs, err := c.JetStream.CreateObjectStore(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			// Made by another hub, not answering here yet.
			err = fmt.Errorf("%w: %w", errNotAnswering, err)
		}
		if err == nil {
			var s jetstream.Stream
			s, err = c.JetStream.Stream(ctx, "OBJ_"+cfg.Bucket)
			_, err = answering(ctx, s, err)
		}
		return obs, err
	})
}

// errNotAnswering marks a stream that was made and does not answer yet
// (not found, say): that passes.
var errNotAnswering = errors.New("made but not answering yet")

// answering is a stream just made once it answers for its info.
func answering(ctx context.Context, s jetstream.Stream, err error) (jetstream.Stream, error) {
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w: %w", s.CachedInfo().Config.Name, errNotAnswering, err)
	}
	if info.Cluster != nil && info.Cluster.Leader == "" {
		return nil, fmt.Errorf("stream %s: %w: no leader", info.Config.Name, errNotAnswering)
	}
	return s, nil
}

// retryForming runs attempt, each try with at most 5 s, until it succeeds
// or fails with an error that is an answer: the stream or bucket does not
// exist (a lookup) or exists otherwise, or the request is refused.
func retryForming[T any](ctx context.Context, log *slog.Logger, name string, attempt func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(clusterFormation)
	for try := 1; ; try++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		v, err := attempt(actx)
		cancel()
		if err == nil || !formationError(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return v, err
		}
		if try == 1 || try%10 == 0 {
			log.Info("the hubs' JetStream cluster is forming: retrying", "stream", name, "try", try, "err", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// formationError is an error a forming cluster returns for a while, as
// opposed to an answer.
func formationError(err error) bool {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) ||
		errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return errors.Is(err, errNotAnswering)
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		// The one refusal that passes: the peers to place the replicas
		// on have not all been seen yet.
		return api.Code != 400 || api.ErrorCode == errCodeNoSuitablePeers
	}
	return true
}

// errCodeNoSuitablePeers is JetStream's JSClusterNoPeersErrF: "no suitable
// peers for placement".
const errCodeNoSuitablePeers jetstream.ErrorCode = 10005

// syncAlways: a hub fsyncs every acknowledged record unless told
// otherwise. An edge's streams are mirrors (and its function logs): what a
// power loss takes from them comes back from the hub, so by default it
// leaves syncing to NATS, which makes catching up several times faster.
func (cfg nodeConfig) syncAlways() bool {
	if cfg.LedgerSync == "" {
		return !cfg.Topology.Edge
	}
	return cfg.LedgerSync == "always"
}
