package node

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/edge/shield"
)

// The section readers: one per mapping of the file, each naming its keys
// and, where a Go config has a Validate, placing its complaint.

// root reads the top level of the file.
func (p *configParser) root(doc *yaml.Node, t serveTarget) {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	c := t.cfg
	p.section("", n, []field{
		{"data", "", p.str(&c.Data)},
		{"listen", "", p.str(&c.Edge.Listen)},
		{"tls_listen", "", p.str(&c.Edge.TLSListen)},
		{"cert", "", p.str(&c.Edge.CertFile)},
		{"key", "", p.str(&c.Edge.KeyFile)},
		{"admin_listen", "", p.str(&c.AdminListen)},
		{"nats_listen", "", p.str(&c.NATSListen)},
		{"nats_cert", "", p.str(&c.NATSCert)},
		{"nats_key", "", p.str(&c.NATSKey)},
		{"nats_auth", "", p.oneOf(&c.NATSAuth, "none", "keyring")},
		{"http2", "", p.http2(c)},
		{"scheduler", "", p.scheduler(c)},
		{"shield", "", p.shield(c)},
		{"limits", "", p.limits(c)},
		{"sockets", "", p.sockets(c)},
		{"log_level", "", p.logLevel(t.logLevel)},
		{"gc_percent", "", p.count(&c.GCPercent)},
		{"ledger_sync", "", p.oneOf(&c.LedgerSync, "always", "interval")},
		{"topology", "", p.topology(c)},
	})
}

func (p *configParser) topology(c *Config) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		t := &c.Topology
		fields := []field{
			{"edge", "", p.boolean(&t.Edge)},
			{"hub", "", p.strs(&t.Hubs)},
			{"leaf_listen", "", p.str(&t.LeafListen)},
			{"cluster_listen", "", p.str(&t.ClusterListen)},
			{"routes", "", p.strs(&t.Routes)},
			{"cluster_name", "", p.str(&t.ClusterName)},
			{"nats", "", p.str(&t.External)},
			{"leaf_cert", "", p.str(&t.LeafCert)},
			{"leaf_key", "", p.str(&t.LeafKey)},
			{"cluster_cert", "", p.str(&t.ClusterCert)},
			{"cluster_key", "", p.str(&t.ClusterKey)},
			{"nats_ca", "", p.str(&t.CA)},
		}
		p.section("topology", n, fields)
		return true
	}
}

func (p *configParser) http2(c *Config) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		h := &c.Edge.HTTP2
		fields := []field{
			{"max_concurrent_streams", "MaxConcurrentStreams", p.count32(&h.MaxConcurrentStreams)},
			{"max_frame_size", "MaxFrameSize", p.size32(&h.MaxFrameSize)},
			{"max_header_list_size", "MaxHeaderListSize", p.size32(&h.MaxHeaderListSize)},
			{"max_header_count", "MaxHeaderCount", p.count(&h.MaxHeaderCount)},
			{"initial_window_size", "InitialWindowSize", p.size32(&h.InitialWindowSize)},
			{"connection_window_size", "ConnWindowSize", p.size32(&h.ConnWindowSize)},
			{"read_header_timeout", "ReadHeaderTimeout", p.duration(&h.ReadHeaderTimeout)},
			{"idle_timeout", "IdleTimeout", p.duration(&h.IdleTimeout)},
			{"stall_timeout", "StallTimeout", p.duration(&h.StallTimeout)},
			{"max_resets_per_second", "MaxResetsPerSecond", p.count(&h.MaxResetsPerSecond)},
			{"max_control_frames_per_second", "MaxControlPerSecond", p.count(&h.MaxControlPerSecond)},
			{"body_read_timeout", "BodyReadTimeout", p.duration(&h.BodyReadTimeout)},
			{"max_connection_body_buffer", "MaxConnBodyBuffer", p.size64(&h.MaxConnBodyBuffer)},
			{"max_body_buffer", "MaxBodyBuffer", p.size64(&h.MaxBodyBuffer)},
		}
		p.validated(n, fields, p.section("http2", n, fields), h.Validate())
		return true
	}
}

func (p *configParser) scheduler(c *Config) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		s := &c.Edge.Scheduler
		fields := []field{
			{"executors", "Executors", p.count(&s.Executors)},
			{"min_limit", "MinLimit", p.count(&s.MinLimit)},
			{"initial_limit", "InitialLimit", p.count(&s.InitialLimit)},
			{"queue_size", "QueueSize", p.count(&s.QueueSize)},
			{"admit_per_tick", "AdmitPerTick", p.count(&s.AdmitPerTick)},
			{"tick", "Tick", p.duration(&s.Tick)},
			{"aging_rate", "AgingRate", p.number(&s.AgingRate)},
			{"max_wait", "MaxWait", p.duration(&s.MaxWait)},
		}
		p.validated(n, fields, p.section("scheduler", n, fields), s.Validate())
		return true
	}
}

// shield reads the shield section. A route without a rate of its own
// gets the section's rate; "rate: {per_second: 0}" lifts the limit.
func (p *configParser) shield(c *Config) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		s := &c.Edge.Shield
		var routes []*yaml.Node
		var inherit []bool
		fields := []field{
			{"rate", "default rate", p.rate("shield.rate", &s.Default)},
			{"routes", "", func(v *yaml.Node) bool {
				if v.Kind != yaml.SequenceNode {
					p.fail(v, "shield.routes must be a list of {route, rate, body_bytes}")
					return false
				}
				s.Rules = nil
				for _, item := range v.Content {
					var r shield.Rule
					var route string
					got := p.section("a shield route", item, []field{
						{"route", "", p.str(&route)},
						{"rate", "rate", p.rate("the route's rate", &r.Rate)},
						{"body_bytes", "body_bytes", p.size64(&r.BodyBytes)},
					})
					if item.Kind == yaml.MappingNode && route == "" {
						p.fail(item, "a shield route needs a route pattern, such as \"api.example.com/v1/*\"")
						continue
					}
					r.Route = route
					s.Rules = append(s.Rules, r)
					routes = append(routes, item)
					inherit = append(inherit, got["rate"] == nil)
				}
				return true
			}},
			{"max_clients", "max_clients", p.count(&s.MaxClients)},
			{"ipv6_prefix", "ipv6_prefix", p.count(&s.IPv6Prefix)},
		}
		read := p.section("shield", n, fields)
		if read == nil {
			read = map[string]*yaml.Node{}
		}
		for i, in := range inherit {
			if in {
				s.Rules[i].Rate = s.Default
			}
		}
		// shield names a rule by its index: "rule 3".
		for i, item := range routes {
			read["rule "+strconv.Itoa(i)] = item
		}
		p.validated(n, fields, read, s.Validate())
		return true
	}
}

func (p *configParser) rate(name string, r *shield.Rate) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		*r = shield.Rate{}
		p.section(name, n, []field{
			{"per_second", "", p.number(&r.PerSecond)},
			{"burst", "", p.count(&r.Burst)},
		})
		return n.Kind == yaml.MappingNode
	}
}

func (p *configParser) limits(c *Config) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		l := &c.MaxLimits
		p.section("limits", n, []field{
			{"max_cpu_ms", "", p.count64(&l.CPUMillis)},
			{"max_wall_ms", "", p.count64(&l.WallMillis)},
			{"max_memory_mb", "", p.count64(&l.MemoryMB)},
			{"max_artifact_size", "", p.size64(&c.MaxArtifactBytes)},
			{"max_image_size", "", p.size64(&c.MaxImageBytes)},
		})
		return true
	}
}

func (p *configParser) sockets(c *Config) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		o := &c.Edge.Sockets
		p.section("sockets", n, []field{
			{"reuse_port", "", p.boolean(&o.ReusePort)},
			{"defer_accept", "", p.boolean(&o.DeferAccept)},
			{"defer_accept_timeout", "", p.duration(&o.DeferAcceptTimeout)},
			{"fast_open", "", p.boolean(&o.FastOpen)},
			{"fast_open_queue", "", p.count(&o.FastOpenQueue)},
		})
		return true
	}
}
