package oci

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// OCIVersion is the runtime spec version written: Debian's runc accepts it.
const OCIVersion = "1.0.2"

// Restricted is the config a container gets unless its manifest asks for
// more (and the gatekeeper admits it): the Kubernetes "restricted"
// profile. It runs process as the image's non-root user with every
// capability dropped but NET_BIND_SERVICE, no_new_privileges, a read-only
// root filesystem with a tmpfs /tmp, its own namespaces, a seccomp
// profile refusing the syscalls that reach the kernel's own state, runc's
// masked and read-only kernel paths, and pids, memory and CPU limits.
// The node fills in the root path and the network namespace it made.
func Restricted(proc specs.Process, memoryBytes int64, cpuShares uint64, pids int64) *specs.Spec {
	proc.NoNewPrivileges = true
	proc.Capabilities = &specs.LinuxCapabilities{
		Bounding: slices.Clone(DefaultCaps), Effective: slices.Clone(DefaultCaps), Permitted: slices.Clone(DefaultCaps),
	}
	proc.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 4096, Soft: 1024}}
	return &specs.Spec{
		Version:  OCIVersion,
		Process:  &proc,
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "vault",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777", "size=65536k"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
				{Type: specs.MountNamespace}, {Type: specs.CgroupNamespace}, {Type: specs.NetworkNamespace},
			},
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
				Memory:  &specs.LinuxMemory{Limit: &memoryBytes},
				CPU:     &specs.LinuxCPU{Shares: &cpuShares},
				Pids:    &specs.LinuxPids{Limit: pids},
			},
			MaskedPaths:   slices.Clone(StandardMaskedPaths),
			ReadonlyPaths: slices.Clone(StandardReadonlyPaths),
			Seccomp:       restrictedSeccomp(),
		},
	}
}

// blockedSyscalls are refused (EPERM) by Restricted's seccomp profile:
// module loading, mounts, namespaces, kernel keyrings, BPF and perf,
// tracing other processes, clocks, swap, reboot and kexec — what Docker's
// default profile denies to a container without CAP_SYS_ADMIN.
var blockedSyscalls = []string{
	"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module", "finit_module",
	"fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl",
	"kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "mount_setattr",
	"move_mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
	"perf_event_open", "personality", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace",
	"query_module", "quotactl", "quotactl_fd", "reboot", "request_key", "set_mempolicy", "setdomainname",
	"sethostname", "setns", "settimeofday", "stime", "swapoff", "swapon", "syslog", "umount", "umount2",
	"unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
}

func restrictedSeccomp() *specs.LinuxSeccomp {
	errno := uint(1) // EPERM
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls:      []specs.LinuxSyscall{{Names: slices.Clone(blockedSyscalls), Action: specs.ActErrno, ErrnoRet: &errno}},
	}
}
