package events

import (
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"
	"strings"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Role is a capability a key can hold.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleDeploy   Role = "deploy"
	RoleActivate Role = "activate"
	RoleLog      Role = "log"
	RoleWitness  Role = "witness"
)

// Roles lists every role, in a fixed order.
var Roles = []Role{RoleAdmin, RoleDeploy, RoleActivate, RoleLog, RoleWitness}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// RequiredRole is the role an event's signer must hold at the event's
// sequence. Genesis needs none: it is the root of trust. Key events need
// a threshold of admin signatures (see Keyring.Change).
func RequiredRole(t Type) (Role, error) {
	switch t {
	case TypeDeployed, TypeImagePulled, TypeImageRemoved:
		return RoleDeploy, nil
	case TypeActivated, TypeRolledBack, TypePaused, TypeResumed, TypeRetired, TypeStopped, TypeStarted:
		return RoleActivate, nil
	case TypeKeyAdded, TypeKeyRotated, TypeKeyRevoked, TypeRoleGranted, TypeRoleRevoked:
		return RoleAdmin, nil
	case TypeNetworkCreated, TypeVolumeCreated, TypeVolumeRemoved:
		// Node infrastructure, not a version of one function: a network is
		// a bridge and a subnet on every node (one that overlaps the
		// nodes' own networks would capture their traffic), and removing
		// a volume drops its data. One admin signature, as an operator's
		// key holds; a deploy key (CI) only names them.
		return RoleAdmin, nil
	}
	return "", fmt.Errorf("required role of %q: %w", t, ErrInvalidEvent)
}

// Key is a key the ledger has named, what it may do and its history.
// Revoked keys stay in the keyring so that history can name them.
type Key struct {
	ID        string            `json:"id"`
	PublicKey ed25519.PublicKey `json:"publicKey"`
	Roles     []Role            `json:"roles"`
	// RoleSince is the seq from which each held role was granted.
	RoleSince map[Role]uint64 `json:"roleSince,omitempty"`
	AddedSeq  uint64          `json:"addedSeq"`
	// AddedBy names the admin keys that signed the addition (none for
	// genesis keys: the genesis signs itself).
	AddedBy []string `json:"addedBy,omitempty"`
	// RevokedSeq is the seq of the revocation (or rotation) from which
	// the key's signatures no longer count; 0 while it is trusted.
	RevokedSeq uint64   `json:"revokedSeq,omitempty"`
	RevokedBy  []string `json:"revokedBy,omitempty"`
	// RotatedTo and RotatedFrom link the two keys of a rotation.
	RotatedTo   string `json:"rotatedTo,omitempty"`
	RotatedFrom string `json:"rotatedFrom,omitempty"`
}

// Has reports whether the key, not revoked, holds role.
func (k *Key) Has(r Role) bool { return k.RevokedSeq == 0 && slices.Contains(k.Roles, r) }

// verify checks an ed25519 signature by the key over msg, under ZIP-215's
// rules (see zip215 in verify.go): the one implementation of the check.
func (k *Key) verify(msg, sig []byte) bool {
	return len(k.PublicKey) == ed25519.PublicKeySize && voi.VerifyWithOptions(voi.PublicKey(k.PublicKey), msg, sig, zip215)
}

// Revoked reports whether the key's signatures no longer count.
func (k *Key) Revoked() bool { return k.RevokedSeq != 0 }

func (k *Key) clone() *Key {
	c := *k
	c.PublicKey = slices.Clone(k.PublicKey)
	c.Roles = slices.Clone(k.Roles)
	c.RoleSince = maps.Clone(k.RoleSince)
	c.AddedBy = slices.Clone(k.AddedBy)
	c.RevokedBy = slices.Clone(k.RevokedBy)
	return &c
}

// Keyring is the trust state projected from the ledger: which keys exist
// and which roles they hold at the current position.
type Keyring struct {
	Keys           map[string]*Key `json:"keys"`
	AdminThreshold int             `json:"adminThreshold"`
}

// Clone is a deep copy.
func (kr *Keyring) Clone() *Keyring {
	c := &Keyring{Keys: make(map[string]*Key, len(kr.Keys)), AdminThreshold: kr.AdminThreshold}
	for id, k := range kr.Keys {
		c.Keys[id] = k.clone()
	}
	return c
}

// Admins lists the trusted admin keys, sorted.
func (kr *Keyring) Admins() []string {
	var ids []string
	for id, k := range kr.Keys {
		if k.Has(RoleAdmin) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// NewKeyring founds a keyring from a genesis body, checking that every key
// ID matches its public key.
func NewKeyring(g *Genesis) (*Keyring, error) {
	if g.AdminThreshold < 1 {
		return nil, fmt.Errorf("genesis: admin threshold %d < 1: %w", g.AdminThreshold, ErrInvalidEvent)
	}
	kr := &Keyring{Keys: map[string]*Key{}, AdminThreshold: g.AdminThreshold}
	for _, kg := range g.Keys {
		if len(kg.PublicKey) != ed25519.PublicKeySize || KeyID(kg.PublicKey) != kg.ID {
			return nil, fmt.Errorf("genesis: key %q does not match its public key: %w", kg.ID, ErrInvalidEvent)
		}
		if kr.Keys[kg.ID] != nil {
			return nil, fmt.Errorf("genesis: key %s granted twice: %w", kg.ID, ErrInvalidEvent)
		}
		k := &Key{ID: kg.ID, PublicKey: kg.PublicKey, AddedSeq: 1, RoleSince: map[Role]uint64{}}
		for _, r := range kg.Roles {
			if !ValidRole(r) || slices.Contains(k.Roles, r) {
				return nil, fmt.Errorf("genesis: key %s: role %q unknown or repeated: %w", kg.ID, r, ErrInvalidEvent)
			}
			k.Roles = append(k.Roles, r)
			k.RoleSince[r] = 1
		}
		kr.Keys[kg.ID] = k
	}
	if admins := len(kr.Admins()); admins < g.AdminThreshold {
		return nil, fmt.Errorf("genesis: %d admin keys, threshold %d: %w", admins, g.AdminThreshold, ErrInvalidEvent)
	}
	return kr, nil
}

// VerifyGenesis checks a genesis envelope: a threshold of the admin keys
// it names must have signed it.
func VerifyGenesis(env *Envelope) (*Genesis, *Keyring, error) {
	ev, err := DecodeEvent(env.Payload)
	if err != nil {
		return nil, nil, err
	}
	if ev.Type != TypeGenesis || ev.Ledger != "" {
		return nil, nil, fmt.Errorf("verify genesis: first record is %q: %w", ev.Type, ErrInvalidEvent)
	}
	g, err := DecodeBody[Genesis](ev)
	if err != nil {
		return nil, nil, err
	}
	kr, err := NewKeyring(g)
	if err != nil {
		return nil, nil, err
	}
	if _, err := kr.Verify(env, RoleAdmin, g.AdminThreshold); err != nil {
		return nil, nil, fmt.Errorf("verify genesis: %w", err)
	}
	return g, kr, nil
}

// Verify checks that at least threshold distinct keys holding role made
// valid signatures over the envelope, and returns their IDs. Signatures by
// unknown, revoked or unqualified keys do not count but are not errors
// while enough others are valid; a signature that fails to verify always
// is one.
func (kr *Keyring) Verify(env *Envelope, role Role, threshold int) ([]string, error) {
	return kr.VerifyWith(env, role, threshold, nil)
}

// SigCheck reports whether signature i of an envelope is valid for key k.
// It lets a caller that verified signatures ahead of time, in parallel,
// supply the answers.
type SigCheck func(i int, k *Key) bool

// ThresholdError says that too few qualified keys signed. It wraps
// ErrUnauthorized, and the reason of the first signature that did not
// count, if any.
type ThresholdError struct {
	Role      Role
	Have      int
	Need      int
	Signers   []string
	Qualified []string // keys that could sign, for a proposal's author
	Problem   error
}

func (e *ThresholdError) Error() string {
	msg := fmt.Sprintf("%d of %d %s signatures", e.Have, e.Need, e.Role)
	if e.Need > 1 {
		msg = fmt.Sprintf("threshold %d of %d %s signatures (signed: %s; may sign: %s)",
			e.Have, e.Need, e.Role, orNone(e.Signers), orNone(e.Qualified))
	}
	if e.Problem != nil {
		msg = e.Problem.Error() + "; " + msg
	}
	return msg
}

func (e *ThresholdError) Unwrap() []error {
	if e.Problem != nil {
		return []error{ErrUnauthorized, e.Problem}
	}
	return []error{ErrUnauthorized}
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// VerifyWith is Verify with signatures checked by check (nil: ed25519).
func (kr *Keyring) VerifyWith(env *Envelope, role Role, threshold int, check SigCheck) ([]string, error) {
	var msg []byte
	if check == nil {
		msg = PAE(env.PayloadType, env.Payload)
		check = func(i int, k *Key) bool { return k.verify(msg, env.Signatures[i].Sig) }
	}
	var signers []string
	var problem error
	for i, s := range env.Signatures {
		k, ok := kr.Keys[s.KeyID]
		if !ok {
			problem = cmpErr(problem, fmt.Errorf("key %s: %w", s.KeyID, ErrUnknownKey))
			continue
		}
		if !check(i, k) {
			return nil, fmt.Errorf("key %s: %w", s.KeyID, ErrBadSignature)
		}
		switch {
		case k.Revoked():
			problem = cmpErr(problem, fmt.Errorf("key %s revoked at seq %d: %w", s.KeyID, k.RevokedSeq, ErrRevoked))
			continue
		case !k.Has(role):
			problem = cmpErr(problem, fmt.Errorf("key %s has no %s role: %w", s.KeyID, role, ErrUnauthorized))
			continue
		}
		if !slices.Contains(signers, s.KeyID) {
			signers = append(signers, s.KeyID)
		}
	}
	if len(signers) >= threshold {
		return signers, nil
	}
	if threshold == 1 && problem != nil {
		return nil, problem
	}
	var qualified []string
	for id, k := range kr.Keys {
		if k.Has(role) {
			qualified = append(qualified, id)
		}
	}
	slices.Sort(qualified)
	slices.Sort(signers)
	return nil, &ThresholdError{Role: role, Have: len(signers), Need: threshold, Signers: signers, Qualified: qualified, Problem: problem}
}

func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}
