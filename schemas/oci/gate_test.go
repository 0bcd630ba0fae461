package oci

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// secure is the independent statement of what may run: it reads the
// issue's rules, not Judge's code.
func secure(p Profile, approved bool) bool {
	if p.Caps.SysAdmin && !p.Privileged {
		return false // rule 1
	}
	if p.Root && !p.UserNS {
		return false // rule 2
	}
	if p.Caps.NetAdmin && !(p.Network == NetworkRestricted || p.Network == NetworkAdmin) {
		return false // rule 3
	}
	escalationAllowed := !p.NoNewPrivileges
	if escalationAllowed && !p.UserNS {
		return false // rule 4
	}
	beyondDefault := p.Privileged || p.HostNamespaces || p.Network == NetworkHost || p.HostMounts ||
		p.Caps.SysAdmin || p.Caps.NetAdmin || p.Caps.Other
	return !beyondDefault || approved // rule 5
}

// TestJudgeWholeDomain enumerates every profile (privileged × root ×
// user namespace × each capability class × network mode × no_new_privileges
// × host namespaces × host mounts × approval, 4096 of them): Judge admits
// exactly what secure admits, and each refusal names its rule and the
// field behind it.
func TestJudgeWholeDomain(t *testing.T) {
	bools := []bool{false, true}
	nets := []Network{NetworkNone, NetworkRestricted, NetworkAdmin, NetworkHost}
	n, admitted := 0, 0
	for _, priv := range bools {
		for _, root := range bools {
			for _, userns := range bools {
				for _, sysAdmin := range bools {
					for _, netAdmin := range bools {
						for _, other := range bools {
							for _, net := range nets {
								for _, nnp := range bools {
									for _, hostNS := range bools {
										for _, hostMounts := range bools {
											for _, approved := range bools {
												p := Profile{Privileged: priv, Root: root, UserNS: userns,
													Caps: Caps{SysAdmin: sysAdmin, NetAdmin: netAdmin, Other: other}, Network: net,
													NoNewPrivileges: nnp, HostNamespaces: hostNS, HostMounts: hostMounts, Why: whyAll()}
												n++
												err := Judge(p, approved)
												if want := secure(p, approved); (err == nil) != want {
													t.Fatalf("%+v approved=%v: Judge = %v, secure = %v", p, approved, err, want)
												}
												if err == nil {
													admitted++
													continue
												}
												var r *Refusal
												if !errors.As(err, &r) || r.Rule < 1 || r.Rule > 5 || r.Field == "" {
													t.Fatalf("%+v: refusal %v names no rule or field", p, err)
												}
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if n != 4096 {
		t.Fatalf("enumerated %d profiles, want 4096", n)
	}
	t.Logf("%d of %d profile × approval pairs admitted", admitted, n)
}

// whyAll names a stand-in field for every trait.
func whyAll() map[string]string {
	w := map[string]string{}
	for _, trait := range []string{TraitPrivileged, TraitRoot, TraitSysAdmin, TraitNetAdmin, TraitOtherCaps, TraitNoNNP, TraitHostNS, TraitHostMounts, TraitHostNet} {
		w[trait] = "field of " + trait
	}
	return w
}

func restricted() *specs.Spec {
	return Restricted(specs.Process{User: specs.User{UID: 1000, GID: 1000}, Args: []string{"/bin/busybox", "httpd"}, Cwd: "/"}, 256<<20, 1024, 512)
}

func TestRestrictedIsAdmittedWithoutApproval(t *testing.T) {
	for _, net := range []Network{NetworkNone, NetworkRestricted, NetworkAdmin} {
		p := Abstract(restricted(), net)
		if p.Privileged || p.Root || p.UserNS || p.Caps != (Caps{}) || !p.NoNewPrivileges || p.HostNamespaces || p.HostMounts || p.Network != net {
			t.Errorf("%s: profile %+v, want every trait harmless", net, p)
		}
		if err := Judge(p, false); err != nil {
			t.Errorf("%s: %v", net, err)
		}
	}
}

// mutation changes a restricted config in one way, and says what a
// gatekeeper must then see in it.
type mutation struct {
	name  string
	edit  func(s *specs.Spec) Network
	trait string // "" for a harmless change
	has   func(Profile) bool
}

func withoutNamespace(nss []specs.LinuxNamespace, t specs.LinuxNamespaceType) []specs.LinuxNamespace {
	return slices.DeleteFunc(slices.Clone(nss), func(ns specs.LinuxNamespace) bool { return ns.Type == t })
}

func network(n Network) func(*specs.Spec) Network { return func(*specs.Spec) Network { return n } }

var mutations = []mutation{
	{"sys admin in bounding", func(s *specs.Spec) Network {
		s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN")
		return NetworkRestricted
	}, TraitSysAdmin, func(p Profile) bool { return p.Caps.SysAdmin }},
	{"sys admin only ambient, lower case", func(s *specs.Spec) Network {
		s.Process.Capabilities.Ambient = []string{"cap_sys_admin"}
		return NetworkRestricted
	}, TraitSysAdmin, func(p Profile) bool { return p.Caps.SysAdmin }},
	{"net admin", func(s *specs.Spec) Network {
		s.Process.Capabilities.Permitted = append(s.Process.Capabilities.Permitted, "CAP_NET_ADMIN")
		return NetworkNone
	}, TraitNetAdmin, func(p Profile) bool { return p.Caps.NetAdmin }},
	{"an unknown capability", func(s *specs.Spec) Network {
		s.Process.Capabilities.Inheritable = []string{"CAP_FROM_THE_FUTURE"}
		return NetworkRestricted
	}, TraitOtherCaps, func(p Profile) bool { return p.Caps.Other }},
	{"sys ptrace", func(s *specs.Spec) Network {
		s.Process.Capabilities.Effective = append(s.Process.Capabilities.Effective, "CAP_SYS_PTRACE")
		return NetworkRestricted
	}, TraitOtherCaps, func(p Profile) bool { return p.Caps.Other }},
	{"root", func(s *specs.Spec) Network { s.Process.User.UID = 0; return NetworkRestricted }, TraitRoot, func(p Profile) bool { return p.Root }},
	{"no_new_privileges off", func(s *specs.Spec) Network { s.Process.NoNewPrivileges = false; return NetworkRestricted },
		TraitNoNNP, func(p Profile) bool { return !p.NoNewPrivileges }},
	{"no seccomp", func(s *specs.Spec) Network { s.Linux.Seccomp = nil; return NetworkRestricted },
		TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"an allow-all seccomp", func(s *specs.Spec) Network {
		s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
		return NetworkRestricted
	}, TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"/proc/kcore unmasked", func(s *specs.Spec) Network {
		s.Linux.MaskedPaths = slices.DeleteFunc(s.Linux.MaskedPaths, func(p string) bool { return p == "/proc/kcore" })
		return NetworkRestricted
	},
		TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"/proc/sys writable", func(s *specs.Spec) Network { s.Linux.ReadonlyPaths = nil; return NetworkRestricted },
		TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"a device node", func(s *specs.Spec) Network {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/sda", Type: "b", Major: 8}}
		return NetworkRestricted
	}, TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"all devices allowed", func(s *specs.Spec) Network {
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "a", Access: "rwm"})
		return NetworkRestricted
	}, TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"writable sysfs", func(s *specs.Spec) Network {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/sys2", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid"}})
		return NetworkRestricted
	},
		TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"debugfs", func(s *specs.Spec) Network {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/d", Type: "debugfs", Source: "debugfs", Options: []string{"ro"}})
		return NetworkRestricted
	}, TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"a sysctl", func(s *specs.Spec) Network {
		s.Linux.Sysctl = map[string]string{"kernel.x": "1"}
		return NetworkRestricted
	},
		TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"unconfined apparmor", func(s *specs.Spec) Network { s.Process.ApparmorProfile = "unconfined"; return NetworkRestricted },
		TraitPrivileged, func(p Profile) bool { return p.Privileged }},
	{"host pid namespace", func(s *specs.Spec) Network {
		s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.PIDNamespace)
		return NetworkRestricted
	},
		TraitHostNS, func(p Profile) bool { return p.HostNamespaces }},
	{"joins a namespace by path", func(s *specs.Spec) Network {
		s.Linux.Namespaces = append(withoutNamespace(s.Linux.Namespaces, specs.UTSNamespace), specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/1/ns/uts"})
		return NetworkRestricted
	},
		TraitHostNS, func(p Profile) bool { return p.HostNamespaces }},
	{"host network by namespaces", func(s *specs.Spec) Network {
		s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.NetworkNamespace)
		return NetworkRestricted
	},
		TraitHostNet, func(p Profile) bool { return p.Network == NetworkHost }},
	{"host network by mode", network(NetworkHost), TraitHostNet, func(p Profile) bool { return p.Network == NetworkHost }},
	{"an unknown network mode", network("bridge"), TraitHostNet, func(p Profile) bool { return p.Network == NetworkHost }},
	{"a host bind mount", func(s *specs.Spec) Network {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: "/etc", Options: []string{"rbind", "ro"}})
		return NetworkRestricted
	}, TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a bind by option only", func(s *specs.Spec) Network {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "none", Source: "/", Options: []string{"bind"}})
		return NetworkRestricted
	}, TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a volume over /proc", volume("pgdata", "/proc", "rbind", "rw", "nosuid", "nodev"), TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a volume at /", volume("pgdata", "/", "rbind", "rw", "nosuid", "nodev"), TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a volume in /dev", volume("pgdata", "/dev/shm", "rbind", "rw", "nosuid", "nodev"), TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a volume named as a path", volume("../../etc", "/data", "rbind", "rw", "nosuid", "nodev"), TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a volume with devices", volume("pgdata", "/data", "rbind", "rw", "nosuid"), TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a volume with setuid", volume("pgdata", "/data", "rbind", "rw", "nosuid", "nodev", "suid"), TraitHostMounts, func(p Profile) bool { return p.HostMounts }},
	{"a user namespace onto host root", func(s *specs.Spec) Network {
		s.Process.User.UID = 0
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		return NetworkRestricted
	}, TraitRoot, func(p Profile) bool { return p.Root && !p.UserNS }},
	// Harmless changes.
	{"a volume", volume("pgdata", "/data", "rbind", "rw", "nosuid", "nodev"), "", nil},
	{"a read-only volume", volume("pgdata", "/etc/conf", "rbind", "ro", "nosuid", "nodev"), "", nil},
	{"root in a proper user namespace", func(s *specs.Spec) Network {
		s.Process.User.UID = 0
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		return NetworkRestricted
	}, "", nil},
	{"a writable root", func(s *specs.Spec) Network { s.Root.Readonly = false; return NetworkNone }, "", nil},
}

// TestEachDangerousFieldIsCaught changes the restricted config one field
// at a time: each dangerous change shows in the profile, is refused
// without approval naming the field, and harmless ones are admitted.
func TestEachDangerousFieldIsCaught(t *testing.T) {
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			s := restricted()
			p := Abstract(s, m.edit(s))
			err := Judge(p, false)
			if m.trait == "" {
				if err != nil {
					t.Fatalf("a harmless change refused: %v", err)
				}
				return
			}
			if !m.has(p) {
				t.Fatalf("profile %+v does not show %s", p, m.trait)
			}
			var r *Refusal
			if !errors.As(err, &r) || r.Field == "" {
				t.Fatalf("Judge = %v, want a refusal naming the field", err)
			}
			t.Log(err)
		})
	}
}

func TestRefusalsNameRuleAndField(t *testing.T) {
	s := restricted()
	s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN")
	err := Judge(Abstract(s, NetworkRestricted), true)
	if want := "gatekeeper rule 1 (CAP_SYS_ADMIN requires privileged mode): process.capabilities.bounding: CAP_SYS_ADMIN"; err == nil || err.Error() != want {
		t.Errorf("Judge = %v\nwant %s", err, want)
	}
	s = restricted()
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/host", Type: "bind", Source: "/", Options: []string{"rbind"}})
	err = Judge(Abstract(s, NetworkRestricted), false)
	if want := "gatekeeper rule 5 (host mounts needs approval: a threshold of admin signatures on the deploy record): mounts[8]: /host from /"; err == nil || err.Error() != want {
		t.Errorf("Judge = %v\nwant %s", err, want)
	}
	if Judge(Abstract(s, NetworkRestricted), true) != nil || !NeedsApproval(Abstract(s, NetworkRestricted)) {
		t.Error("a host mount with approval was refused")
	}
	if p := Abstract(nil, NetworkRestricted); Judge(p, true) == nil {
		t.Error("an empty config was admitted")
	}
}

// TestRefusalIsDeterministic: a refusal's text becomes a rejection's
// reason in the ledger's state, which every node must compute the same.
func TestRefusalIsDeterministic(t *testing.T) {
	for _, m := range mutations {
		s := restricted()
		net := m.edit(s)
		s.Process.Capabilities.Ambient = append(s.Process.Capabilities.Ambient, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE")
		s.Process.Capabilities.Inheritable = append(s.Process.Capabilities.Inheritable, "CAP_NET_ADMIN", "CAP_SYS_ADMIN")
		first := Judge(Abstract(s, net), false)
		for range 30 {
			if err := Judge(Abstract(s, net), false); fmt.Sprint(err) != fmt.Sprint(first) {
				t.Fatalf("%s: %v, then %v", m.name, first, err)
			}
		}
	}
}

// volume is a mutation that bind-mounts volume name at dest with options.
func volume(name, dest string, options ...string) func(*specs.Spec) Network {
	return func(s *specs.Spec) Network {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: dest, Type: "bind", Source: VolumeSource + name, Options: options})
		return NetworkRestricted
	}
}
