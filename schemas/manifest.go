package schemas

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

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
		return nil, PosErrors{YAMLError(file, err)}
	}
	m := p.manifest(&doc)
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.fail(&extra, "a manifest is one YAML document; remove everything from this \"---\" on")
	} else if err != io.EOF {
		p.errs = append(p.errs, YAMLError(file, err))
	}
	if len(p.errs) > 0 {
		p.errs.Sort()
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
