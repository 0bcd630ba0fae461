package schemas

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/events"
)

// ManifestFile is the manifest's file name inside a function directory.
const ManifestFile = "vault.yaml"

// Manifest is a function's vault.yaml. It travels inside the artifact, so
// a version's routes, limits and vars are as immutable as its code.
type Manifest struct {
	Name   string            `json:"name"`
	Entry  string            `json:"entry"`
	Routes []string          `json:"routes"`
	Limits Limits            `json:"limits"`
	Vars   map[string]string `json:"vars,omitempty"`
	// Egress lists the destinations the function may fetch, in the
	// canonical form of EgressPattern.String. Empty means none.
	Egress []string `json:"egress,omitempty"`
}

// Limits caps what one invocation may use. Zero means the node default.
type Limits struct {
	CPUMillis         int64 `json:"cpu_ms,omitempty"`
	WallMillis        int64 `json:"wall_ms,omitempty"`
	MemoryMB          int64 `json:"memory_mb,omitempty"`
	RequestBodyBytes  int64 `json:"request_body_bytes,omitempty"`
	ResponseBodyBytes int64 `json:"response_body_bytes,omitempty"`
	// Subrequests caps the fetch calls of one invocation; every redirect
	// followed counts as one more.
	Subrequests int64 `json:"subrequests,omitempty"`
	// SubrequestBytes caps each fetched response body (and request body).
	SubrequestBytes int64 `json:"subrequest_response_bytes,omitempty"`
	// SubrequestMillis caps each fetch call, redirects and body included.
	SubrequestMillis int64 `json:"subrequest_ms,omitempty"`
}

// DefaultLimits are what a function gets for each limit it leaves at zero.
func DefaultLimits() Limits {
	return Limits{
		CPUMillis:         50,
		WallMillis:        5000,
		MemoryMB:          128,
		RequestBodyBytes:  1 << 20,
		ResponseBodyBytes: 8 << 20,
		Subrequests:       50,
		SubrequestBytes:   8 << 20,
		SubrequestMillis:  10000,
	}
}

// WithDefaults fills zero limits from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *int64 }{
		{&l.CPUMillis, &d.CPUMillis}, {&l.WallMillis, &d.WallMillis}, {&l.MemoryMB, &d.MemoryMB},
		{&l.RequestBodyBytes, &d.RequestBodyBytes}, {&l.ResponseBodyBytes, &d.ResponseBodyBytes},
		{&l.Subrequests, &d.Subrequests}, {&l.SubrequestBytes, &d.SubrequestBytes}, {&l.SubrequestMillis, &d.SubrequestMillis},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return l
}

// LoadManifest reads and validates dir/vault.yaml.
func LoadManifest(dir string) (*Manifest, error) {
	file := path.Join(dir, ManifestFile)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	return ParseManifest(file, data)
}

// ParseManifest validates a manifest and reports every problem with its
// file:line:col. Unknown keys are errors, so a typo is never ignored.
func ParseManifest(file string, data []byte) (*Manifest, error) {
	p := &manifestParser{file: file}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, PosErrors{{File: file, Line: 1, Col: 1, Msg: "empty manifest: name and entry are required"}}
		}
		return nil, PosErrors{p.yamlError(err)}
	}
	m := p.manifest(&doc)
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.fail(&extra, "a manifest is one YAML document; remove everything from this \"---\" on")
	} else if err != io.EOF {
		p.errs = append(p.errs, p.yamlError(err))
	}
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *PosError) int { return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col)) })
		return nil, p.errs
	}
	return m, nil
}

type manifestParser struct {
	file string
	errs PosErrors
}

func (p *manifestParser) fail(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &PosError{File: p.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// yamlError turns the YAML library's "yaml: line N: msg" into a PosError.
func (p *manifestParser) yamlError(err error) *PosError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
	}
	return &PosError{File: p.file, Line: line, Col: 1, Msg: msg}
}

func (p *manifestParser) manifest(doc *yaml.Node) *Manifest {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	m := &Manifest{}
	if root.Kind != yaml.MappingNode {
		p.fail(root, "manifest must be a mapping of keys (name, entry, routes, limits, vars, egress)")
		return m
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if prev, dup := seen[key.Value]; dup {
			p.fail(key, "duplicate key %q (first at line %d)", key.Value, prev.Line)
			continue
		}
		seen[key.Value] = key
		switch key.Value {
		case "name":
			m.Name = p.str(val, "name")
			if m.Name != "" && !events.ValidFunctionName(m.Name) {
				p.fail(val, "name %q must be lower-case letters, digits and dashes, starting with a letter (at most 63)", m.Name)
			}
		case "entry":
			m.Entry = p.str(val, "entry")
			if m.Entry != "" && (path.IsAbs(m.Entry) || strings.HasPrefix(path.Clean(m.Entry), "..")) {
				p.fail(val, "entry %q must be a relative path inside the function directory", m.Entry)
			}
		case "routes":
			m.Routes = p.routes(val)
		case "limits":
			m.Limits = p.limits(val)
		case "vars":
			m.Vars = p.vars(val)
		case "egress":
			m.Egress = p.egress(val)
		default:
			p.fail(key, "unknown key %q (known: name, entry, routes, limits, vars, egress)", key.Value)
		}
	}
	if seen["name"] == nil {
		p.fail(root, "missing required key \"name\"")
	}
	if seen["entry"] == nil {
		p.fail(root, "missing required key \"entry\"")
	}
	return m
}

func (p *manifestParser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, "%s must be a string", what)
		return ""
	}
	if n.Value == "" {
		p.fail(n, "%s must not be empty", what)
	}
	return n.Value
}

func (p *manifestParser) routes(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "routes must be a list of patterns such as \"/api/:id\" or \"example.com/*\"")
		return nil
	}
	var out []string
	for _, item := range n.Content {
		s := p.str(item, "route")
		if s == "" {
			continue
		}
		r, err := ParseRoute(s)
		if err != nil {
			p.fail(item, "%v", err)
			continue
		}
		if slices.Contains(out, r.String()) {
			p.fail(item, "route %q listed twice", s)
			continue
		}
		out = append(out, r.String())
	}
	return out
}

func (p *manifestParser) limits(n *yaml.Node) Limits {
	var l Limits
	if n.Kind != yaml.MappingNode {
		p.fail(n, "limits must be a mapping")
		return l
	}
	fields := map[string]*int64{
		"cpu_ms": &l.CPUMillis, "wall_ms": &l.WallMillis, "memory_mb": &l.MemoryMB,
		"request_body_bytes": &l.RequestBodyBytes, "response_body_bytes": &l.ResponseBodyBytes,
		"subrequests": &l.Subrequests, "subrequest_response_bytes": &l.SubrequestBytes, "subrequest_ms": &l.SubrequestMillis,
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if line, dup := seen[key.Value]; dup {
			p.fail(key, "duplicate limit %q (first at line %d)", key.Value, line)
			continue
		}
		seen[key.Value] = key.Line
		f, ok := fields[key.Value]
		if !ok {
			p.fail(key, "unknown limit %q (known: cpu_ms, wall_ms, memory_mb, request_body_bytes, response_body_bytes, subrequests, subrequest_response_bytes, subrequest_ms)", key.Value)
			continue
		}
		var v int64
		if val.Kind != yaml.ScalarNode || val.Tag != "!!int" || val.Decode(&v) != nil || v <= 0 {
			p.fail(val, "limit %s must be a positive whole number", key.Value)
			continue
		}
		*f = v
	}
	return l
}

func (p *manifestParser) vars(n *yaml.Node) map[string]string {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "vars must be a mapping of names to strings")
		return nil
	}
	out := map[string]string{}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if line, dup := lines[key.Value]; dup {
			p.fail(key, "duplicate var %q (first at line %d)", key.Value, line)
			continue
		}
		lines[key.Value] = key.Line
		if key.Value == "" {
			p.fail(key, "var name must not be empty")
			continue
		}
		if val.Kind != yaml.ScalarNode {
			p.fail(val, "var %s must be a string", key.Value)
			continue
		}
		out[key.Value] = val.Value
	}
	return out
}

func (p *manifestParser) egress(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "egress must be a list of hosts such as \"api.example.com\", \"*.example.com:443\" or \"10.1.0.0/16\"")
		return nil
	}
	var out []string
	for _, item := range n.Content {
		s := p.str(item, "egress pattern")
		if s == "" {
			continue
		}
		e, err := ParseEgressPattern(s)
		if err != nil {
			p.fail(item, "%v", err)
			continue
		}
		if slices.Contains(out, e.String()) {
			p.fail(item, "egress pattern %q listed twice", s)
			continue
		}
		out = append(out, e.String())
	}
	return out
}

// EgressPattern is one entry of a manifest's egress list: a destination
// that the function's fetch calls may reach. It is either a DNS name
// (Host, perhaps with Subdomains) or an IP address or CIDR block (Prefix),
// optionally restricted to one Port.
type EgressPattern struct {
	// Host is a lower-case DNS name without a trailing dot; "" for an IP
	// pattern.
	Host string
	// Subdomains means the pattern was "*.Host": any name under Host, at
	// any depth, but not Host itself.
	Subdomains bool
	// Prefix is the address (a full-length prefix) or CIDR block of an IP
	// pattern. IPv4-mapped IPv6 forms are stored as IPv4.
	Prefix netip.Prefix
	// Port is the only port the pattern allows; 0 allows any.
	Port uint16
}

// String gives the canonical spelling, which ParseEgressPattern reads back.
func (e EgressPattern) String() string {
	var host string
	switch {
	case e.Host != "" && e.Subdomains:
		host = "*." + e.Host
	case e.Host != "":
		host = e.Host
	case e.Prefix.IsSingleIP() && e.Prefix.Addr().Is6():
		host = "[" + e.Prefix.Addr().String() + "]"
	case e.Prefix.IsSingleIP():
		host = e.Prefix.Addr().String()
	default:
		host = e.Prefix.String()
	}
	if e.Port != 0 {
		return host + ":" + strconv.Itoa(int(e.Port))
	}
	return host
}

// ParseEgressPattern reads "host[:port]", "*.domain[:port]", an IPv4
// address, a bracketed IPv6 address (with an optional port), or a CIDR
// block. Names that end in a numeric label ("2130706433", "0177.0.0.1")
// are refused: resolvers read them as IPv4 addresses in odd notations, so
// they would not mean what they seem to.
func ParseEgressPattern(s string) (EgressPattern, error) {
	bad := func(format string, args ...any) (EgressPattern, error) {
		return EgressPattern{}, fmt.Errorf("egress pattern %q: "+format, append([]any{s}, args...)...)
	}
	switch {
	case strings.Contains(s, "://"):
		return bad("write the host only, without a scheme")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }),
		strings.ContainsAny(s, "@?#\\%"):
		return bad("may not contain spaces, control characters, @, ?, #, %% or \\")
	case strings.Contains(s, "/"):
		pfx, err := netip.ParsePrefix(s)
		if err != nil || pfx.Addr().Zone() != "" {
			return bad("not a CIDR block such as 10.1.0.0/16 (paths are not allowed)")
		}
		if pfx != pfx.Masked() {
			return bad("bits are set after the /%d; did you mean %s?", pfx.Bits(), pfx.Masked())
		}
		if pfx.Addr().Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
		}
		return EgressPattern{Prefix: pfx}, nil
	}

	host, port, bracketed := s, "", false
	if rest, ok := strings.CutPrefix(s, "["); ok {
		i := strings.IndexByte(rest, ']')
		if i < 0 {
			return bad("missing ]")
		}
		host, rest, bracketed = rest[:i], rest[i+1:], true
		if rest != "" {
			if port, ok = strings.CutPrefix(rest, ":"); !ok {
				return bad("unexpected %q after ]", rest)
			}
		}
	} else if strings.Count(s, ":") == 1 {
		host, port, _ = strings.Cut(s, ":")
	} else if strings.Count(s, ":") > 1 {
		bracketed = true // a bare IPv6 address: no port possible
	}
	var e EgressPattern
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return bad("port must be a number from 1 to 65535")
		}
		e.Port = uint16(n)
	}
	host = strings.ToLower(host)
	if addr, err := netip.ParseAddr(host); err == nil {
		switch {
		case addr.Zone() != "":
			return bad("IPv6 zones are not allowed")
		case bracketed != addr.Is6():
			return bad("write IPv6 addresses in brackets, such as [2001:db8::1]:443, and IPv4 addresses without")
		}
		addr = addr.Unmap()
		e.Prefix = netip.PrefixFrom(addr, addr.BitLen())
		return e, nil
	}
	if bracketed {
		return bad("not an IPv6 address")
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		host, e.Subdomains = rest, true
	}
	host = strings.TrimSuffix(host, ".")
	if err := checkHostname(host); err != "" {
		return bad("%s", err)
	}
	e.Host = host
	return e, nil
}

// checkHostname says what is wrong with a lower-case DNS name, or "".
func checkHostname(host string) string {
	if host == "" {
		return "empty host"
	}
	if len(host) > 253 {
		return "host longer than 253 characters"
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		switch {
		case strings.Contains(l, "*"):
			return "* may only stand for the first label, as in *.example.com"
		case l == "" || len(l) > 63:
			return "every dot-separated label must have 1 to 63 characters"
		case strings.ContainsFunc(l, func(r rune) bool { return r > unicode.MaxASCII }):
			return "write internationalized names in their xn-- (punycode) form"
		case strings.ContainsFunc(l, func(r rune) bool { return !(r == '-' || r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') }):
			return "a host may hold only letters, digits, - and _"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "a label may not start or end with -"
		}
	}
	last := labels[len(labels)-1]
	if hex, ok := strings.CutPrefix(last, "0x"); strings.Trim(last, "0123456789") == "" || ok && strings.Trim(hex, "0123456789abcdef") == "" {
		return "looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, such as 203.0.113.7"
	}
	return ""
}
