package oci

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Network is a container's network mode, as its manifest declares it.
type Network string

const (
	// NetworkNone: a network namespace with loopback only.
	NetworkNone Network = "none"
	// NetworkRestricted: the node's bridge, egress as the manifest allows.
	NetworkRestricted Network = "restricted"
	// NetworkAdmin: as restricted, for containers that manage their own
	// interfaces (CAP_NET_ADMIN inside their namespace).
	NetworkAdmin Network = "admin"
	// NetworkHost: the host's network namespace.
	NetworkHost Network = "host"
)

// Caps are the classes of capability the rules tell apart.
type Caps struct {
	SysAdmin bool // CAP_SYS_ADMIN
	NetAdmin bool // CAP_NET_ADMIN
	// Other is any capability beyond the default set (NET_BIND_SERVICE)
	// but those two.
	Other bool
}

// Profile is what the rules judge of a config.
type Profile struct {
	Privileged      bool
	Root            bool // UID 0
	UserNS          bool
	Caps            Caps
	Network         Network
	NoNewPrivileges bool
	HostNamespaces  bool
	HostMounts      bool
	// Why names, per dangerous trait, the concrete field that gave it,
	// for refusals ("process.capabilities.bounding: CAP_SYS_ADMIN").
	Why map[string]string
}

// Traits named in Profile.Why.
const (
	TraitPrivileged = "privileged"
	TraitRoot       = "root"
	TraitSysAdmin   = "CAP_SYS_ADMIN"
	TraitNetAdmin   = "CAP_NET_ADMIN"
	TraitOtherCaps  = "capabilities"
	TraitNoNNP      = "no_new_privileges"
	TraitHostNS     = "host namespaces"
	TraitHostMounts = "host mounts"
	TraitHostNet    = "host network"
)

// DefaultCaps are the capabilities a container holds without approval.
var DefaultCaps = []string{"CAP_NET_BIND_SERVICE"}

// VolumeSource prefixes the source of a bind mount of a declared volume
// ("volume:pgdata"); the node replaces it with the volume's directory. Any
// other bind mount is a host mount, and so is a volume's that is not as
// VolumeMount makes it (see volumeMountProblem).
const VolumeSource = "volume:"

// Abstract maps spec, run with network mode net, to its profile. Whatever
// it does not recognise takes the dangerous reading.
func Abstract(spec *specs.Spec, net Network) Profile {
	p := Profile{Network: net, Why: map[string]string{}}
	why := func(trait, field string, args ...any) {
		if _, ok := p.Why[trait]; !ok {
			p.Why[trait] = fmt.Sprintf(field, args...)
		}
	}
	switch net {
	case NetworkNone, NetworkRestricted, NetworkAdmin:
	default:
		p.Network = NetworkHost
		why(TraitHostNet, "network: %q", net)
	}
	if spec == nil || spec.Process == nil || spec.Linux == nil || spec.Root == nil {
		p.Privileged, p.Root, p.HostNamespaces = true, true, true
		p.Caps = Caps{SysAdmin: true, NetAdmin: true, Other: true}
		why(TraitPrivileged, "the config has no process, root or linux section")
		return p
	}
	abstractProcess(&p, spec.Process, why)
	abstractLinux(&p, spec, why)
	abstractMounts(&p, spec.Mounts, why)
	if p.Privileged {
		why(TraitPrivileged, "linux")
	}
	return p
}

func abstractProcess(p *Profile, proc *specs.Process, why func(string, string, ...any)) {
	if proc.User.UID == 0 {
		p.Root = true
		why(TraitRoot, "process.user.uid: 0")
	}
	p.NoNewPrivileges = proc.NoNewPrivileges
	if !p.NoNewPrivileges {
		why(TraitNoNNP, "process.noNewPrivileges: false")
	}
	if proc.ApparmorProfile == "unconfined" || proc.SelinuxLabel != "" && strings.Contains(proc.SelinuxLabel, "spc_t") {
		p.Privileged = true
		why(TraitPrivileged, "process: an unconfined security label")
	}
	if proc.Capabilities == nil {
		return
	}
	c := proc.Capabilities
	// In a fixed order: the field a refusal names is part of the ledger's
	// state (a rejection's reason), the same on every node.
	for _, set := range []struct {
		name string
		caps []string
	}{{"bounding", c.Bounding}, {"effective", c.Effective}, {"inheritable", c.Inheritable}, {"permitted", c.Permitted}, {"ambient", c.Ambient}} {
		for _, name := range set.caps {
			switch n := strings.ToUpper(strings.TrimSpace(name)); {
			case n == "CAP_SYS_ADMIN":
				p.Caps.SysAdmin = true
				why(TraitSysAdmin, "process.capabilities.%s: %s", set.name, name)
			case n == "CAP_NET_ADMIN":
				p.Caps.NetAdmin = true
				why(TraitNetAdmin, "process.capabilities.%s: %s", set.name, name)
			case !slices.Contains(DefaultCaps, n):
				p.Caps.Other = true
				why(TraitOtherCaps, "process.capabilities.%s: %s", set.name, name)
			}
		}
	}
}

// MinMappedHostID is the lowest host ID a user namespace may map onto:
// the subordinate ID ranges start above the host's own users (65536).
const MinMappedHostID = 1 << 16

// confined are the namespaces a container must have of its own; the
// network namespace is the network mode's.
var confined = []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace, specs.CgroupNamespace}

// runc's defaults: kernel paths a container must not see or change.
var (
	StandardMaskedPaths = []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"}
	StandardReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

func abstractLinux(p *Profile, spec *specs.Spec, why func(string, string, ...any)) {
	l := spec.Linux
	has := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range l.Namespaces {
		if ns.Path != "" {
			// Joining an existing namespace: whose, the config cannot say.
			p.HostNamespaces = true
			why(TraitHostNS, "linux.namespaces: %s joins %s", ns.Type, ns.Path)
			continue
		}
		has[ns.Type] = true
	}
	for _, t := range confined {
		if !has[t] {
			p.HostNamespaces = true
			why(TraitHostNS, "linux.namespaces: no %s namespace of its own", t)
		}
	}
	if !has[specs.NetworkNamespace] && p.Network != NetworkHost {
		p.Network = NetworkHost
		why(TraitHostNet, "linux.namespaces: no network namespace of its own")
	}
	p.UserNS = has[specs.UserNamespace] && len(l.UIDMappings) > 0 && len(l.GIDMappings) > 0
	for _, m := range append(slices.Clone(l.UIDMappings), l.GIDMappings...) {
		if m.Size == 0 || m.HostID < MinMappedHostID {
			// A mapping onto host root or the host's own users and
			// system IDs is no isolation.
			p.UserNS = false
		}
	}
	privileged := func(field string, args ...any) {
		p.Privileged = true
		why(TraitPrivileged, field, args...)
	}
	if l.Seccomp == nil || l.Seccomp.DefaultAction == specs.ActAllow && len(l.Seccomp.Syscalls) == 0 {
		privileged("linux.seccomp: none")
	}
	for _, path := range StandardMaskedPaths {
		if !slices.Contains(l.MaskedPaths, path) {
			privileged("linux.maskedPaths: %s not masked", path)
		}
	}
	for _, path := range StandardReadonlyPaths {
		if !slices.Contains(l.ReadonlyPaths, path) {
			privileged("linux.readonlyPaths: %s writable", path)
		}
	}
	if len(l.Devices) > 0 {
		privileged("linux.devices: %s", l.Devices[0].Path)
	}
	if l.Resources != nil {
		for _, d := range l.Resources.Devices {
			if d.Allow && (d.Type == "" || d.Type == "a" || d.Major == nil || d.Minor == nil) {
				privileged("linux.resources.devices: allow %q", d.Type)
			}
		}
	}
	if len(l.Sysctl) > 0 {
		privileged("linux.sysctl")
	}
	if l.IntelRdt != nil || l.Personality != nil {
		privileged("linux: intelRdt or personality")
	}
}

// kernelFS are filesystem types that expose the host's kernel state.
var kernelFS = map[string]bool{"sysfs": true, "cgroup": true, "cgroup2": true, "securityfs": true, "debugfs": true,
	"tracefs": true, "configfs": true, "bpf": true, "fusectl": true, "pstore": true, "efivarfs": true}

func abstractMounts(p *Profile, mounts []specs.Mount, why func(string, string, ...any)) {
	for i, m := range mounts {
		bind := m.Type == "bind" || slices.ContainsFunc(m.Options, func(o string) bool { return o == "bind" || o == "rbind" })
		switch {
		case bind && !strings.HasPrefix(m.Source, VolumeSource):
			p.HostMounts = true
			why(TraitHostMounts, "mounts[%d]: %s from %s", i, m.Destination, m.Source)
		case bind && volumeMountProblem(m) != "":
			p.HostMounts = true
			why(TraitHostMounts, "mounts[%d]: %s from %s: %s", i, m.Destination, m.Source, volumeMountProblem(m))
		case kernelFS[m.Type] && !slices.Contains(m.Options, "ro"):
			p.Privileged = true
			why(TraitPrivileged, "mounts[%d]: %s (%s) writable", i, m.Destination, m.Type)
		case m.Type == "proc" && m.Destination != "/proc", kernelFS[m.Type] && m.Type != "sysfs" && m.Type != "cgroup" && m.Type != "cgroup2":
			p.Privileged = true
			why(TraitPrivileged, "mounts[%d]: %s (%s)", i, m.Destination, m.Type)
		}
	}
}
