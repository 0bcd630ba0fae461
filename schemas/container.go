package schemas

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Container holds what only a container's manifest has.
type Container struct {
	Security Security        `json:"security"`
	Limits   ContainerLimits `json:"limits"`
	// Volumes are the named volumes it mounts.
	Volumes []VolumeMount `json:"volumes,omitempty"`
	// Networks are the named networks it joins, as the manifest lists
	// them; NetworkNames gives the default when it lists none.
	Networks []string `json:"networks,omitempty"`
}

// Security is what a container asks for beyond the restricted default;
// the gatekeeper judges the runtime config made of it.
type Security struct {
	// Privileged drops the confinement: seccomp, masked kernel paths,
	// device limits; it adds every capability.
	Privileged bool `json:"privileged,omitempty"`
	// User is "UID[:GID]", instead of the image's user.
	User string `json:"user,omitempty"`
	// UserNamespace maps the container's IDs onto unprivileged host IDs.
	UserNamespace bool `json:"userNamespace,omitempty"`
	// Capabilities are added to NET_BIND_SERVICE ("NET_ADMIN").
	Capabilities []string `json:"capabilities,omitempty"`
	// AllowPrivilegeEscalation turns no_new_privileges off.
	AllowPrivilegeEscalation bool `json:"allowPrivilegeEscalation,omitempty"`
	// Network is none, restricted (the default), admin or host.
	Network string `json:"network,omitempty"`
	// WritableRoot makes the root filesystem writable.
	WritableRoot bool `json:"writableRoot,omitempty"`
}

// ContainerLimits bound a container (0: the defaults).
type ContainerLimits struct {
	MemoryMB  int64 `json:"memoryMB,omitempty"`
	Pids      int64 `json:"pids,omitempty"`
	CPUShares int64 `json:"cpuShares,omitempty"`
}

var securityKeys = []string{"privileged", "user", "user_namespace", "capabilities", "allow_privilege_escalation", "network", "writable_root"}

func (p manifestParser) security(n *yaml.Node) Security {
	var s Security
	p.Fields(n, Mapping{Name: "security", Keys: securityKeys, NotMapping: "security must be a mapping"}, func(key, val *yaml.Node) {
		flag := func(dst *bool) {
			if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" {
				p.Failf(val, "security.%s must be true or false", key.Value)
				return
			}
			*dst = val.Value == "true"
		}
		switch key.Value {
		case "privileged":
			flag(&s.Privileged)
		case "user_namespace":
			flag(&s.UserNamespace)
		case "allow_privilege_escalation":
			flag(&s.AllowPrivilegeEscalation)
		case "writable_root":
			flag(&s.WritableRoot)
		case "user":
			s.User = p.str(val, "security.user")
			if _, _, err := ParseUser(s.User); s.User != "" && err != nil {
				p.Failf(val, "security.user %q: %v", s.User, err)
			}
		case "network":
			s.Network = p.str(val, "security.network")
			if !slices.Contains([]string{"none", "restricted", "admin", "host"}, s.Network) {
				p.Failf(val, "security.network %q: want none, restricted, admin or host", s.Network)
			}
		case "capabilities":
			if val.Kind != yaml.SequenceNode {
				p.Failf(val, "security.capabilities must be a list such as [NET_ADMIN]")
				return
			}
			for _, item := range val.Content {
				c := strings.TrimPrefix(strings.ToUpper(p.str(item, "capability")), "CAP_")
				if c == "" || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != "" {
					p.Failf(item, "capability %q must be a name such as NET_ADMIN", item.Value)
					continue
				}
				s.Capabilities = append(s.Capabilities, "CAP_"+c)
			}
		}
	})
	return s
}

func (p manifestParser) containerLimits(n *yaml.Node) ContainerLimits {
	var l ContainerLimits
	fields := map[string]*int64{"memory_mb": &l.MemoryMB, "pids": &l.Pids, "cpu_shares": &l.CPUShares}
	p.Fields(n, Mapping{Name: "limits", Keys: []string{"memory_mb", "pids", "cpu_shares"}, NotMapping: "limits must be a mapping"}, func(key, val *yaml.Node) {
		v, ok := wholeNumber(val)
		if !ok || v <= 0 {
			p.Failf(val, "limit %s must be a positive whole number", key.Value)
			return
		}
		*fields[key.Value] = v
	})
	return l
}

// ParseUser reads "UID[:GID]" (numbers: the gatekeeper judges IDs, and
// names would need the image's /etc/passwd); GID defaults to UID.
func ParseUser(s string) (uid, gid uint32, err error) {
	u, g, hasGID := strings.Cut(s, ":")
	var n, m uint64
	if _, err := fmt.Sscanf(u, "%d", &n); err != nil || fmt.Sprint(n) != u || n > 1<<31 {
		return 0, 0, fmt.Errorf("want UID[:GID] as numbers, such as 1000:1000")
	}
	m = n
	if hasGID {
		if _, err := fmt.Sscanf(g, "%d", &m); err != nil || fmt.Sprint(m) != g || m > 1<<31 {
			return 0, 0, fmt.Errorf("want UID[:GID] as numbers, such as 1000:1000")
		}
	}
	return uint32(n), uint32(m), nil
}
