package cli

import (
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge/admin"
	"github.com/vault-runtime/vault/schemas"
)

// The node config file (vault serve --config FILE) is read by
// node.ParseConfigFile: examples/node.yaml documents every key. Flags
// override it; size flags take its size syntax.

// applyNodeConfig reads the --config file, if any, into cfg and logLevel, then puts back
// the flags given on the command line: flags override the file, the file
// overrides the defaults. The file is read over the defaults alone, so
// that its sections validate without the flags' values.
func applyNodeConfig(cmd *cobra.Command, path string, cfg *node.Config, logLevel *string) error {
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read node config: %w", err)
		}
		given := map[string]string{}
		lists := map[string][]string{} // slice flags do not round-trip through String
		cmd.Flags().Visit(func(f *pflag.Flag) {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				lists[f.Name] = sv.GetSlice()
				sv.Replace(nil)
				return
			}
			given[f.Name] = f.Value.String()
			f.Value.Set(f.DefValue)
		})
		if err := node.ParseConfigFile(path, data, cfg, logLevel); err != nil {
			return err
		}
		for name, v := range given {
			if err := cmd.Flags().Set(name, v); err != nil {
				return fmt.Errorf("--%s: %w", name, err)
			}
		}
		for name, v := range lists {
			if err := cmd.Flags().Lookup(name).Value.(pflag.SliceValue).Replace(v); err != nil {
				return fmt.Errorf("--%s: %w", name, err)
			}
		}
	}
	if err := cfg.Edge.HTTP2.Validate(); err != nil {
		return fmt.Errorf("HTTP/2 settings: %w", err)
	}
	return nil
}

// addNodeConfigFlags registers --config and the flags of settings that
// only the node config had before.
func addNodeConfigFlags(f *pflag.FlagSet, configFile *string, cfg *node.Config) {
	h := &cfg.Edge.HTTP2
	f.StringVar(configFile, "config", "", "node config file (YAML; see examples/node.yaml); flags override it")
	addTopologyFlags(f, &cfg.Topology)
	f.StringVar(&cfg.AdminListen, "admin-listen", admin.DefaultAddr, "Prometheus /metrics, /healthz and /readyz address (HTTP/1.1); empty to disable")
	f.IntVar(&cfg.GCPercent, "gc-percent", 0, fmt.Sprintf("the Go garbage collector's target, as GOGC (0: %d; the GOGC environment variable wins)", DefaultGCPercent))
	f.Uint32Var(&h.MaxConcurrentStreams, "h2-max-concurrent-streams", h.MaxConcurrentStreams, "HTTP/2 streams a client may open at once per connection")
	f.Var((*sizeFlag)(&h.MaxFrameSize), "h2-max-frame-size", "largest HTTP/2 frame payload accepted, 16KiB to 16MiB-1 (bytes, or KiB/MiB)")
	f.Var((*sizeFlag)(&h.MaxHeaderListSize), "h2-max-header-list-size", "largest request header list, counted as RFC 9113 does (bytes, or KiB/MiB)")
	f.IntVar(&h.MaxHeaderCount, "h2-max-header-count", h.MaxHeaderCount, "most header fields in a request")
	f.Var((*sizeFlag)(&h.InitialWindowSize), "h2-initial-window-size", "per-stream receive window for request bodies (bytes, or KiB/MiB)")
	f.Var((*sizeFlag)(&h.ConnWindowSize), "h2-connection-window-size", "per-connection receive window (bytes, or KiB/MiB)")
	f.DurationVar(&h.ReadHeaderTimeout, "h2-read-header-timeout", h.ReadHeaderTimeout, "time for the handshake, the preface and each header block")
	f.DurationVar(&h.IdleTimeout, "h2-idle-timeout", h.IdleTimeout, "closes a connection with no open stream after this long")
	f.DurationVar(&h.BodyReadTimeout, "h2-body-read-timeout", h.BodyReadTimeout, "longest gap between a request body's DATA frames while the function waits for them (408)")
	f.Var((*size64Flag)(&h.MaxConnBodyBuffer), "h2-max-connection-body-buffer", "request-body bytes one connection may have buffered; beyond, flow control holds the client (bytes, or KiB/MiB)")
	f.Var((*size64Flag)(&h.MaxBodyBuffer), "h2-max-body-buffer", "request-body bytes buffered across all connections; beyond, requests get 503 (bytes, or KiB/MiB/GiB)")
}

// sizeFlag is a uint32 flag that takes the config file's size syntax.
type sizeFlag uint32

func (s *sizeFlag) String() string { return strconv.FormatUint(uint64(*s), 10) }
func (s *sizeFlag) Type() string   { return "size" }
func (s *sizeFlag) Set(v string) error {
	n, err := schemas.ParseSize(v, math.MaxUint32)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// size64Flag is an int64 flag that takes the config file's size syntax.
type size64Flag int64

func (s *size64Flag) String() string { return formatSizeFlag(int64(*s)) }
func (s *size64Flag) Type() string   { return "size" }
func (s *size64Flag) Set(v string) error {
	n, err := schemas.ParseSize(v, math.MaxInt64)
	if err != nil {
		return err
	}
	*s = size64Flag(n)
	return nil
}

// formatSizeFlag writes n in the largest unit that divides it, as
// schemas.ParseSize reads it back ("25MiB").
func formatSizeFlag(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n > 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// addTopologyFlags registers the topology's flags (the config file's topology
// section).
func addTopologyFlags(f *pflag.FlagSet, t *node.Topology) {
	f.BoolVar(&t.Edge, "edge", false, "run as an edge: mirror the hub's ledger and artifacts over a leaf connection (--hub) and serve from the mirror")
	f.StringSliceVar(&t.Hubs, "hub", nil, "an edge's hub(s): nats-leaf://HOST:PORT, the hubs' --leaf-listen (comma-separated for a cluster)")
	f.StringVar(&t.LeafListen, "leaf-listen", "", "a hub's address for edges' leaf connections; beyond loopback it needs --leaf-cert and --leaf-key")
	f.StringVar(&t.LeafCert, "leaf-cert", "", "TLS certificate (PEM) of the leaf listener; edges must then present a node key the ledger trusts with the witness or log role")
	f.StringVar(&t.LeafKey, "leaf-key", "", "TLS private key (PEM) of the leaf listener")
	f.StringVar(&t.ClusterListen, "cluster-listen", "", "a hub's NATS cluster address, to run three hubs with R3 streams; beyond loopback it needs --cluster-cert and --nats-ca")
	f.StringVar(&t.ClusterCert, "cluster-cert", "", "TLS certificate (PEM) for the hub's node key, issued by --nats-ca from 'vault keys csr' (serverAuth and clientAuth usages), presented to the other hubs both ways; they admit it by the ledger's keyring once it is projected")
	f.StringVar(&t.ClusterKey, "cluster-key", "", "not used any more: the node key is --cluster-cert's key")
	f.StringVar(&t.CA, "nats-ca", "", "CA certificate(s) (PEM) that issued the hubs' leaf and cluster certificates (else $VAULT_NATS_CA, else the system's roots); with it an edge dials its hub over TLS, as it always does beyond loopback")
	f.StringSliceVar(&t.Routes, "routes", nil, "the other hubs' cluster addresses: nats-route://HOST:PORT,...")
	f.StringVar(&t.ClusterName, "cluster-name", "vault", "the hubs' NATS cluster name")
	f.StringVar(&t.External, "nats", "", "run on an existing NATS with JetStream at this URL instead of the embedded server")
}
