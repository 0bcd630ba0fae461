package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/schemas"
)

func serveCommand() *cobra.Command {
	cfg := node.Config{Edge: edge.DefaultConfig(), MaxArtifactBytes: schemas.DefaultMaxArtifactBytes}
	var logLevel, configFile string
	cmd := &cobra.Command{
		Use:   "serve --data DIR",
		Short: "Run a node: embedded NATS with JetStream, the ledger, the projector and the HTTP/2 edge",
		Long: `Serve runs a Vault node on an initialised data directory. It starts an embedded
NATS server with JetStream (the ledger stream and the artifact store live under
DIR), replays the ledger into the route table, and only then serves HTTP/2:
h2c with prior knowledge on --listen and, with --cert and --key, TLS 1.3 on
--tls-listen. SIGINT or SIGTERM drain in-flight requests and stop cleanly.

The node key is encrypted: its passphrase comes from $VAULT_PASSPHRASE, else
the terminal. The embedded NATS listens on loopback and admits the node itself,
clients that sign its nonce with a key the ledger trusts, and, on loopback,
clients without a key read-only (--nats-auth keyring, the default); --nats-listen
beyond loopback needs --nats-cert and --nats-key and admits keyed clients only.
--nats-auth none turns authentication off (loopback only).

Multi-node: a hub holds the ledger; with --leaf-listen it accepts edges,
and with --cluster-listen and --routes three hubs form a NATS cluster whose
streams keep three replicas. An edge (--edge --hub nats-leaf://HOST:PORT) runs
its embedded NATS as a leaf node of the hubs with its own JetStream domain,
mirrors the hub's ledger, checkpoints and artifacts (same sequence numbers),
and projects from its mirror: it keeps serving its last verified state while
the hub is unreachable and catches up when the link returns. Commands run
against an edge send their appends and uploads on to the hub. An edge's data
directory comes from 'vault init --join GENESIS'. --nats URL runs the node on
an existing NATS with JetStream instead of the embedded server.

Beyond loopback, a hub's --leaf-listen needs --leaf-cert and --leaf-key (TLS
1.3); it then admits only edges that present their node key (a certificate
made from it) and whose key the ledger trusts with the witness or log role
('vault keys add KEY --role witness'); revoking the key closes the edge's link.
Edges verify the hub with --nats-ca. Hubs clustered beyond loopback present
--cluster-cert to each other, a certificate the --nats-ca CA issued for the
hub's node key ('vault keys csr'); once the ledger's keyring is projected
they admit a hub by its key ('vault keys add KEY --role log'; until the
keyring names the cluster's hubs, the CA admits a key it does not name),
and revoking the key closes the hub's routes.

The edge binds with SO_REUSEPORT, TCP_DEFER_ACCEPT and TCP_FASTOPEN, but
refuses a port that anything else has bound. DIR is locked (DIR/LOCK holds the
node's pid): a second node on it fails at once, naming the first.

--takeover replaces the node running on DIR without refusing a connection
(a zero-downtime restart, e.g. onto a new binary): it binds the same edge
ports next to the running node's, sends that node SIGTERM (it stops
accepting, finishes its in-flight requests and exits), waits for the lock
(--takeover-timeout), starts, and accepts the connections that queued up
meanwhile once its routes are loaded. Use the same --listen and --tls-listen
as the running node. The limit is Linux's: connections that sit in the old
node's accept queue at the instant it closes its listeners are reset, unless
net.ipv4.tcp_migrate_req=1 (Linux 5.14+), which moves them to the new node.
The node warns when it is 0; it does not set it.`,
		Example: `  vault serve --data .vault
  vault serve --config node.yaml --listen 127.0.0.1:9000    # flags override the file (see examples/node.yaml)
  vault serve --data .vault --listen 127.0.0.1:8080 --tls-listen 127.0.0.1:8443 --cert cert.pem --key key.pem
  vault serve --data .vault --takeover    # replace the node running on .vault, same ports
  vault serve --data hub --leaf-listen 127.0.0.1:7422
  vault serve --data edge1 --edge --hub nats-leaf://127.0.0.1:7422 --listen 127.0.0.1:8081 --nats-listen 127.0.0.1:4223
  vault serve --data hub --leaf-listen 10.0.0.1:7422 --leaf-cert leaf.pem --leaf-key leaf-key.pem
  vault serve --data edge1 --edge --hub nats-leaf://10.0.0.1:7422 --nats-ca ca.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyNodeConfig(cmd, configFile, &cfg, &logLevel); err != nil {
				return err
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			cfg.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			return runServe(cmd.Context(), cmd, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Data, "data", ".vault", "data directory made by 'vault init'")
	f.StringVar(&cfg.Edge.Listen, "listen", cfg.Edge.Listen, "h2c (HTTP/2 prior knowledge) address; empty to disable")
	f.StringVar(&cfg.NATSListen, "nats-listen", "127.0.0.1:4222", "embedded NATS client address; beyond loopback it needs --nats-cert and --nats-key (and --nats-auth keyring, the default)")
	f.StringVar(&cfg.NATSCert, "nats-cert", "", "TLS certificate (PEM) of the NATS client port")
	f.StringVar(&cfg.NATSKey, "nats-key", "", "TLS private key (PEM) of the NATS client port")
	f.StringVar(&cfg.NATSAuth, "nats-auth", "keyring", "NATS client authentication: 'keyring' (clients sign with a key the ledger trusts; on loopback, clients without a key are read-only) or 'none' (no authentication, loopback only)")
	f.StringVar(&cfg.Edge.TLSListen, "tls-listen", "", "TLS 1.3 (ALPN h2) address")
	f.StringVar(&cfg.Edge.CertFile, "cert", "", "TLS certificate (PEM)")
	f.StringVar(&cfg.Edge.KeyFile, "key", "", "TLS private key (PEM)")
	f.Int64Var(&cfg.MaxLimits.CPUMillis, "max-cpu-ms", 0, "the most CPU time a function's invocation may ask for, in ms (0: no cap beyond the manifest)")
	f.Int64Var(&cfg.MaxLimits.WallMillis, "max-wall-ms", 0, "the most wall time a function's invocation may ask for, in ms (0: no cap)")
	f.Int64Var(&cfg.MaxLimits.MemoryMB, "max-memory-mb", 0, "the most heap growth a function's invocation may ask for, in MiB (0: no cap)")
	f.Var((*size64Flag)(&cfg.MaxArtifactBytes), "max-artifact-size", "the largest function artifact this node admits in a deploy, fetches and compiles (bytes, or KiB/MiB/GiB; 0: 25MiB)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&cfg.Takeover, "takeover", false, "replace the node running on --data without refusing connections (see above)")
	f.DurationVar(&cfg.TakeoverTimeout, "takeover-timeout", 60*time.Second, "how long --takeover waits for the running node to drain and release the data directory")
	addNodeConfigFlags(f, &configFile, &cfg)
	f.StringVar(&cfg.LedgerSync, "ledger-sync", "", "when JetStream fsyncs: 'always' (every acknowledged record survives power loss) or 'interval' (NATS's periodic sync: faster; survives a process crash but not power loss); default: always on a hub, interval on an edge, whose streams are mirrors it refetches from the hub")
	return cmd
}

func runServe(ctx context.Context, cmd *cobra.Command, cfg node.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	start := time.Now()
	applyGCPercent(cfg.GCPercent, cfg.Log)
	genesis, err := os.ReadFile(filepath.Join(cfg.Data, genesisFile))
	if err != nil {
		return fmt.Errorf("%s is not an initialised data directory (run 'vault init --data %s'): %w", cfg.Data, cfg.Data, err)
	}
	nodeKey, err := loadKey(filepath.Join(cfg.Data, nodeKeyFile))
	if err != nil {
		return err
	}
	cfg.Genesis, cfg.NodeKey = genesis, nodeKey
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "vault node ready in %v\n", time.Since(start).Round(time.Millisecond))
	addrs := n.Addrs()
	if a := addrs["h2c"]; a != "" {
		fmt.Fprintf(out, "  h2c  http://%s/\n", a)
	}
	if a := addrs["tls"]; a != "" {
		fmt.Fprintf(out, "  tls  https://%s/\n", a)
	}
	fmt.Fprintf(out, "  nats %s (%s)\n", n.NATSURL, cfg.Topology.Role())
	if a := cfg.Topology.LeafListen; a != "" {
		fmt.Fprintf(out, "  leaf nats-leaf://%s\n", a)
	}
	if a := n.AdminAddr(); a != "" {
		fmt.Fprintf(out, "  admin http://%s/metrics\n", a)
	}
	if f, ok := out.(*os.File); ok {
		f.Sync()
	}
	var failure error
	select {
	case <-ctx.Done():
	case <-n.Done():
		// A node that no longer applies the ledger must not keep serving
		// and accepting appends as if it did.
		failure = fmt.Errorf("projector stopped: %v", n.Err())
		cfg.Log.Error("stopping: the projector stopped", "err", n.Err())
	}
	cfg.Log.Info("stopping: draining in-flight requests")
	drain, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Close(drain); err != nil && failure == nil {
		return fmt.Errorf("stop node: %w", err)
	}
	cfg.Log.Info("stopped")
	return failure
}
