package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/edge/shield"
	"github.com/vault-runtime/vault/schemas"
)

// parsed is what a config file gave, over the defaults.
type parsed struct {
	cfg      nodeConfig
	logLevel string
}

func parseConfig(data string) (*parsed, error) {
	p := &parsed{cfg: nodeConfig{Edge: edge.DefaultConfig()}, logLevel: "info"}
	err := parseNodeConfig("node.yaml", []byte(data), serveTarget{&p.cfg, &p.logLevel})
	return p, err
}

func TestNodeConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"SyntaxError", "listen: [\n", "node.yaml:1:1: did not find expected node content"},
		{"NotAMapping", "- listen\n", `node.yaml:1:1: a node config is a mapping of keys (data, listen, tls_listen, cert, key, admin_listen, nats_listen, nats_cert, nats_key, nats_auth, http2, scheduler, shield, limits, sockets, log_level, ledger_sync, topology)`},
		{"UnknownTopLevel", "listen: x\nlisen: y\n", `node.yaml:2:1: unknown key "lisen" (known: data, listen, tls_listen, cert, key, admin_listen, nats_listen, nats_cert, nats_key, nats_auth, http2, scheduler, shield, limits, sockets, log_level, ledger_sync, topology)`},
		{"UnknownInHTTP2", "http2:\n  max_concurrent_streams: 100\n  max_frame_sise: 1\n", `node.yaml:3:3: unknown key "max_frame_sise" in http2 (known: max_concurrent_streams, max_frame_size, max_header_list_size, max_header_count, initial_window_size, connection_window_size, read_header_timeout, idle_timeout, stall_timeout, max_resets_per_second, max_control_frames_per_second, body_read_timeout, max_connection_body_buffer, max_body_buffer)`},
		{"UnknownInRate", "shield:\n  rate: {per_second: 1, bust: 2}\n", `node.yaml:2:25: unknown key "bust" in shield.rate (known: per_second, burst)`},
		{"DuplicateKey", "listen: a\nlisten: b\n", `node.yaml:2:1: duplicate field "listen" (first at line 1)`},
		{"SectionNotAMapping", "http2: 5\n", "node.yaml:1:8: http2 must be a mapping of keys (max_concurrent_streams, max_frame_size, max_header_list_size, max_header_count, initial_window_size, connection_window_size, read_header_timeout, idle_timeout, stall_timeout, max_resets_per_second, max_control_frames_per_second, body_read_timeout, max_connection_body_buffer, max_body_buffer)"},
		{"StringWanted", "listen: [a]\n", "node.yaml:1:9: want a string"},
		{"NullString", "cert: ~\n", "node.yaml:1:7: want a string"},
		{"BoolWanted", "sockets:\n  reuse_port: yes please\n", "node.yaml:2:15: want true or false"},
		{"WholeNumberWanted", "http2:\n  max_header_count: 1.5\n", "node.yaml:2:21: want a whole number"},
		{"NegativeCount", "scheduler:\n  executors: -1\n", "node.yaml:2:14: -1 is out of range: want 0 to 2147483647"},
		{"CountTooLarge", "http2:\n  max_concurrent_streams: 4294967296\n", "node.yaml:2:27: 4294967296 is out of range: want 0 to 4294967295"},
		{"SizeUnit", "http2:\n  max_frame_size: 16KB\n", `node.yaml:2:19: size "16KB": want whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB`},
		{"SizeFraction", "http2:\n  initial_window_size: 1.5MiB\n", `node.yaml:2:24: size "1.5MiB": want whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB`},
		{"SizeOverflow", "http2:\n  connection_window_size: 4GiB\n", `node.yaml:2:27: size "4GiB": at most 4294967295 bytes`},
		{"SizeNotScalar", "shield:\n  routes:\n    - {route: /, body_bytes: [1]}\n", "node.yaml:3:30: want a size: whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB"},
		{"DurationWithoutUnit", "http2:\n  idle_timeout: 10\n", `node.yaml:2:17: want a duration such as "10s" or "1m30s"`},
		{"NegativeDuration", "scheduler:\n  max_wait: -1s\n", "node.yaml:2:13: duration -1s must not be negative"},
		{"NumberWanted", "scheduler:\n  aging_rate: fast\n", "node.yaml:2:15: want a number, 0 or more"},
		{"Choice", "ledger_sync: sometimes\n", `node.yaml:1:14: "sometimes": want always or interval`},
		{"LogLevel", "log_level: loud\n", `node.yaml:1:12: log level "loud": want debug, info, warn or error`},
		{"H2Validate", "http2:\n  max_concurrent_streams: 10\n  max_frame_size: 1KiB\n", "node.yaml:3:19: h2: config max_frame_size = 1024: must be between 16384 and 16777215"},
		{"H2ValidateTwo", "http2:\n  initial_window_size: 100\n  max_header_list_size: 10\n", "node.yaml:2:24: h2: config initial_window_size = 100: must be between 65535 and 2147483647\nnode.yaml:3:25: h2: config max_header_list_size = 10: must be at least 1024"},
		{"SchedValidate", "scheduler:\n  executors: 2\n  min_limit: 5\n", "node.yaml:3:14: sched: invalid config: min_limit 5 above executors 2"},
		{"ShieldBadRoute", "shield:\n  routes:\n    - route: /ok\n    - route: no-slash\n", `node.yaml:4:7: shield: invalid config: rule 1: route "no-slash": path must start with /`},
		{"ShieldSameShape", "shield:\n  routes:\n    - route: /a/:x\n    - route: /a/:y\n", "node.yaml:4:7: shield: invalid config: rule 1: route /a/:y conflicts with /a/:x"},
		{"ShieldRouteMissing", "shield:\n  routes:\n    - body_bytes: 1\n", `node.yaml:3:7: a shield route needs a route pattern, such as "api.example.com/v1/*"`},
		{"ShieldRoutesNotAList", "shield:\n  routes: /a\n", "node.yaml:2:11: shield.routes must be a list of {route, rate, body_bytes}"},
		{"ShieldRate", "shield:\n  rate: {per_second: 2000000000}\n", "node.yaml:2:9: shield: invalid config: default rate: per_second 2e+09: want 0 (unlimited) up to 1e+09"},
		{"ShieldPrefix", "shield:\n  ipv6_prefix: 129\n", "node.yaml:2:16: shield: invalid config: ipv6_prefix 129: want 0 (default /64) up to 128"},
		{"TwoDocuments", "listen: a\n---\nlisten: b\n", `node.yaml:2:1: a node config is one YAML document; remove everything from this "---" on`},
		{"EveryProblemInOrder", "log_level: loud\nhttp2:\n  nope: 1\nlisen: x\n", "node.yaml:1:12: log level \"loud\": want debug, info, warn or error\nnode.yaml:3:3: unknown key \"nope\" in http2 (known: max_concurrent_streams, max_frame_size, max_header_list_size, max_header_count, initial_window_size, connection_window_size, read_header_timeout, idle_timeout, stall_timeout, max_resets_per_second, max_control_frames_per_second, body_read_timeout, max_connection_body_buffer, max_body_buffer)\nnode.yaml:4:1: unknown key \"lisen\" (known: data, listen, tls_listen, cert, key, admin_listen, nats_listen, nats_cert, nats_key, nats_auth, http2, scheduler, shield, limits, sockets, log_level, ledger_sync, topology)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.yaml)
			if err == nil {
				t.Fatalf("parsed without error; want\n%s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, schemas.ErrInvalid) {
				t.Errorf("error %v is not schemas.ErrInvalid", err)
			}
		})
	}
}

func TestNodeConfigEmptyIsDefaults(t *testing.T) {
	for _, data := range []string{"", "# nothing\n", "http2:\nshield:\n"} {
		p, err := parseConfig(data)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if def := edge.DefaultConfig(); p.cfg.Edge.HTTP2 != def.HTTP2 || p.cfg.Edge.Listen != def.Listen {
			t.Errorf("%q changed the defaults: %+v", data, p.cfg.Edge)
		}
	}
}

func TestExampleNodeConfig(t *testing.T) {
	data, err := os.ReadFile("../examples/node.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseConfig(string(data))
	if err != nil {
		t.Fatalf("examples/node.yaml: %v", err)
	}
	c := p.cfg
	// The example documents the defaults: parsing it changes nothing
	// that has one, and sets the shield's example routes.
	def := edge.DefaultConfig()
	if c.Edge.HTTP2 != def.HTTP2 {
		t.Errorf("http2 = %+v; want the defaults %+v", c.Edge.HTTP2, def.HTTP2)
	}
	if c.Edge.Sockets != def.Sockets {
		t.Errorf("sockets = %+v; want the defaults %+v", c.Edge.Sockets, def.Sockets)
	}
	if c.Edge.Scheduler.QueueSize != def.Scheduler.QueueSize || c.Edge.Scheduler.Tick != def.Scheduler.Tick ||
		c.Edge.Scheduler.MaxWait != def.Scheduler.MaxWait || c.Edge.Scheduler.AgingRate != def.Scheduler.AgingRate {
		t.Errorf("scheduler = %+v; want the defaults %+v", c.Edge.Scheduler, def.Scheduler)
	}
	if c.Data != ".vault" || c.Edge.Listen != "127.0.0.1:8080" || c.NATSListen != "127.0.0.1:4222" || c.NATSAuth != "keyring" ||
		c.LedgerSync != "" || p.logLevel != "info" || p.cfg.AdminListen != "127.0.0.1:9090" {
		t.Errorf("top-level keys: %+v, log %q, admin %q", c, p.logLevel, p.cfg.AdminListen)
	}
	want := []shield.Rule{
		{Route: "api.example.com/v1/*", Rate: shield.Rate{PerSecond: 10, Burst: 20}},
		{Route: "/upload/*", BodyBytes: 10 << 20},
	}
	if got := c.Edge.Shield.Rules; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("shield routes = %+v; want %+v", got, want)
	}
	if c.Edge.Shield.MaxClients != shield.DefaultMaxClients || c.Edge.Shield.IPv6Prefix != 64 {
		t.Errorf("shield = %+v", c.Edge.Shield)
	}
	if _, err := shield.New(c.Edge.Shield); err != nil {
		t.Errorf("shield.New: %v", err)
	}
	if c.MaxArtifactBytes != schemas.DefaultMaxArtifactBytes {
		t.Errorf("limits.max_artifact_size = %d, want the default %d", c.MaxArtifactBytes, schemas.DefaultMaxArtifactBytes)
	}
}

func TestNodeConfigValues(t *testing.T) {
	p, err := parseConfig(`
listen: ""
tls_listen: 0.0.0.0:443
cert: c.pem
key: k.pem
http2:
  max_concurrent_streams: 64
  max_frame_size: 1MiB
  max_header_list_size: 65536
  initial_window_size: 256 KiB
  connection_window_size: 1GiB
  idle_timeout: 1m30s
scheduler: {executors: 8, tick: 500us, aging_rate: 2.5}
shield:
  routes:
    - route: /a/*
    - route: /b/*
      rate: {per_second: 0}
  rate: {per_second: 0.5, burst: 3}
limits: {max_cpu_ms: 200, max_artifact_size: 5MiB}
sockets: {reuse_port: false, fast_open_queue: 16}
log_level: debug
`)
	if err != nil {
		t.Fatal(err)
	}
	c, h := p.cfg, p.cfg.Edge.HTTP2
	if c.Edge.Listen != "" || c.Edge.TLSListen != "0.0.0.0:443" || c.Edge.CertFile != "c.pem" || c.Edge.KeyFile != "k.pem" {
		t.Errorf("listeners = %+v", c.Edge)
	}
	if h.MaxConcurrentStreams != 64 || h.MaxFrameSize != 1<<20 || h.MaxHeaderListSize != 65536 ||
		h.InitialWindowSize != 256<<10 || h.ConnWindowSize != 1<<30 || h.IdleTimeout != 90*time.Second {
		t.Errorf("http2 = %+v", h)
	}
	if s := c.Edge.Scheduler; s.Executors != 8 || s.Tick != 500*time.Microsecond || s.AgingRate != 2.5 {
		t.Errorf("scheduler = %+v", s)
	}
	// a route without a rate gets the default, even one written after it
	def := shield.Rate{PerSecond: 0.5, Burst: 3}
	if s := c.Edge.Shield; s.Default != def || s.Rules[0].Rate != def || !s.Rules[1].Rate.Unlimited() {
		t.Errorf("shield = %+v", s)
	}
	if c.MaxArtifactBytes != 5<<20 {
		t.Errorf("limits.max_artifact_size = %d, want 5 MiB", c.MaxArtifactBytes)
	}
	if c.MaxLimits.CPUMillis != 200 || c.Edge.Sockets.ReusePort || c.Edge.Sockets.FastOpenQueue != 16 || p.logLevel != "debug" {
		t.Errorf("limits %+v, sockets %+v, log %q", c.MaxLimits, c.Edge.Sockets, p.logLevel)
	}
}

// testServeCommand has serve's config flags and a RunE that only loads
// the config, so that flags and file meet as in 'vault serve'.
func testServeCommand(got *parsed) *cobra.Command {
	got.cfg = nodeConfig{Edge: edge.DefaultConfig()}
	var configFile string
	cmd := &cobra.Command{RunE: func(cmd *cobra.Command, _ []string) error {
		return applyNodeConfig(cmd, configFile, serveTarget{&got.cfg, &got.logLevel})
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

func FuzzNodeConfig(f *testing.F) {
	if data, err := os.ReadFile("../examples/node.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &parsed{cfg: nodeConfig{Edge: edge.DefaultConfig()}}
		err := parseNodeConfig("f.yaml", data, serveTarget{&p.cfg, &p.logLevel})
		if err != nil {
			var errs schemas.PosErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not a non-empty PosErrors", err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Col < 1 || e.File != "f.yaml" || e.Msg == "" {
					t.Errorf("error without a position: %+v", e)
				}
			}
			return
		}
		// What parses is what the engines accept.
		if err := p.cfg.Edge.HTTP2.Validate(); err != nil {
			t.Errorf("accepted, but http2 is invalid: %v", err)
		}
		if err := p.cfg.Edge.Scheduler.Validate(); err != nil {
			t.Errorf("accepted, but scheduler is invalid: %v", err)
		}
		if _, err := shield.New(p.cfg.Edge.Shield); err != nil {
			t.Errorf("accepted, but shield is invalid: %v", err)
		}
	})
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
