package schemas

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/events"
)

// VolumeMount is one entry of a container manifest's volumes: a named
// volume (vault volume create NAME) mounted at Path.
type VolumeMount struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// reservedPaths are where a volume may not be mounted, nor under: the
// root itself, and the kernel's and runtime's filesystems, which a
// directory mounted over would hide (masked and read-only kernel paths
// among them) or let a container fill with its own device nodes.
var reservedPaths = []string{"/proc", "/sys", "/dev"}

// CheckVolumePath reports why a volume may not be mounted at p, or nil:
// p must be absolute and clean, not "/" and not in or under /proc, /sys
// or /dev.
func CheckVolumePath(p string) error {
	switch {
	case !path.IsAbs(p):
		return fmt.Errorf("path %q must be absolute, such as /data", p)
	case path.Clean(p) != p:
		return fmt.Errorf("path %q must be clean: write %s", p, path.Clean(p))
	case p == "/":
		return fmt.Errorf("path / would hide the image's root filesystem")
	case strings.ContainsAny(p, ",:\x00\n"):
		return fmt.Errorf("path %q may not contain , : or control characters", p)
	}
	for _, r := range reservedPaths {
		if p == r || strings.HasPrefix(p, r+"/") {
			return fmt.Errorf("path %s is in %s, the kernel's and runtime's; choose another such as /data", p, r)
		}
	}
	return nil
}

// NetworkNames are the named networks the container joins: its
// manifest's networks, or events.DefaultNetwork when it names none and
// its network mode has a bridge (restricted, the default, or admin);
// none for modes none and host.
func (c *Container) NetworkNames() []string {
	if len(c.Networks) > 0 {
		return c.Networks
	}
	if hasBridge(c.Security.Network) {
		return []string{events.DefaultNetwork}
	}
	return nil
}

// VolumeNames are the names of the volumes the container mounts, in
// manifest order.
func (c *Container) VolumeNames() []string {
	var names []string
	for _, v := range c.Volumes {
		names = append(names, v.Name)
	}
	return names
}

func hasBridge(mode string) bool { return mode == "" || mode == "restricted" || mode == "admin" }

var volumeKeys = []string{"name", "path", "read_only"}

func (p manifestParser) volumes(n *yaml.Node) []VolumeMount {
	if n.Kind != yaml.SequenceNode {
		p.Failf(n, "volumes must be a list such as [{name: pgdata, path: /data}]")
		return nil
	}
	var out []VolumeMount
	for _, item := range n.Content {
		var v VolumeMount
		seen := map[string]bool{}
		ok := p.Fields(item, Mapping{Name: "volume", Keys: volumeKeys, NotMapping: "a volume must be a mapping such as {name: pgdata, path: /data}"}, func(key, val *yaml.Node) {
			seen[key.Value] = true
			switch key.Value {
			case "name":
				v.Name = p.str(val, "volume name")
				if v.Name != "" && !events.ValidResourceName(v.Name) {
					p.Failf(val, "volume name %q: want 1 to 32 of a-z, 0-9 and -, not starting or ending with -", v.Name)
					v.Name = ""
				}
			case "path":
				v.Path = p.str(val, "volume path")
				if err := CheckVolumePath(v.Path); v.Path != "" && err != nil {
					p.Failf(val, "volume %v", err)
					v.Path = ""
				}
			case "read_only":
				if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" {
					p.Failf(val, "volume read_only must be true or false")
					return
				}
				v.ReadOnly = val.Value == "true"
			}
		})
		if !ok {
			continue
		}
		for _, key := range []string{"name", "path"} {
			if !seen[key] {
				p.Failf(item, "a volume needs %s", key)
			}
		}
		switch {
		case v.Name == "" || v.Path == "":
			continue
		case slices.ContainsFunc(out, func(o VolumeMount) bool { return o.Name == v.Name }):
			p.Failf(item, "volume %s is mounted twice", v.Name)
			continue
		case slices.ContainsFunc(out, func(o VolumeMount) bool { return o.Path == v.Path }):
			p.Failf(item, "two volumes are mounted at %s", v.Path)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (p manifestParser) networks(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.Failf(n, "networks must be a list of network names such as [backend]")
		return nil
	}
	var out []string
	for _, item := range n.Content {
		name := p.str(item, "network name")
		switch {
		case name == "":
		case !events.ValidResourceName(name):
			p.Failf(item, "network name %q: want 1 to 32 of a-z, 0-9 and -, not starting or ending with -", name)
		case slices.Contains(out, name):
			p.Failf(item, "network %s listed twice", name)
		default:
			out = append(out, name)
		}
	}
	return out
}
