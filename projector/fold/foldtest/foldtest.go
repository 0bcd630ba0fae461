// Package foldtest builds signed ledger events in memory for tests of the
// fold and of what is built on it: a genesis signed by an operator key, and
// helpers that seal later events naming the genesis ID.
package foldtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas/oci"
)

// Ledger builds a ledger in memory: a genesis signed by an operator
// key, and methods that seal later events naming the genesis ID.
type Ledger struct {
	t testing.TB
	// operator holds admin, deploy and activate.
	Operator *events.Signer
	// Logger holds only the log role; Deployer only deploy.
	Logger, Deployer *events.Signer
	Genesis          []byte
	// ID is the genesis event's ID, the ledger's name.
	ID string
}

// NewLedger is a ledger whose genesis grants Operator admin, deploy and
// activate, Logger log and Deployer deploy.
func NewLedger(t testing.TB) *Ledger {
	t.Helper()
	l := &Ledger{t: t, Operator: NamedSigner(t, "operator"), Logger: NamedSigner(t, "logger"), Deployer: NamedSigner(t, "deployer")}
	l.Genesis = l.SealGenesis("test", l.Operator,
		Grant(l.Operator, events.RoleAdmin, events.RoleDeploy, events.RoleActivate),
		Grant(l.Logger, events.RoleLog),
		Grant(l.Deployer, events.RoleDeploy))
	l.ID = events.ID(l.Genesis)
	return l
}

// Bare is a ledger without a genesis: the caller seals one with Seal and
// sets Genesis and ID.
func Bare(t testing.TB) *Ledger { return &Ledger{t: t} }

// T is the test the ledger reports failures to.
func (l *Ledger) T() testing.TB { return l.t }

// NewSigner is a fresh random key.
func NewSigner(t testing.TB) *events.Signer {
	t.Helper()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// NamedSigner is the same key for the same name in every run, so that
// outputs that list keys in ID order are stable.
func NamedSigner(t testing.TB, name string) *events.Signer {
	t.Helper()
	seed := sha256.Sum256([]byte("vault test key " + name))
	s, err := events.NewSigner(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Grant gives s roles in a genesis or key change.
func Grant(s *events.Signer, roles ...events.Role) events.KeyGrant {
	return events.KeyGrant{ID: s.ID, PublicKey: s.Public(), Roles: roles}
}

// SealGenesis is a genesis named name, signed by signer.
func (l *Ledger) SealGenesis(name string, signer *events.Signer, grants ...events.KeyGrant) []byte {
	l.t.Helper()
	return l.Seal("", events.TypeGenesis, "", events.Genesis{Name: name, Keys: grants, AdminThreshold: 1}, signer)
}

// Seal builds an event for ledgerID and signs it.
func (l *Ledger) Seal(ledgerID string, typ events.Type, subject string, body any, signers ...*events.Signer) []byte {
	l.t.Helper()
	payload, err := events.NewEvent(ledgerID, typ, subject, body)
	if err != nil {
		l.t.Fatal(err)
	}
	env, err := events.Seal(payload, signers...)
	if err != nil {
		l.t.Fatal(err)
	}
	return env
}

// Deployed seals d, signed by signer.
func (l *Ledger) Deployed(d events.Deployed, signer *events.Signer) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeDeployed, d.Name, d, signer)
}

// Deploy is a valid deploy of artifact (a blob's name) by the operator.
func (l *Ledger) Deploy(name, blob string, routes ...string) []byte {
	l.t.Helper()
	return l.Deployed(events.Deployed{Name: name, Artifact: Digest(blob), Size: int64(len(blob)), Routes: routes}, l.Operator)
}

// Activated seals a, signed by signer.
func (l *Ledger) Activated(a events.Activated, signer *events.Signer) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeActivated, a.Name, a, signer)
}

// Activate makes version (blob) of name the active one, signed by the
// operator.
func (l *Ledger) Activate(name string, version int, blob string) []byte {
	l.t.Helper()
	return l.Activated(events.Activated{Name: name, Version: version, Artifact: Digest(blob)}, l.Operator)
}

// Split sends percent of fn's requests to version (blob).
func (l *Ledger) Split(name string, version int, blob string, percent int) []byte {
	l.t.Helper()
	return l.Activated(events.Activated{Name: name, Version: version, Artifact: Digest(blob), Percent: percent}, l.Operator)
}

// Rollback returns name to version (blob), signed by the operator.
func (l *Ledger) Rollback(name string, version int, blob string) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeRolledBack, name, events.RolledBack{Name: name, Version: version, Artifact: Digest(blob)}, l.Operator)
}

// Lifecycle seals a pause, resume or retire of fn.
func (l *Ledger) Lifecycle(typ events.Type, name string) []byte {
	l.t.Helper()
	return l.Seal(l.ID, typ, name, events.Lifecycle{Name: name}, l.Operator)
}

// FoldAll applies every envelope to a new state; all must be accepted.
func FoldAll(t testing.TB, envelopes ...[]byte) *fold.State {
	t.Helper()
	s := fold.NewState()
	for _, env := range envelopes {
		if err := fold.Apply(s, s.Seq+1, events.ID(env), env); err != nil {
			t.Fatalf("fold setup record %d: %v", s.Seq, err)
		}
	}
	return s
}

// Digest is the artifact digest of blob.
func Digest(blob string) string {
	sum := sha256.Sum256([]byte(blob))
	return hex.EncodeToString(sum[:])
}

// Tamper re-encodes envelope after letting edit change it.
func Tamper(t testing.TB, envelope []byte, edit func(*events.Envelope)) []byte {
	t.Helper()
	env, err := events.DecodeEnvelope(envelope)
	if err != nil {
		t.Fatal(err)
	}
	edit(env)
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FlipSignature breaks the first signature of env.
func FlipSignature(env *events.Envelope) { env.Signatures[0].Sig[0] ^= 0x01 }

// OCIDigest is the OCI digest, "sha256:<hex>", of name's bytes.
func OCIDigest(name string) string { return "sha256:" + Digest(name) }

// Image is an image.pulled body for image name pulled from repo: its
// manifest is name's digest, its config name+"-config"'s and its layers
// (gzip) those of the layers' names.
func Image(name, repo, tag string, layers ...string) events.ImagePulled {
	p := events.ImagePulled{Repository: repo, Tag: tag, Digest: OCIDigest(name), Platform: "linux/amd64",
		Manifest: events.Blob{Digest: OCIDigest(name), Size: 500, MediaType: "application/vnd.oci.image.manifest.v1+json"},
		Config:   events.Blob{Digest: OCIDigest(name + "-config"), Size: 300, MediaType: "application/vnd.oci.image.config.v1+json"}}
	for _, layer := range layers {
		p.Layers = append(p.Layers, events.Blob{Digest: OCIDigest(layer), Size: 1000, MediaType: "application/vnd.oci.image.layer.v1.tar+gzip"})
	}
	return p
}

// PullImage seals p as an image.pulled signed by signer.
func (l *Ledger) PullImage(p events.ImagePulled, signer *events.Signer) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeImagePulled, p.Digest, p, signer)
}

// RemoveImage seals the removal of image name, signed by the operator.
func (l *Ledger) RemoveImage(name string) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeImageRemoved, OCIDigest(name), events.ImageRemoved{Digest: OCIDigest(name)}, l.Operator)
}

// Runtime is a container's runtime config for a deploy record: the
// restricted default, or it changed as kind says ("root", "sysadmin",
// "netadmin", "hostmount", "noseccomp", "nonnp", "unknownfield").
func Runtime(t testing.TB, kind string) json.RawMessage {
	t.Helper()
	spec := oci.Restricted(specs.Process{User: specs.User{UID: 1000, GID: 1000}, Args: []string{"/bin/app"}, Cwd: "/"}, 256<<20, 1024, 512)
	switch kind {
	case "", "restricted":
	case "root":
		spec.Process.User.UID = 0
	case "sysadmin":
		spec.Process.Capabilities.Bounding = append(spec.Process.Capabilities.Bounding, "CAP_SYS_ADMIN")
	case "netadmin":
		spec.Process.Capabilities.Bounding = append(spec.Process.Capabilities.Bounding, "CAP_NET_ADMIN")
	case "hostmount":
		spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/host", Type: "bind", Source: "/", Options: []string{"rbind"}})
	case "noseccomp":
		spec.Linux.Seccomp = nil
	case "nonnp":
		spec.Process.NoNewPrivileges = false
	case "unknownfield":
		raw, _ := json.Marshal(spec)
		return append(raw[:len(raw)-1], []byte(`,"futureField":true}`)...)
	default:
		t.Fatalf("foldtest: no runtime kind %q", kind)
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// CreateNetwork is a network.created record, subnet optional, signed by
// the operator.
func (l *Ledger) CreateNetwork(name, subnet string) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeNetworkCreated, name, events.NetworkCreated{Name: name, Subnet: subnet}, l.Operator)
}

// CreateVolume is a volume.created record signed by the operator.
func (l *Ledger) CreateVolume(name string) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeVolumeCreated, name, events.VolumeCreated{Name: name}, l.Operator)
}

// RemoveVolume is a volume.removed record signed by the operator.
func (l *Ledger) RemoveVolume(name string) []byte {
	l.t.Helper()
	return l.Seal(l.ID, events.TypeVolumeRemoved, name, events.VolumeRemoved{Name: name}, l.Operator)
}

// WithVolumes is runtime config raw with each named volume bind-mounted
// (source "volume:NAME") at /vol/NAME, as oci.Generate mounts volumes.
func WithVolumes(t testing.TB, raw json.RawMessage, names ...string) json.RawMessage {
	t.Helper()
	var spec specs.Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/vol/" + name, Type: "bind", Source: oci.VolumeSource + name,
			Options: []string{"rbind", "rw", "nosuid", "nodev"}})
	}
	out, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
