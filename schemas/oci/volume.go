package oci

import (
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// volumeMountProblem says why m, a bind mount from VolumeSource, is not
// a declared volume's mount as VolumeMount makes it, or "" if it is. What
// is not is judged a host mount, needing approval: a name that is no
// volume's could name a path on the host ("volume:../../etc"), a volume
// over /, /proc, /sys or /dev would hide the image or the kernel's
// masked paths, and one without nosuid and nodev could carry setuid files
// or device nodes from one container to another. The manifest refuses
// the same paths with their line and column (schemas.CheckVolumePath);
// this check is for a record made around the CLI.
func volumeMountProblem(m specs.Mount) string {
	name := strings.TrimPrefix(m.Source, VolumeSource)
	switch {
	case !events.ValidResourceName(name):
		return "not a volume name"
	case schemas.CheckVolumePath(m.Destination) != nil:
		return schemas.CheckVolumePath(m.Destination).Error()
	case !slices.Contains(m.Options, "nosuid") || !slices.Contains(m.Options, "nodev"):
		return "a volume is mounted nosuid,nodev"
	case slices.ContainsFunc(m.Options, func(o string) bool { return o == "suid" || o == "dev" }):
		return "a volume is mounted nosuid,nodev"
	}
	return ""
}
