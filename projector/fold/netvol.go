package fold

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas/oci"
)

// Network is a named network (network.created). The network
// events.DefaultNetwork exists without one and is not in State.Networks.
type Network struct {
	Name string `json:"name"`
	// Subnet is the IPv4 prefix its record asked for; empty lets each
	// node choose.
	Subnet     string   `json:"subnet,omitempty"`
	CreatedSeq uint64   `json:"createdSeq"`
	EventID    string   `json:"eventId"`
	By         []string `json:"by"`
}

// Volume is a named volume (volume.created): on each node, a directory
// that outlives the versions mounting it, until volume.removed.
type Volume struct {
	Name       string   `json:"name"`
	CreatedSeq uint64   `json:"createdSeq"`
	EventID    string   `json:"eventId"`
	By         []string `json:"by"`
}

// validateNetworkCreated admits a network whose name is not taken and
// whose subnet, if it has one, overlaps no other network's: two bridges
// of one node with overlapping subnets would route each other's traffic.
func validateNetworkCreated(s *State, c *change) error {
	n, err := events.DecodeBody[events.NetworkCreated](c.ev)
	if err != nil {
		return err
	}
	if err := n.Check(); err != nil {
		return err
	}
	if c.ev.Subject != n.Name {
		return fmt.Errorf("network.created subject %q is not the network name %q: %w", c.ev.Subject, n.Name, events.ErrInvalidEvent)
	}
	if old := s.Networks[n.Name]; old != nil {
		return fmt.Errorf("create network %s: it exists (created at seq %d): %w", n.Name, old.CreatedSeq, events.ErrConflict)
	}
	if n.Subnet != "" {
		mine, _ := events.ParseSubnet(n.Subnet) // Check parsed it
		for _, name := range slices.Sorted(maps.Keys(s.Networks)) {
			other, err := events.ParseSubnet(s.Networks[name].Subnet)
			if err == nil && mine.Overlaps(other) {
				return fmt.Errorf("create network %s: subnet %s overlaps network %s's %s: %w", n.Name, mine, name, other, events.ErrConflict)
			}
		}
	}
	net := &Network{Name: n.Name, Subnet: n.Subnet, CreatedSeq: c.seq, EventID: c.id, By: c.signers}
	c.apply = func(s *State) {
		s.netvolTouched = true
		s.Networks = maps.Clone(s.Networks)
		if s.Networks == nil {
			s.Networks = map[string]*Network{}
		}
		s.Networks[net.Name] = net
	}
	return nil
}

// validateVolumeCreated admits a volume whose name is not taken.
func validateVolumeCreated(s *State, c *change) error {
	v, err := events.DecodeBody[events.VolumeCreated](c.ev)
	if err != nil {
		return err
	}
	if err := v.Check(); err != nil {
		return err
	}
	if c.ev.Subject != v.Name {
		return fmt.Errorf("volume.created subject %q is not the volume name %q: %w", c.ev.Subject, v.Name, events.ErrInvalidEvent)
	}
	if old := s.Volumes[v.Name]; old != nil {
		return fmt.Errorf("create volume %s: it exists (created at seq %d): %w", v.Name, old.CreatedSeq, events.ErrConflict)
	}
	vol := &Volume{Name: v.Name, CreatedSeq: c.seq, EventID: c.id, By: c.signers}
	c.apply = func(s *State) {
		s.netvolTouched = true
		s.Volumes = maps.Clone(s.Volumes)
		if s.Volumes == nil {
			s.Volumes = map[string]*Volume{}
		}
		s.Volumes[vol.Name] = vol
	}
	return nil
}

// validateVolumeRemoved drops a volume no live version mounts.
func validateVolumeRemoved(s *State, c *change) error {
	v, err := events.DecodeBody[events.VolumeRemoved](c.ev)
	if err != nil {
		return err
	}
	if err := v.Check(); err != nil {
		return err
	}
	if c.ev.Subject != v.Name {
		return fmt.Errorf("volume.removed subject %q is not the volume name %q: %w", c.ev.Subject, v.Name, events.ErrInvalidEvent)
	}
	if s.Volumes[v.Name] == nil {
		return fmt.Errorf("remove volume %s: no such volume: %w", v.Name, events.ErrNotFound)
	}
	if users := s.VolumeUsers(v.Name); len(users) > 0 {
		return fmt.Errorf("remove volume %s: deployed versions mount it (%s): %w", v.Name, strings.Join(users, ", "), events.ErrConflict)
	}
	c.apply = func(s *State) {
		s.netvolTouched = true
		s.Volumes = maps.Clone(s.Volumes)
		delete(s.Volumes, v.Name)
	}
	return nil
}

// VolumeUsers names the versions that mount volume, as "name@vN", in name
// and version order. A retired function's versions count no more: none of
// them can run again.
func (s *State) VolumeUsers(volume string) []string {
	return s.versionsWith(func(v *Version) bool { return slices.Contains(v.Volumes, volume) })
}

// NetworkUsers names the versions whose records name network, as
// VolumeUsers does. (A container deployed before records named networks
// is on events.DefaultNetwork without naming it.)
func (s *State) NetworkUsers(network string) []string {
	return s.versionsWith(func(v *Version) bool { return slices.Contains(v.Networks, network) })
}

// versionsWith names the versions of functions not retired for which has
// is true, as "name@vN", in name and version order.
func (s *State) versionsWith(has func(*Version) bool) []string {
	var users []string
	for _, name := range slices.Sorted(maps.Keys(s.Functions)) {
		f := s.Functions[name]
		if f.State == Retired {
			continue
		}
		for i := range f.Versions {
			if has(&f.Versions[i]) {
				users = append(users, fmt.Sprintf("%s@v%d", name, f.Versions[i].Number))
			}
		}
	}
	return users
}

// checkResources judges the volumes and networks a container deploy
// names: each declared in the ledger, each once, and the volumes exactly
// those its runtime config mounts, so that what VolumeUsers counts is what
// runs. Named networks need a network mode with a bridge.
func checkResources(s *State, d *events.Deployed, spec *specs.Spec) error {
	for i, v := range d.Volumes {
		switch {
		case !events.ValidResourceName(v):
			return fmt.Errorf("deploy %s: volume name %q: %w", d.Name, v, events.ErrInvalidEvent)
		case slices.Contains(d.Volumes[:i], v):
			return fmt.Errorf("deploy %s: volume %s named twice: %w", d.Name, v, events.ErrInvalidEvent)
		case s.Volumes[v] == nil:
			return fmt.Errorf("deploy %s: volume %s is not in the ledger (vault volume create %s first): %w", d.Name, v, v, events.ErrNotFound)
		}
	}
	mounted := map[string]bool{}
	for i, m := range spec.Mounts {
		name, ok := strings.CutPrefix(m.Source, oci.VolumeSource)
		if !ok {
			continue
		}
		if !slices.Contains(d.Volumes, name) {
			return fmt.Errorf("deploy %s: mounts[%d] mounts volume %q, which the record's volumes do not name: %w", d.Name, i, name, events.ErrInvalidEvent)
		}
		mounted[name] = true
	}
	for _, v := range d.Volumes {
		if !mounted[v] {
			return fmt.Errorf("deploy %s: volume %s is named but its runtime config does not mount it: %w", d.Name, v, events.ErrInvalidEvent)
		}
	}
	if len(d.Networks) > 0 && d.Network != string(oci.NetworkRestricted) && d.Network != string(oci.NetworkAdmin) {
		return fmt.Errorf("deploy %s: network mode %q has no bridge to join networks %s on: %w", d.Name, d.Network, strings.Join(d.Networks, ", "), events.ErrInvalidEvent)
	}
	for i, n := range d.Networks {
		switch {
		case !events.ValidResourceName(n):
			return fmt.Errorf("deploy %s: network name %q: %w", d.Name, n, events.ErrInvalidEvent)
		case slices.Contains(d.Networks[:i], n):
			return fmt.Errorf("deploy %s: network %s named twice: %w", d.Name, n, events.ErrInvalidEvent)
		case n != events.DefaultNetwork && s.Networks[n] == nil:
			return fmt.Errorf("deploy %s: network %s is not in the ledger (vault network create %s first): %w", d.Name, n, n, events.ErrNotFound)
		}
	}
	return nil
}
