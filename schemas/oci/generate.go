package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/vault-runtime/vault/schemas"
)

// ImageConfig is what a container's config takes from its image (the
// OCI image config's "config" object).
type ImageConfig struct {
	User       string   `json:"User"`
	Entrypoint []string `json:"Entrypoint"`
	Cmd        []string `json:"Cmd"`
	Env        []string `json:"Env"`
	WorkingDir string   `json:"WorkingDir"`
}

// ParseImageConfig reads an OCI (or Docker) image config blob.
func ParseImageConfig(raw []byte) (ImageConfig, error) {
	var doc struct {
		Config ImageConfig `json:"config"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return ImageConfig{}, fmt.Errorf("image config: %w", err)
	}
	return doc.Config, nil
}

// Defaults of a container's limits.
const (
	DefaultMemoryMB  = 256
	DefaultPids      = 512
	DefaultCPUShares = 1024
)

// Host IDs a user namespace maps the container's onto.
const (
	userNSHostID = 100000
	userNSSize   = 65536
)

// allCaps is what privileged mode holds.
var allCaps = []string{"CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE", "CAP_BLOCK_SUSPEND", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_KILL", "CAP_LEASE", "CAP_LINUX_IMMUTABLE", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE",
	"CAP_MKNOD", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_RAW", "CAP_PERFMON", "CAP_SETFCAP",
	"CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE",
	"CAP_SYS_NICE", "CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_SYSLOG", "CAP_WAKE_ALARM"}

// Generate is the runtime config of a container: Restricted, running
// the image's entrypoint as its user (or the manifest's), with what the
// manifest's security section asks for on top. The gatekeeper judges the
// result; Generate refuses only what cannot be expressed.
func Generate(m *schemas.Manifest, img ImageConfig) (*specs.Spec, Network, error) {
	if m.Container == nil {
		return nil, "", errors.New("generate a runtime config: not a container's manifest")
	}
	sec, lim := m.Container.Security, m.Container.Limits
	args := append(slices.Clone(img.Entrypoint), img.Cmd...)
	if len(args) == 0 {
		return nil, "", fmt.Errorf("%s: the image has no entrypoint or command", m.Image)
	}
	user := sec.User
	if user == "" {
		user = img.User
	}
	if user == "" {
		user = "0"
	}
	uid, gid, err := schemas.ParseUser(user)
	if err != nil {
		return nil, "", fmt.Errorf("%s: user %q: %v (set security.user)", m.Image, user, err)
	}
	cwd := img.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	env := append(slices.Clone(img.Env), "PORT="+strconv.Itoa(m.Port))
	proc := specs.Process{User: specs.User{UID: uid, GID: gid}, Args: args, Env: env, Cwd: cwd}
	memory := max(lim.MemoryMB, 0)
	if memory == 0 {
		memory = DefaultMemoryMB
	}
	pids, shares := lim.Pids, lim.CPUShares
	if pids == 0 {
		pids = DefaultPids
	}
	if shares == 0 {
		shares = DefaultCPUShares
	}
	spec := Restricted(proc, memory<<20, uint64(shares), pids)
	caps := spec.Process.Capabilities
	add := sec.Capabilities
	if sec.Privileged {
		add = allCaps
		spec.Linux.Seccomp, spec.Linux.MaskedPaths, spec.Linux.ReadonlyPaths = nil, nil, nil
		spec.Linux.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		for i := range spec.Mounts {
			if spec.Mounts[i].Type == "sysfs" {
				spec.Mounts[i].Options = slices.DeleteFunc(slices.Clone(spec.Mounts[i].Options), func(o string) bool { return o == "ro" })
			}
		}
	}
	for _, c := range add {
		for _, set := range []*[]string{&caps.Bounding, &caps.Effective, &caps.Permitted} {
			if !slices.Contains(*set, c) {
				*set = append(*set, c)
			}
		}
	}
	spec.Process.NoNewPrivileges = !sec.AllowPrivilegeEscalation
	spec.Root.Readonly = !sec.WritableRoot
	if sec.UserNamespace {
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: userNSHostID, Size: userNSSize}}
		spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: userNSHostID, Size: userNSSize}}
	}
	network := Network(sec.Network)
	if network == "" {
		network = NetworkRestricted
	}
	if network == NetworkHost {
		spec.Linux.Namespaces = slices.DeleteFunc(spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == specs.NetworkNamespace })
	}
	for _, v := range m.Container.Volumes {
		spec.Mounts = append(spec.Mounts, VolumeMount(v))
	}
	return spec, network, nil
}

// VolumeMount is the mount of a named volume: a bind mount whose source
// is VolumeSource+name, which the node replaces with the volume's
// directory, never setuid and never a device node, read-only if asked.
func VolumeMount(v schemas.VolumeMount) specs.Mount {
	mode := "rw"
	if v.ReadOnly {
		mode = "ro"
	}
	return specs.Mount{Destination: v.Path, Type: "bind", Source: VolumeSource + v.Name, Options: []string{"rbind", mode, "nosuid", "nodev"}}
}
