package node

import (
	"context"
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
func (n *Node) connectNATS(cfg Config, nodeKey *events.Signer, jsKey string, sec natsSecurity, authed bool) (jetstream.JetStream, error) {
	log := cfg.Log.With("component", "nats")
	var connOpts []nats.Option
	url := cfg.Topology.External
	if url == "" {
		var err error
		if n.ns, n.NATSURL, err = startNATS(cfg, nodeKey, jsKey, sec, log); err != nil {
			return nil, err
		}
		connOpts = append(connOpts, nats.InProcessServer(n.ns))
		if authed {
			opt, err := NkeyOption(nodeKey)
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
// stores with keys derived from storeKey. Its leaf and cluster
// connections get TLS as the topology says; a hub's leaf listener with
// TLS admits edges by their node keys (leafAuth), its routes with TLS
// the other hubs by theirs (routeAuth).
func startNATS(cfg Config, nodeKey *events.Signer, storeKey string, sec natsSecurity, log *slog.Logger) (*server.Server, string, error) {
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
	if err := cfg.Topology.apply(opts, nodeKey.ID); err != nil {
		return nil, "", err
	}
	var trust, projected func() *events.Keyring
	if ka, ok := sec.Auth.(*keyringAuth); ok {
		trust, projected = ka.keyring, ka.projected
	}
	guards, err := cfg.Topology.applyTLS(opts, nodeKey, trust, projected, log)
	if err != nil {
		return nil, "", err
	}
	leaf := guards.leaf
	if sec.TLS != nil {
		opts.TLS, opts.TLSConfig, opts.TLSTimeout = true, sec.TLS, 2
	}
	if sec.Auth != nil || leaf != nil {
		// One hook for both: nats-server checks accepted leaf connections
		// with the client authentication (linkAuth tells them apart).
		opts.CustomClientAuthentication = linkAuth{clients: sec.Auth, leaf: leaf}
		opts.AlwaysEnableNonce = sec.Auth != nil
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("embedded NATS: %w", err)
	}
	switch {
	case cfg.Topology.Edge:
		ns.SetLogger(edgeNATSLogger{natsLogger{log}, nodeKey.ID}, false, false)
	case guards.routes != nil:
		ns.SetLogger(newHubNATSLogger(log, nodeKey.ID), false, false)
	default:
		ns.SetLogger(natsLogger{log}, false, false)
	}
	ns.Start()
	if leaf != nil || guards.routes != nil {
		stop := make(chan struct{})
		go func() { ns.WaitForShutdown(); close(stop) }()
		if leaf != nil {
			go leaf.watch(ns, stop)
		}
		if guards.routes != nil {
			go guards.routes.watch(ns, opts, stop)
		}
	}
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
	log.Info("embedded NATS ready", "url", url, "store", opts.StoreDir, "role", cfg.Topology.Role(), "domain", opts.JetStreamDomain,
		"leaf", cfg.Topology.LeafListen, "cluster", cfg.Topology.ClusterListen,
		"leaf_tls", opts.LeafNode.TLSConfig != nil || cfg.Topology.edgeTLS(), "cluster_tls", opts.Cluster.TLSConfig != nil)
	return ns, url, nil
}

// openArtifacts opens the artifact store: a hub's own object store, or an
// edge's mirror of the hub's, with the hub as a fallback for a blob the
// mirror has not received yet.
func (n *Node) openArtifacts(ctx context.Context, js jetstream.JetStream, topo ledger.Topology, sealer *ledger.Sealer, log *slog.Logger) (*ledger.Artifacts, error) {
	if topo.Mirror == "" {
		obs, err := ledger.CreateArtifactBucket(ctx, js, topo.Replicas)
		if err != nil {
			return nil, err
		}
		return ledger.NewArtifacts(js, obs, n.db, sealer, log), nil
	}
	if _, err := topo.OpenStream(ctx, js, ledger.ArtifactStreamConfig()); err != nil {
		return nil, err
	}
	obs, err := ledger.OpenArtifactBucket(ctx, js, false)
	if err != nil {
		return nil, err
	}
	arts := ledger.NewArtifacts(js, obs, n.db, sealer, log)
	arts.Fallback = func(context.Context) (jetstream.JetStream, error) {
		return jetstream.NewWithDomain(n.nc, topo.Mirror)
	}
	return arts, nil
}

// syncAlways: a hub fsyncs every acknowledged record unless told
// otherwise. An edge's streams are mirrors (and its function logs): what a
// power loss takes from them comes back from the hub, so by default it
// leaves syncing to NATS, which makes catching up several times faster.
func (cfg Config) syncAlways() bool {
	if cfg.LedgerSync == "" {
		return !cfg.Topology.Edge
	}
	return cfg.LedgerSync == "always"
}
