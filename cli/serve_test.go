package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge"
)

// parsed is what a config file gave, over the defaults.
type parsed struct {
	cfg      node.Config
	logLevel string
}

// testServeCommand has serve's config flags and a RunE that only loads
// the config, so that flags and file meet as in 'vault serve'.
func testServeCommand(got *parsed) *cobra.Command {
	got.cfg = node.Config{Edge: edge.DefaultConfig()}
	var configFile string
	cmd := &cobra.Command{RunE: func(cmd *cobra.Command, _ []string) error {
		return applyNodeConfig(cmd, configFile, &got.cfg, &got.logLevel)
	}}
	f := cmd.Flags()
	f.StringVar(&got.cfg.Edge.Listen, "listen", got.cfg.Edge.Listen, "")
	f.StringVar(&got.logLevel, "log-level", "info", "")
	addNodeConfigFlags(f, &configFile, &got.cfg)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd
}

func TestFlagsOverrideNodeConfig(t *testing.T) {
	example, _ := filepath.Abs("../examples/node.yaml")
	dir := t.TempDir()
	file := filepath.Join(dir, "node.yaml")
	os.WriteFile(file, []byte("listen: 127.0.0.1:1\nadmin_listen: 127.0.0.1:2\nlog_level: warn\n"+
		"http2: {max_frame_size: 64KiB, max_concurrent_streams: 10, idle_timeout: 5s}\n"), 0o600)

	t.Run("FileOverDefaults", func(t *testing.T) {
		var got parsed
		cmd := testServeCommand(&got)
		cmd.SetArgs([]string{"--config", file})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.cfg.Edge.Listen != "127.0.0.1:1" || got.cfg.AdminListen != "127.0.0.1:2" || got.logLevel != "warn" ||
			got.cfg.Edge.HTTP2.MaxFrameSize != 64<<10 || got.cfg.Edge.HTTP2.MaxConcurrentStreams != 10 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("FlagsOverFile", func(t *testing.T) {
		var got parsed
		cmd := testServeCommand(&got)
		// flags both before and after --config: order does not matter
		cmd.SetArgs([]string{"--listen", "127.0.0.1:3", "--config", file, "--admin-listen", "",
			"--h2-max-frame-size", "1MiB", "--h2-idle-timeout", "1m"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		h := got.cfg.Edge.HTTP2
		if got.cfg.Edge.Listen != "127.0.0.1:3" || got.cfg.AdminListen != "" || h.MaxFrameSize != 1<<20 || h.IdleTimeout != time.Minute {
			t.Errorf("flags did not win: %+v", got)
		}
		if h.MaxConcurrentStreams != 10 || got.logLevel != "warn" {
			t.Errorf("the file's other values were lost: %+v", got)
		}
	})
	t.Run("FlagsOverExample", func(t *testing.T) {
		var got parsed
		cmd := testServeCommand(&got)
		cmd.SetArgs([]string{"--config", example, "--h2-max-concurrent-streams", "7", "--h2-connection-window-size", "8MiB"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if h := got.cfg.Edge.HTTP2; h.MaxConcurrentStreams != 7 || h.ConnWindowSize != 8<<20 || h.InitialWindowSize != 1<<20 {
			t.Errorf("http2 = %+v", h)
		}
		if len(got.cfg.Edge.Shield.Rules) != 2 {
			t.Errorf("shield rules = %+v", got.cfg.Edge.Shield.Rules)
		}
	})
	t.Run("TopologyListFlagsOverFile", func(t *testing.T) {
		topo := filepath.Join(dir, "edge.yaml")
		os.WriteFile(topo, []byte("topology:\n  edge: true\n  hub: [nats-leaf://127.0.0.1:1, nats-leaf://127.0.0.1:2]\n  cluster_name: c\n"), 0o600)
		var got parsed
		cmd := testServeCommand(&got)
		cmd.SetArgs([]string{"--config", topo})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if tp := got.cfg.Topology; !tp.Edge || len(tp.Hubs) != 2 || tp.Hubs[1] != "nats-leaf://127.0.0.1:2" || tp.ClusterName != "c" {
			t.Errorf("topology from the file = %+v", tp)
		}
		got = parsed{}
		cmd = testServeCommand(&got)
		cmd.SetArgs([]string{"--hub", "nats-leaf://127.0.0.1:9", "--config", topo})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if tp := got.cfg.Topology; !tp.Edge || len(tp.Hubs) != 1 || tp.Hubs[0] != "nats-leaf://127.0.0.1:9" {
			t.Errorf("--hub did not replace the file's list: %+v", tp)
		}
	})
	t.Run("BadFlagValue", func(t *testing.T) {
		var got parsed
		cmd := testServeCommand(&got)
		cmd.SetArgs([]string{"--h2-max-frame-size", "1KiB"})
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), "MaxFrameSize = 1024") {
			t.Errorf("err = %v; want the h2 validation failure", err)
		}
	})
	t.Run("MissingFile", func(t *testing.T) {
		var got parsed
		cmd := testServeCommand(&got)
		cmd.SetArgs([]string{"--config", filepath.Join(dir, "nope.yaml")})
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "read node config") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestServeReadsConfig runs the real 'vault serve': a bad file stops it
// before anything starts, with the file's position.
func TestServeReadsConfig(t *testing.T) {
	cmd := serveCommand()
	cmd.SetArgs([]string{"--config", "testdata/nodeconfig/typo.yaml", "--data", t.TempDir()})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	if err == nil || !strings.HasPrefix(err.Error(), `testdata/nodeconfig/typo.yaml:4:3: unknown key "max_frame_sise" in http2`) {
		t.Errorf("err = %v", err)
	}
}

// TestMaxArtifactSizeFlags: serve and deploy take the limit in the
// config's size syntax, 25MiB unless given.
func TestMaxArtifactSizeFlags(t *testing.T) {
	for _, cmd := range []*cobra.Command{serveCommand(), deployCommand()} {
		f := cmd.Flags().Lookup("max-artifact-size")
		if f == nil || f.DefValue != "25MiB" {
			t.Fatalf("%s --max-artifact-size = %+v, want a flag defaulting to 25MiB", cmd.Name(), f)
		}
	}
	var s size64Flag
	for _, tt := range []struct{ in, out string }{{"1MiB", "1MiB"}, {"1536", "1536"}, {"3072", "3KiB"}, {"0", "0"}, {"8GiB", "8GiB"}} {
		if err := s.Set(tt.in); err != nil || s.String() != tt.out {
			t.Errorf("Set(%q) = %v, String() = %q; want %q", tt.in, err, s.String(), tt.out)
		}
	}
	if err := s.Set("1.5MiB"); err == nil {
		t.Error("Set(1.5MiB) succeeded")
	}
}
