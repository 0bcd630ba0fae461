package events

import (
	"crypto/ed25519"
	"fmt"
	"slices"
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

// RequiredRole is the role an event's signer must hold at the event's
// sequence. Genesis needs none: it is the root of trust.
func RequiredRole(t Type) (Role, error) {
	switch t {
	case TypeDeployed:
		return RoleDeploy, nil
	case TypeActivated:
		return RoleActivate, nil
	}
	return "", fmt.Errorf("required role of %q: %w", t, ErrInvalidEvent)
}

// Key is a trusted key and what it may do.
type Key struct {
	ID        string            `json:"id"`
	PublicKey ed25519.PublicKey `json:"publicKey"`
	Roles     []Role            `json:"roles"`
	AddedSeq  uint64            `json:"addedSeq"`
}

// Has reports whether the key holds role.
func (k *Key) Has(r Role) bool { return slices.Contains(k.Roles, r) }

// Keyring is the trust state projected from the ledger: which keys exist
// and which roles they hold at the current position.
type Keyring struct {
	Keys           map[string]*Key `json:"keys"`
	AdminThreshold int             `json:"adminThreshold"`
}

// NewKeyring founds a keyring from a genesis body, checking that every key
// ID matches its public key.
func NewKeyring(g *Genesis) (*Keyring, error) {
	if g.AdminThreshold < 1 {
		return nil, fmt.Errorf("genesis: admin threshold %d < 1: %w", g.AdminThreshold, ErrInvalidEvent)
	}
	kr := &Keyring{Keys: map[string]*Key{}, AdminThreshold: g.AdminThreshold}
	admins := 0
	for _, kg := range g.Keys {
		if len(kg.PublicKey) != ed25519.PublicKeySize || KeyID(kg.PublicKey) != kg.ID {
			return nil, fmt.Errorf("genesis: key %q does not match its public key: %w", kg.ID, ErrInvalidEvent)
		}
		if kr.Keys[kg.ID] != nil {
			return nil, fmt.Errorf("genesis: key %s granted twice: %w", kg.ID, ErrInvalidEvent)
		}
		kr.Keys[kg.ID] = &Key{ID: kg.ID, PublicKey: kg.PublicKey, Roles: slices.Clone(kg.Roles), AddedSeq: 1}
		if slices.Contains(kg.Roles, RoleAdmin) {
			admins++
		}
	}
	if admins < g.AdminThreshold {
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
// unknown keys or keys without the role do not count but are not errors
// while enough others are valid; a signature that fails to verify always
// is one.
func (kr *Keyring) Verify(env *Envelope, role Role, threshold int) ([]string, error) {
	return kr.VerifyWith(env, role, threshold, nil)
}

// SigCheck reports whether signature i of an envelope is valid for key k.
// It lets a caller that verified signatures ahead of time, in parallel,
// supply the answers.
type SigCheck func(i int, k *Key) bool

// VerifyWith is Verify with signatures checked by check (nil: ed25519).
func (kr *Keyring) VerifyWith(env *Envelope, role Role, threshold int, check SigCheck) ([]string, error) {
	var msg []byte
	if check == nil {
		msg = PAE(env.PayloadType, env.Payload)
		check = func(i int, k *Key) bool {
			return len(k.PublicKey) == ed25519.PublicKeySize && ed25519.Verify(k.PublicKey, msg, env.Signatures[i].Sig)
		}
	}
	var signers []string
	var firstProblem error
	for i, s := range env.Signatures {
		k, ok := kr.Keys[s.KeyID]
		if !ok {
			firstProblem = cmpErr(firstProblem, fmt.Errorf("key %s: %w", s.KeyID, ErrUnknownKey))
			continue
		}
		if !check(i, k) {
			return nil, fmt.Errorf("key %s: %w", s.KeyID, ErrBadSignature)
		}
		if !k.Has(role) {
			firstProblem = cmpErr(firstProblem, fmt.Errorf("key %s has no %s role: %w", s.KeyID, role, ErrUnauthorized))
			continue
		}
		if !slices.Contains(signers, s.KeyID) {
			signers = append(signers, s.KeyID)
		}
	}
	if len(signers) >= threshold {
		return signers, nil
	}
	if firstProblem != nil {
		return nil, firstProblem
	}
	return nil, fmt.Errorf("%d of %d %s signatures: %w", len(signers), threshold, role, ErrUnauthorized)
}

func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}
