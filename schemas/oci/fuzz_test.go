package oci

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dangerousTraits reads a config as generic JSON, independently of
// Abstract, and lists the traits its fields give it.
func dangerousTraits(raw []byte) map[string]bool {
	var doc map[string]any
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	out := map[string]bool{}
	obj := func(m map[string]any, key string) map[string]any { v, _ := m[key].(map[string]any); return v }
	list := func(m map[string]any, key string) []any { v, _ := m[key].([]any); return v }
	proc, linux := obj(doc, "process"), obj(doc, "linux")
	if proc == nil || linux == nil || obj(doc, "root") == nil {
		out[TraitPrivileged] = true
		return out
	}
	if uid, _ := obj(proc, "user")["uid"].(float64); uid == 0 {
		out[TraitRoot] = true
	}
	if nnp, _ := proc["noNewPrivileges"].(bool); !nnp {
		out[TraitNoNNP] = true
	}
	if caps := obj(proc, "capabilities"); caps != nil {
		for _, set := range []string{"bounding", "effective", "inheritable", "permitted", "ambient"} {
			for _, c := range list(caps, set) {
				name, _ := c.(string)
				switch strings.ToUpper(strings.TrimSpace(name)) {
				case "CAP_SYS_ADMIN":
					out[TraitSysAdmin] = true
				case "CAP_NET_ADMIN":
					out[TraitNetAdmin] = true
				case "CAP_NET_BIND_SERVICE":
				default:
					out[TraitOtherCaps] = true
				}
			}
		}
	}
	if linux["seccomp"] == nil || len(list(linux, "devices")) > 0 {
		out[TraitPrivileged] = true
	}
	masked := list(linux, "maskedPaths")
	for _, want := range StandardMaskedPaths {
		if !slices.ContainsFunc(masked, func(v any) bool { return v == want }) {
			out[TraitPrivileged] = true
		}
	}
	own := map[string]bool{}
	for _, ns := range list(linux, "namespaces") {
		m, _ := ns.(map[string]any)
		typ, _ := m["type"].(string)
		if path, _ := m["path"].(string); path != "" {
			out[TraitHostNS] = true
			continue
		}
		own[typ] = true
	}
	for _, typ := range []string{"pid", "ipc", "uts", "mount", "cgroup"} {
		if !own[typ] {
			out[TraitHostNS] = true
		}
	}
	if !own["network"] {
		out[TraitHostNet] = true
	}
	for _, mnt := range list(doc, "mounts") {
		m, _ := mnt.(map[string]any)
		typ, _ := m["type"].(string)
		bind := typ == "bind"
		for _, o := range list(m, "options") {
			bind = bind || o == "bind" || o == "rbind"
		}
		if bind && !declaredVolume(m) {
			out[TraitHostMounts] = true
		}
	}
	return out
}

// needsApproval are the traits rule 5 admits only with approval (and
// rules 1 and 3 may refuse outright).
var needsApproval = map[string]bool{TraitPrivileged: true, TraitSysAdmin: true, TraitNetAdmin: true, TraitOtherCaps: true,
	TraitHostNS: true, TraitHostNet: true, TraitHostMounts: true}

// shows says whether profile p carries trait.
func shows(p Profile, trait string) bool {
	switch trait {
	case TraitPrivileged:
		return p.Privileged
	case TraitRoot:
		return p.Root
	case TraitSysAdmin:
		return p.Caps.SysAdmin
	case TraitNetAdmin:
		return p.Caps.NetAdmin
	case TraitOtherCaps:
		return p.Caps.Other
	case TraitNoNNP:
		return !p.NoNewPrivileges
	case TraitHostNS:
		return p.HostNamespaces
	case TraitHostNet:
		return p.Network == NetworkHost
	case TraitHostMounts:
		return p.HostMounts
	}
	return false
}

// FuzzAbstract checks that Abstract never maps a dangerous field to a
// harmless profile: ops apply mutations of the restricted config (one
// per byte), raw is any config at all; for both, every trait the
// independent JSON reading finds shows in the profile, and a config with
// a trait that needs approval is never admitted without it.
func FuzzAbstract(f *testing.F) {
	f.Add([]byte{0, 5}, []byte(`{}`))
	f.Add([]byte{17, 22}, []byte(`{"process":{"user":{"uid":0},"capabilities":{"ambient":["CAP_SYS_ADMIN"]}},"root":{"path":"r"},"linux":{}}`))
	f.Add([]byte{}, []byte(`{"process":{"user":{"uid":1}},"root":{},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"namespaces":[{"type":"network","path":"/proc/1/ns/net"}]}}`))
	f.Fuzz(func(t *testing.T, ops []byte, raw []byte) {
		s := restricted()
		net := NetworkRestricted
		for _, op := range ops {
			net = mutations[int(op)%len(mutations)].edit(s)
		}
		mutated, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		check := func(raw []byte, spec *specs.Spec, net Network) {
			p := Abstract(spec, net)
			for trait := range dangerousTraits(raw) {
				if !shows(p, trait) {
					t.Fatalf("%s in %s does not show in the profile %+v", trait, raw, p)
				}
				if needsApproval[trait] && Judge(p, false) == nil {
					t.Fatalf("%s in %s was admitted without approval", trait, raw)
				}
			}
		}
		check(mutated, s, net)
		var any specs.Spec
		if json.Unmarshal(raw, &any) == nil {
			check(raw, &any, NetworkRestricted)
		}
	})
}

// declaredVolume is the independent statement of a volume's mount that
// needs no approval: source "volume:" and a name of [a-z0-9-], over a
// directory that is not /, nor in /proc, /sys or /dev, nosuid and nodev.
func declaredVolume(m map[string]any) bool {
	src, _ := m["source"].(string)
	dest, _ := m["destination"].(string)
	name, ok := strings.CutPrefix(src, "volume:")
	if !ok || name == "" || len(name) > 32 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return false
	}
	if !strings.HasPrefix(dest, "/") || dest == "/" || path.Clean(dest) != dest {
		return false
	}
	for _, top := range []string{"/proc", "/sys", "/dev"} {
		if dest == top || strings.HasPrefix(dest, top+"/") {
			return false
		}
	}
	nosuid, nodev := false, false
	options, _ := m["options"].([]any)
	for _, o := range options {
		switch o {
		case "nosuid":
			nosuid = true
		case "nodev":
			nodev = true
		case "suid", "dev":
			return false
		}
	}
	return nosuid && nodev
}
