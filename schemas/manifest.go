package schemas

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/events"
)

// ManifestFile is the manifest's file name inside a function directory.
const ManifestFile = "vault.yaml"

// Manifest is a function's vault.yaml. It travels inside the artifact, so
// a version's routes, limits and vars are as immutable as its code.
type Manifest struct {
	Name string `json:"name"`
	// Kind is KindFunction (the default: a JavaScript module run in
	// isolates) or KindContainer (an OCI image).
	Kind string `json:"kind,omitempty"`
	// Entry is a function's module, relative to its directory.
	Entry string `json:"entry,omitempty"`
	// Image is a container's image as the manifest names it, by tag or
	// digest; vault deploy resolves it, and the deploy record carries the
	// digest, so what runs is what was admitted.
	Image string `json:"image,omitempty"`
	// Port is the TCP port a container serves HTTP on.
	Port int `json:"port,omitempty"`
	// Health is a path a container answers 2xx or 3xx on once it is
	// ready; without it, a TCP connection to Port is enough.
	Health string `json:"health,omitempty"`
	// StopGrace is how long a container's program has between SIGTERM
	// and SIGKILL when it is stopped (0: the node's default, 10s).
	StopGrace Duration `json:"stopGrace,omitempty"`
	// Container is the rest of a container's manifest: security, limits.
	Container *Container        `json:"container,omitempty"`
	Routes    []string          `json:"routes"`
	Limits    Limits            `json:"limits"`
	Vars      map[string]string `json:"vars,omitempty"`
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

// The kinds of manifest.
const (
	KindFunction  = "function"
	KindContainer = "container"
)

var manifestKeys = []string{"name", "kind", "entry", "image", "port", "health", "stop_grace", "security", "volumes", "networks", "routes", "limits", "vars", "egress"}

// functionOnly are the keys a container's manifest may not have, and
// containerOnly those a function's may not.
var (
	functionOnly  = []string{"entry", "vars"}
	containerOnly = []string{"image", "port", "health", "stop_grace", "security", "volumes", "networks"}
)

func (p manifestParser) manifest(root *yaml.Node) *Manifest {
	m := &Manifest{}
	seen := map[string]bool{}
	// Limits and security are read once the kind is known, wherever it
	// comes in the file.
	var limits, security, volumes, networks *yaml.Node
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
		case "kind":
			m.Kind = p.str(val, "kind")
			if m.Kind != "" && m.Kind != KindFunction && m.Kind != KindContainer {
				p.Failf(val, "kind %q: want %s or %s", m.Kind, KindFunction, KindContainer)
			}
		case "image":
			m.Image = p.str(val, "image")
			if strings.ContainsAny(m.Image, " \t\n") {
				p.Failf(val, "image %q must be a reference such as registry.example.com/team/api:1.4", m.Image)
			}
		case "port":
			v, ok := wholeNumber(val)
			if !ok || v < 1 || v > 65535 {
				p.Failf(val, "port must be a whole number from 1 to 65535")
				return
			}
			m.Port = int(v)
		case "health":
			m.Health = p.str(val, "health")
			if !strings.HasPrefix(m.Health, "/") || len(m.Health) > 256 || strings.ContainsFunc(m.Health, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				p.Failf(val, "health %q must be a path such as /healthz (at most 256 bytes, no spaces)", m.Health)
			}
		case "stop_grace":
			d, err := time.ParseDuration(p.str(val, "stop_grace"))
			if err != nil || d < 0 || d > MaxStopGrace {
				p.Failf(val, "stop_grace must be a duration such as 500ms or 10s, at most %s", MaxStopGrace)
			}
			m.StopGrace = Duration(d)
		case "entry":
			m.Entry = p.str(val, "entry")
			if m.Entry != "" && (path.IsAbs(m.Entry) || strings.HasPrefix(path.Clean(m.Entry), "..")) {
				p.Failf(val, "entry %q must be a relative path inside the function directory", m.Entry)
			}
		case "routes":
			m.Routes = p.routes(val)
		case "limits":
			limits = val
		case "security":
			security = val
		case "volumes":
			volumes = val
		case "networks":
			networks = val
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
	if m.Kind != KindContainer {
		if !seen["entry"] {
			p.Failf(root, "missing required key \"entry\"")
		}
		for _, key := range containerOnly {
			if seen[key] {
				p.Failf(p.valueOf(root, key), "%s is a container's; add kind: container, or remove it", key)
			}
		}
		if limits != nil {
			m.Limits = p.limits(limits)
		}
		return m
	}
	m.Container = &Container{}
	if security != nil {
		m.Container.Security = p.security(security)
	}
	if limits != nil {
		m.Container.Limits = p.containerLimits(limits)
	}
	if volumes != nil {
		m.Container.Volumes = p.volumes(volumes)
	}
	if networks != nil {
		m.Container.Networks = p.networks(networks)
		if len(m.Container.Networks) > 0 && !hasBridge(m.Container.Security.Network) {
			p.Failf(networks, "networks need network mode restricted or admin, not %s (security.network)", m.Container.Security.Network)
		}
	}
	for _, key := range []string{"image", "port"} {
		if !seen[key] {
			p.Failf(root, "missing required key %q (kind: container)", key)
		}
	}
	for _, key := range functionOnly {
		if seen[key] {
			p.Failf(p.valueOf(root, key), "%s does not apply to a container", key)
		}
	}
	return m
}

// valueOf is the value of key in the mapping root (root if absent), to
// place a complaint about it.
func (p manifestParser) valueOf(root *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i]
		}
	}
	return root
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

// MaxStopGrace bounds a container's stop_grace.
const MaxStopGrace = 5 * time.Minute

// Duration is a time.Duration that reads and writes as JSON text ("10s").
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}
