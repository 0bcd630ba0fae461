package cli

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/edge/admin"
	"github.com/vault-runtime/vault/edge/shield"
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
		cmd.Flags().Visit(func(f *pflag.Flag) {
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
	f.StringVar(&cfg.AdminListen, "admin-listen", admin.DefaultAddr, "Prometheus /metrics, /healthz and /readyz address (HTTP/1.1); empty to disable")
	f.Uint32Var(&h.MaxConcurrentStreams, "h2-max-concurrent-streams", h.MaxConcurrentStreams, "HTTP/2 streams a client may open at once per connection")
	f.Var((*sizeFlag)(&h.MaxFrameSize), "h2-max-frame-size", "largest HTTP/2 frame payload accepted, 16KiB to 16MiB-1 (bytes, or KiB/MiB)")
	f.Var((*sizeFlag)(&h.MaxHeaderListSize), "h2-max-header-list-size", "largest request header list, counted as RFC 9113 does (bytes, or KiB/MiB)")
	f.IntVar(&h.MaxHeaderCount, "h2-max-header-count", h.MaxHeaderCount, "most header fields in a request")
	f.Var((*sizeFlag)(&h.InitialWindowSize), "h2-initial-window-size", "per-stream receive window for request bodies (bytes, or KiB/MiB)")
	f.Var((*sizeFlag)(&h.ConnWindowSize), "h2-connection-window-size", "per-connection receive window (bytes, or KiB/MiB)")
	f.DurationVar(&h.ReadHeaderTimeout, "h2-read-header-timeout", h.ReadHeaderTimeout, "time for the handshake, the preface and each header block")
	f.DurationVar(&h.IdleTimeout, "h2-idle-timeout", h.IdleTimeout, "closes a connection with no open stream after this long")
}

// sizeFlag is a uint32 flag that takes the config file's size syntax.
type sizeFlag uint32

func (s *sizeFlag) String() string { return strconv.FormatUint(uint64(*s), 10) }
func (s *sizeFlag) Type() string   { return "size" }
func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v, math.MaxUint32)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// parseSize reads whole bytes or a whole number of KiB, MiB or GiB, at most max.
func parseSize(s string, max int64) (int64, error) {
	num := strings.TrimSpace(s)
	unit := int64(1)
	for suffix, u := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "B": 1} {
		if strings.HasSuffix(num, suffix) && (suffix != "B" || !strings.HasSuffix(num, "iB")) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(num, suffix)), u
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB", s)
	}
	if n > max/unit {
		return 0, fmt.Errorf("size %q: at most %d bytes", s, max)
	}
	return n * unit, nil
}

// parseNodeConfig overlays the file's settings on t; file names it in errors.
func parseNodeConfig(file string, data []byte, t serveTarget) error {
	p := &configParser{file: file}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil // an empty file: the defaults
		}
		return schemas.PosErrors{schemas.YAMLError(file, err)}
	}
	p.root(&doc, t)
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.fail(&extra, "a node config is one YAML document; remove everything from this \"---\" on")
	} else if err != io.EOF {
		p.errs = append(p.errs, schemas.YAMLError(file, err))
	}
	if len(p.errs) > 0 {
		p.errs.Sort()
		return p.errs
	}
	return nil
}

type configParser struct {
	file string
	errs schemas.PosErrors
}

func (p *configParser) fail(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &schemas.PosError{File: p.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping: its YAML name, the name the Go config's
// Validate uses for it, and how to read its value (false: it failed).
type field struct {
	key, goName string
	read        func(v *yaml.Node) bool
}

// section reads mapping n of the fields; it returns the value nodes read,
// by Go name, so that a Validate failure can be placed.
func (p *configParser) section(name string, n *yaml.Node, fields []field) map[string]*yaml.Node {
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.key
	}
	in := ""
	if name != "" {
		in = " in " + name
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // "http2:" with every key commented out
	}
	if n.Kind != yaml.MappingNode {
		if name == "" {
			p.fail(n, "a node config is a mapping of keys (%s)", strings.Join(known, ", "))
		} else {
			p.fail(n, "%s must be a mapping of keys (%s)", name, strings.Join(known, ", "))
		}
		return nil
	}
	read := map[string]*yaml.Node{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if line, dup := seen[key.Value]; dup {
			p.fail(key, "duplicate field %q%s (first at line %d)", key.Value, in, line)
			continue
		}
		seen[key.Value] = key.Line
		if val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		f := fieldNamed(fields, key.Value)
		if f == nil {
			p.fail(key, "unknown field %q%s (known: %s)", key.Value, in, strings.Join(known, ", "))
			continue
		}
		if f.read(val) && f.goName != "" {
			read[f.goName] = val
		}
	}
	return read
}

func fieldNamed(fields []field, key string) *field {
	for i := range fields {
		if fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}

// validated reports err, the complaint of a section's Validate, at the
// value of the first field it names (by Go name, as a whole word) that the
// file set, else at the section. Go field names in it become YAML keys.
func (p *configParser) validated(section *yaml.Node, fields []field, read map[string]*yaml.Node, err error) {
	if err == nil {
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		at, first := section, len(line)
		for name, n := range read {
			if i := wordIndex(line, name); i >= 0 && i < first {
				at, first = n, i
			}
		}
		for _, f := range fields {
			if f.goName != "" && f.goName[0] >= 'A' && f.goName[0] <= 'Z' {
				for i := wordIndex(line, f.goName); i >= 0; i = wordIndex(line, f.goName) {
					line = line[:i] + f.key + line[i+len(f.goName):]
				}
			}
		}
		p.fail(at, "%s", line)
	}
}

// wordIndex is the index of word in s where it stands alone, or −1.
func wordIndex(s, word string) int {
	isWord := func(b byte) bool {
		return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
	}
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(word)
		if (i == 0 || !isWord(s[i-1])) && (end == len(s) || !isWord(s[end])) {
			return i
		}
		off = i + 1
	}
}

func (p *configParser) str(dst *string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			p.fail(v, "want a string")
			return false
		}
		*dst = v.Value
		return true
	}
}

func (p *configParser) boolean(dst *bool) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(dst) != nil {
			p.fail(v, "want true or false")
			return false
		}
		return true
	}
}

// whole reads a whole number in [0, max].
func (p *configParser) whole(v *yaml.Node, max int64) (int64, bool) {
	var n int64
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil {
		p.fail(v, "want a whole number")
		return 0, false
	}
	if n < 0 || n > max {
		p.fail(v, "%d is out of range: want 0 to %d", n, max)
		return 0, false
	}
	return n, true
}

func (p *configParser) count(dst *int) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.whole(v, math.MaxInt32)
		*dst = int(n)
		return ok
	}
}

func (p *configParser) count32(dst *uint32) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.whole(v, math.MaxUint32)
		*dst = uint32(n)
		return ok
	}
}

func (p *configParser) count64(dst *int64) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.whole(v, math.MaxInt64)
		*dst = n
		return ok
	}
}

// size reads whole bytes or a whole number of KiB, MiB or GiB.
func (p *configParser) size(v *yaml.Node, max int64) (int64, bool) {
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!str") {
		p.fail(v, "want a size: whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB")
		return 0, false
	}
	n, err := parseSize(v.Value, max)
	if err != nil {
		p.fail(v, "%v", err)
		return 0, false
	}
	return n, true
}

func (p *configParser) size32(dst *uint32) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.size(v, math.MaxUint32)
		*dst = uint32(n)
		return ok
	}
}

func (p *configParser) size64(dst *int64) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.size(v, math.MaxInt64)
		*dst = n
		return ok
	}
}

func (p *configParser) duration(dst *time.Duration) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		d, err := time.ParseDuration(v.Value)
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!int") || err != nil {
			p.fail(v, "want a duration such as \"10s\" or \"1m30s\"")
			return false
		}
		if d < 0 {
			p.fail(v, "duration %s must not be negative", v.Value)
			return false
		}
		*dst = d
		return true
	}
}

func (p *configParser) number(dst *float64) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		var f float64
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&f) != nil ||
			math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			p.fail(v, "want a number, 0 or more")
			return false
		}
		*dst = f
		return true
	}
}

// oneOf reads a string that must be one of choices.
func (p *configParser) oneOf(dst *string, choices ...string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		var s string
		if !p.str(&s)(v) {
			return false
		}
		for _, c := range choices {
			if s == c {
				*dst = s
				return true
			}
		}
		p.fail(v, "%q: want %s", s, strings.Join(choices, " or "))
		return false
	}
}

func (p *configParser) logLevel(dst *string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		var s string
		var level slog.Level
		if !p.str(&s)(v) {
			return false
		}
		if err := level.UnmarshalText([]byte(s)); err != nil {
			p.fail(v, "log level %q: want debug, info, warn or error", s)
			return false
		}
		*dst = s
		return true
	}
}

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
		{"ledger_sync", "", p.oneOf(&c.LedgerSync, "always", "interval")},
	})
}

func (p *configParser) http2(c *nodeConfig) func(*yaml.Node) bool {
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
		}
		p.validated(n, fields, p.section("http2", n, fields), h.Validate())
		return true
	}
}

func (p *configParser) scheduler(c *nodeConfig) func(*yaml.Node) bool {
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
func (p *configParser) shield(c *nodeConfig) func(*yaml.Node) bool {
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

func (p *configParser) limits(c *nodeConfig) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		l := &c.MaxLimits
		p.section("limits", n, []field{
			{"max_cpu_ms", "", p.count64(&l.CPUMillis)},
			{"max_wall_ms", "", p.count64(&l.WallMillis)},
			{"max_memory_mb", "", p.count64(&l.MemoryMB)},
		})
		return true
	}
}

func (p *configParser) sockets(c *nodeConfig) func(*yaml.Node) bool {
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
