package node

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/edge/shield"
	"github.com/vault-runtime/vault/schemas"
)

// parsed is what a config file gave, over the defaults.
type parsed struct {
	cfg      Config
	logLevel string
}

func parseConfig(data string) (*parsed, error) {
	p := &parsed{cfg: Config{Edge: edge.DefaultConfig()}, logLevel: "info"}
	err := ParseConfigFile("node.yaml", []byte(data), &p.cfg, &p.logLevel)
	return p, err
}

func TestNodeConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"SyntaxError", "listen: [\n", "node.yaml:1:1: did not find expected node content"},
		{"NotAMapping", "- listen\n", `node.yaml:1:1: a node config is a mapping of keys (data, listen, tls_listen, cert, key, admin_listen, nats_listen, nats_cert, nats_key, nats_auth, http2, scheduler, shield, limits, sockets, log_level, gc_percent, ledger_sync, topology)`},
		{"UnknownTopLevel", "listen: x\nlisen: y\n", `node.yaml:2:1: unknown key "lisen" (known: data, listen, tls_listen, cert, key, admin_listen, nats_listen, nats_cert, nats_key, nats_auth, http2, scheduler, shield, limits, sockets, log_level, gc_percent, ledger_sync, topology)`},
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
		{"EveryProblemInOrder", "log_level: loud\nhttp2:\n  nope: 1\nlisen: x\n", "node.yaml:1:12: log level \"loud\": want debug, info, warn or error\nnode.yaml:3:3: unknown key \"nope\" in http2 (known: max_concurrent_streams, max_frame_size, max_header_list_size, max_header_count, initial_window_size, connection_window_size, read_header_timeout, idle_timeout, stall_timeout, max_resets_per_second, max_control_frames_per_second, body_read_timeout, max_connection_body_buffer, max_body_buffer)\nnode.yaml:4:1: unknown key \"lisen\" (known: data, listen, tls_listen, cert, key, admin_listen, nats_listen, nats_cert, nats_key, nats_auth, http2, scheduler, shield, limits, sockets, log_level, gc_percent, ledger_sync, topology)"},
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
	data, err := os.ReadFile("../../examples/node.yaml")
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
gc_percent: 300
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
	if c.GCPercent != 300 {
		t.Errorf("gc_percent = %d, want 300", c.GCPercent)
	}
	if c.MaxLimits.CPUMillis != 200 || c.Edge.Sockets.ReusePort || c.Edge.Sockets.FastOpenQueue != 16 || p.logLevel != "debug" {
		t.Errorf("limits %+v, sockets %+v, log %q", c.MaxLimits, c.Edge.Sockets, p.logLevel)
	}
}

func FuzzNodeConfig(f *testing.F) {
	if data, err := os.ReadFile("../../examples/node.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &parsed{cfg: Config{Edge: edge.DefaultConfig()}}
		err := ParseConfigFile("f.yaml", data, &p.cfg, &p.logLevel)
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

// The config file's topology section takes the TLS keys of the flags.
func TestNodeConfigTopologyTLS(t *testing.T) {
	p, err := parseConfig("topology:\n  leaf_listen: 10.0.0.1:7422\n  leaf_cert: leaf.pem\n  leaf_key: leaf-key.pem\n" +
		"  cluster_cert: cluster.pem\n  cluster_key: cluster-key.pem\n  nats_ca: ca.pem\n")
	if err != nil {
		t.Fatal(err)
	}
	tp := p.cfg.Topology
	if tp.LeafCert != "leaf.pem" || tp.LeafKey != "leaf-key.pem" || tp.ClusterCert != "cluster.pem" || tp.ClusterKey != "cluster-key.pem" || tp.CA != "ca.pem" {
		t.Fatalf("topology = %+v", tp)
	}
}
