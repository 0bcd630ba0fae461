package events

import (
	"fmt"
	"net/netip"
	"regexp"
)

// Network and volume events: node-local infrastructure that containers
// name in their manifests. Their subject is the network's or volume's
// name.
const (
	TypeNetworkCreated Type = "network.created"
	TypeVolumeCreated  Type = "volume.created"
	TypeVolumeRemoved  Type = "volume.removed"
)

// DefaultNetwork is the network every node has without a network.created
// record; a container that names no network is on it.
const DefaultNetwork = "default"

// NetworkCreated declares a named network: on every node, a bridge its
// containers share, isolated from the other networks' bridges.
type NetworkCreated struct {
	Name string `json:"name"`
	// Subnet is the network's IPv4 prefix ("10.89.3.0/24"), private and
	// from /16 to /28; empty lets each node choose one.
	Subnet string `json:"subnet,omitempty"`
}

// VolumeCreated declares a named volume: on every node, a directory under
// the data dir that containers mount and that outlives their versions.
type VolumeCreated struct {
	Name string `json:"name"`
}

// VolumeRemoved drops a volume no live version mounts.
type VolumeRemoved struct {
	Name string `json:"name"`
}

// Subnet sizes a network may have: room for a gateway and a few
// containers at most, a /16 at least.
const (
	MinSubnetBits = 16
	MaxSubnetBits = 28
)

var resourceName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$`)

// ValidResourceName reports whether name is a legal network or volume
// name: 1 to 32 lower-case letters, digits and dashes, neither starting
// nor ending with a dash (a DNS label, shorter). It is safe as a path
// element and in an interface name's derivation.
func ValidResourceName(name string) bool { return resourceName.MatchString(name) }

// ParseSubnet reads a network's subnet: an IPv4 prefix in a private range
// (RFC 1918), /16 to /28, written in its canonical form (no host bits).
func ParseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		return netip.Prefix{}, fmt.Errorf("subnet %q is not a CIDR prefix such as 10.89.0.0/24", s)
	case !p.Addr().Is4():
		return netip.Prefix{}, fmt.Errorf("subnet %s is not IPv4", s)
	case !p.Addr().IsPrivate():
		return netip.Prefix{}, fmt.Errorf("subnet %s is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", s)
	case p.Bits() < MinSubnetBits || p.Bits() > MaxSubnetBits:
		return netip.Prefix{}, fmt.Errorf("subnet %s: want a prefix length from /%d to /%d", s, MinSubnetBits, MaxSubnetBits)
	case p.Masked() != p:
		return netip.Prefix{}, fmt.Errorf("subnet %s has host bits set; write %s", s, p.Masked())
	}
	return p, nil
}

// Check judges the body on its own: the name and the subnet.
func (n *NetworkCreated) Check() error {
	if !ValidResourceName(n.Name) {
		return fmt.Errorf("network name %q: want 1 to 32 of a-z, 0-9 and -, not starting or ending with -: %w", n.Name, ErrInvalidEvent)
	}
	if n.Name == DefaultNetwork {
		return fmt.Errorf("network %q exists on every node; it is not created: %w", n.Name, ErrInvalidEvent)
	}
	if n.Subnet != "" {
		if _, err := ParseSubnet(n.Subnet); err != nil {
			return fmt.Errorf("network %s: %v: %w", n.Name, err, ErrInvalidEvent)
		}
	}
	return nil
}

// Check judges the body on its own: the name.
func (v *VolumeCreated) Check() error { return checkVolumeName(v.Name) }

// Check judges the body on its own: the name.
func (v *VolumeRemoved) Check() error { return checkVolumeName(v.Name) }

func checkVolumeName(name string) error {
	if !ValidResourceName(name) {
		return fmt.Errorf("volume name %q: want 1 to 32 of a-z, 0-9 and -, not starting or ending with -: %w", name, ErrInvalidEvent)
	}
	return nil
}
