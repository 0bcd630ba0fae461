package schemas

import (
	"fmt"
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
	r := NewYAMLReader(file, data)
	root := r.Document()
	if root == nil {
		if err := r.Err(); err != nil {
			return nil, err
		}
		return nil, PosErrors{{File: file, Line: 1, Col: 1, Msg: "empty manifest: name and entry are required"}}
	}
	m := manifestParser{r}.manifest(root)
	if err := r.Finish("a manifest"); err != nil {
		return nil, err
	}
	return m, nil
}

// manifestParser reads the manifest's keys; it names each value in its
// complaints ("name must be a string").
type manifestParser struct {
	*YAMLReader
}

var manifestKeys = []string{"name", "entry", "routes", "limits", "vars", "egress"}

func (p manifestParser) manifest(root *yaml.Node) *Manifest {
	m := &Manifest{}
	seen := map[string]bool{}
	ok := p.Fields(root, Mapping{
		Keys:       manifestKeys,
		NotMapping: "manifest must be a mapping of keys (" + strings.Join(manifestKeys, ", ") + ")",
	}, func(key, val *yaml.Node) {
		seen[key.Value] = true
		switch key.Value {
		case "name":
			m.Name = p.str(val, "name")
			if m.Name != "" && !events.ValidFunctionName(m.Name) {
				p.Failf(val, "name %q must be lower-case letters, digits and dashes, starting with a letter (at most 63)", m.Name)
			}
		case "entry":
			m.Entry = p.str(val, "entry")
			if m.Entry != "" && (path.IsAbs(m.Entry) || strings.HasPrefix(path.Clean(m.Entry), "..")) {
				p.Failf(val, "entry %q must be a relative path inside the function directory", m.Entry)
			}
		case "routes":
			m.Routes = p.routes(val)
		case "limits":
			m.Limits = p.limits(val)
		case "vars":
			m.Vars = p.vars(val)
		case "egress":
			m.Egress = p.egress(val)
		}
	})
	if !ok {
		return m
	}
	if !seen["name"] {
		p.Failf(root, "missing required key \"name\"")
	}
	if !seen["entry"] {
		p.Failf(root, "missing required key \"entry\"")
	}
	return m
}

func (p manifestParser) str(n *yaml.Node, what string) string {
	if !isString(n) {
		p.Failf(n, "%s must be a string", what)
		return ""
	}
	if n.Value == "" {
		p.Failf(n, "%s must not be empty", what)
	}
	return n.Value
}

func (p manifestParser) routes(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		p.Failf(n, "routes must be a list of patterns such as \"/api/:id\" or \"example.com/*\"")
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
			p.Failf(item, "%v", err)
			continue
		}
		if slices.Contains(out, r.String()) {
			p.Failf(item, "route %q listed twice", s)
			continue
		}
		out = append(out, r.String())
	}
	return out
}

func (p manifestParser) limits(n *yaml.Node) Limits {
	var l Limits
	fields := []struct {
		key string
		dst *int64
	}{
		{"cpu_ms", &l.CPUMillis}, {"wall_ms", &l.WallMillis}, {"memory_mb", &l.MemoryMB},
		{"request_body_bytes", &l.RequestBodyBytes}, {"response_body_bytes", &l.ResponseBodyBytes},
		{"subrequests", &l.Subrequests}, {"subrequest_response_bytes", &l.SubrequestBytes}, {"subrequest_ms", &l.SubrequestMillis},
	}
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	p.Fields(n, Mapping{
		Name:       "limits",
		Keys:       keys,
		NotMapping: "limits must be a mapping",
		Duplicate: func(key string, first int) string {
			return fmt.Sprintf("duplicate limit %q (first at line %d)", key, first)
		},
	}, func(key, val *yaml.Node) {
		v, ok := wholeNumber(val)
		if !ok || v <= 0 {
			p.Failf(val, "limit %s must be a positive whole number", key.Value)
			return
		}
		*fields[slices.Index(keys, key.Value)].dst = v
	})
	return l
}

func (p manifestParser) vars(n *yaml.Node) map[string]string {
	out := map[string]string{}
	ok := p.Fields(n, Mapping{
		Name:       "vars",
		NotMapping: "vars must be a mapping of names to strings",
		Duplicate: func(key string, first int) string {
			return fmt.Sprintf("duplicate var %q (first at line %d)", key, first)
		},
	}, func(key, val *yaml.Node) {
		if key.Value == "" {
			p.Failf(key, "var name must not be empty")
			return
		}
		if val.Kind != yaml.ScalarNode {
			p.Failf(val, "var %s must be a string", key.Value)
			return
		}
		out[key.Value] = val.Value
	})
	if !ok {
		return nil
	}
	return out
}

func (p manifestParser) egress(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		p.Failf(n, "egress must be a list of hosts such as \"api.example.com\", \"*.example.com:443\" or \"10.1.0.0/16\"")
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
			p.Failf(item, "%v", err)
			continue
		}
		if slices.Contains(out, e.String()) {
			p.Failf(item, "egress pattern %q listed twice", s)
			continue
		}
		out = append(out, e.String())
	}
	return out
}
