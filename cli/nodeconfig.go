package cli

import (
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vault-runtime/vault/edge/admin"
	"github.com/vault-runtime/vault/schemas"
)

// The node config file (vault serve --config FILE) is YAML; examples/node.yaml
// documents every key. It is read the way vault.yaml is: every problem is
// reported with its file:line:col, unknown keys are errors, and each
// section's own Validate (h2.Config, sched.Config, shield.Config) has the
// last word, its complaint placed at the key it names.
//
// Values: addresses and paths are strings (relative paths are relative to
// the working directory, as for flags); durations are Go durations ("10s",
// "1m30s"); sizes are whole bytes or a whole number of KiB, MiB or GiB
// ("16KiB", "1MiB"), in the file and in size flags alike; counts are whole
// numbers; zero means the default wherever the Go config says so.

// serveTarget is where a config file's values land.
type serveTarget struct {
	cfg      *nodeConfig
	logLevel *string
}

// applyNodeConfig reads the --config file, if any, into t, then puts back
// the flags given on the command line: flags override the file, the file
// overrides the defaults. The file is read over the defaults alone, so
// that its sections validate without the flags' values.
func applyNodeConfig(cmd *cobra.Command, path string, t serveTarget) error {
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
		if err := parseNodeConfig(path, data, t); err != nil {
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
	if err := t.cfg.Edge.HTTP2.Validate(); err != nil {
		return fmt.Errorf("HTTP/2 settings: %w", err)
	}
	return nil
}

// addNodeConfigFlags registers --config and the flags of settings that
// only the node config had before.
func addNodeConfigFlags(f *pflag.FlagSet, configFile *string, cfg *nodeConfig) {
	h := &cfg.Edge.HTTP2
	f.StringVar(configFile, "config", "", "node config file (YAML; see examples/node.yaml); flags override it")
	cfg.Topology.addFlags(f)
	f.StringVar(&cfg.AdminListen, "admin-listen", admin.DefaultAddr, "Prometheus /metrics, /healthz and /readyz address (HTTP/1.1); empty to disable")
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

// parseNodeConfig overlays the file's settings on t; file names it in errors.
func parseNodeConfig(file string, data []byte, t serveTarget) error {
	p := &configParser{schemas.NewYAMLReader(file, data)}
	root := p.Document()
	if root == nil {
		return p.Err() // nil for an empty file: the defaults
	}
	p.root(root, t)
	return p.Finish("a node config")
}
