package events

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"strings"
)

// Bodies of the key events. Each event's Subject is the ID of the key it
// changes. AdminThreshold, when not zero, sets the admin threshold from
// this event on (a way to adopt a two-person rule, or to relax it).

// KeyAdded trusts a new key with some roles.
type KeyAdded struct {
	ID             string `json:"id"`
	PublicKey      []byte `json:"publicKey"`
	Roles          []Role `json:"roles"`
	AdminThreshold int    `json:"adminThreshold,omitempty"`
}

// KeyRotated replaces a key by a new one that takes over its roles; the
// old key is revoked from this event's seq on.
type KeyRotated struct {
	ID             string `json:"id"`
	NewID          string `json:"newId"`
	NewPublicKey   []byte `json:"newPublicKey"`
	AdminThreshold int    `json:"adminThreshold,omitempty"`
}

// KeyRevoked stops trusting a key from this event's seq on. Records it
// signed earlier stay valid.
type KeyRevoked struct {
	ID             string `json:"id"`
	Reason         string `json:"reason,omitempty"`
	AdminThreshold int    `json:"adminThreshold,omitempty"`
}

// RoleChange grants a role to a key (role.granted) or takes it away
// (role.revoked).
type RoleChange struct {
	ID             string `json:"id"`
	Role           Role   `json:"role"`
	AdminThreshold int    `json:"adminThreshold,omitempty"`
}

// KeyChange is a validated key event: the keyring it leads to and the
// admin keys whose signatures authorised it.
type KeyChange struct {
	Next    *Keyring
	Signers []string
}

// Change judges key event ev (inside env) as record seq. Every key event
// needs a threshold of the current admin keys. One that changes the admin
// set or the threshold also needs a threshold of the new admin set, as a
// TUF root rotation does, and may not leave fewer admin keys than the
// threshold. kr is not modified.
func (kr *Keyring) Change(env *Envelope, ev *Event, seq uint64, check SigCheck) (*KeyChange, error) {
	next := kr.Clone()
	threshold, err := next.apply(ev, seq)
	if err != nil {
		return nil, err
	}
	signers, err := kr.VerifyWith(env, RoleAdmin, kr.AdminThreshold, check)
	if err != nil {
		return nil, fmt.Errorf("%s %s: current admins: %w", ev.Type, ev.Subject, err)
	}
	if threshold < 0 {
		return nil, fmt.Errorf("%s %s: admin threshold %d: %w", ev.Type, ev.Subject, threshold, ErrInvalidEvent)
	}
	if threshold != 0 {
		next.AdminThreshold = threshold
	}
	admins := next.Admins()
	if len(admins) < next.AdminThreshold {
		return nil, fmt.Errorf("%s %s: would leave %d admin keys for an admin threshold of %d: %w",
			ev.Type, ev.Subject, len(admins), next.AdminThreshold, ErrInvalidEvent)
	}
	if next.AdminThreshold != kr.AdminThreshold || !slices.Equal(admins, kr.Admins()) {
		more, err := next.VerifyWith(env, RoleAdmin, next.AdminThreshold, check)
		if err != nil {
			return nil, fmt.Errorf("%s %s: changes the admin set or threshold, so %d of the new admins (%s) must sign too: %w",
				ev.Type, ev.Subject, next.AdminThreshold, strings.Join(admins, ", "), err)
		}
		for _, id := range more {
			if !slices.Contains(signers, id) {
				signers = append(signers, id)
			}
		}
	}
	for _, k := range next.Keys {
		switch {
		case k.AddedSeq == seq:
			k.AddedBy = slices.Clone(signers)
		case k.RevokedSeq == seq:
			k.RevokedBy = slices.Clone(signers)
		}
	}
	return &KeyChange{Next: next, Signers: signers}, nil
}

// apply performs ev on kr (a private copy) and returns the admin
// threshold the event asks for (0: unchanged).
func (kr *Keyring) apply(ev *Event, seq uint64) (int, error) {
	fail := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("%s %s: %s: %w", ev.Type, ev.Subject, fmt.Sprintf(format, args...), ErrInvalidEvent)
	}
	switch ev.Type {
	case TypeKeyAdded:
		b, err := DecodeBody[KeyAdded](ev)
		if err != nil {
			return 0, err
		}
		if err := kr.addKey(b.ID, b.PublicKey, b.Roles, seq, ev.Subject); err != nil {
			return fail("%v", err)
		}
		return b.AdminThreshold, nil
	case TypeKeyRotated:
		b, err := DecodeBody[KeyRotated](ev)
		if err != nil {
			return 0, err
		}
		old, err := kr.trusted(b.ID, ev.Subject)
		if err != nil {
			return fail("%v", err)
		}
		if err := kr.addKey(b.NewID, b.NewPublicKey, old.Roles, seq, b.NewID); err != nil {
			return fail("%v", err)
		}
		old.RevokedSeq, old.RotatedTo = seq, b.NewID
		kr.Keys[b.NewID].RotatedFrom = old.ID
		return b.AdminThreshold, nil
	case TypeKeyRevoked:
		b, err := DecodeBody[KeyRevoked](ev)
		if err != nil {
			return 0, err
		}
		k, err := kr.trusted(b.ID, ev.Subject)
		if err != nil {
			return fail("%v", err)
		}
		k.RevokedSeq = seq
		return b.AdminThreshold, nil
	case TypeRoleGranted, TypeRoleRevoked:
		b, err := DecodeBody[RoleChange](ev)
		if err != nil {
			return 0, err
		}
		k, err := kr.trusted(b.ID, ev.Subject)
		if err != nil {
			return fail("%v", err)
		}
		held := slices.Contains(k.Roles, b.Role)
		switch {
		case !ValidRole(b.Role):
			return fail("unknown role %q", b.Role)
		case ev.Type == TypeRoleGranted && held:
			return fail("key %s already holds %s (since seq %d)", k.ID, b.Role, k.RoleSince[b.Role])
		case ev.Type == TypeRoleRevoked && !held:
			return fail("key %s does not hold %s", k.ID, b.Role)
		case ev.Type == TypeRoleGranted:
			k.Roles = append(k.Roles, b.Role)
			if k.RoleSince == nil {
				k.RoleSince = map[Role]uint64{}
			}
			k.RoleSince[b.Role] = seq
		default:
			k.Roles = slices.DeleteFunc(k.Roles, func(r Role) bool { return r == b.Role })
			delete(k.RoleSince, b.Role)
		}
		return b.AdminThreshold, nil
	}
	return fail("not a key event")
}

// trusted returns the key id names, which must be the event's subject,
// exist and not be revoked.
func (kr *Keyring) trusted(id, subject string) (*Key, error) {
	k := kr.Keys[id]
	switch {
	case id != subject:
		return nil, fmt.Errorf("names key %q but its subject is %q", id, subject)
	case k == nil:
		return nil, fmt.Errorf("no key %s in the keyring", id)
	case k.Revoked():
		return nil, fmt.Errorf("key %s was revoked at seq %d", id, k.RevokedSeq)
	}
	return k, nil
}

func (kr *Keyring) addKey(id string, pub []byte, roles []Role, seq uint64, subject string) error {
	switch {
	case id != subject:
		return fmt.Errorf("names key %q but its subject is %q", id, subject)
	case len(pub) != ed25519.PublicKeySize || KeyID(pub) != id:
		return fmt.Errorf("key %q does not match its public key", id)
	case kr.Keys[id] != nil && kr.Keys[id].Revoked():
		return fmt.Errorf("key %s was revoked at seq %d and cannot come back", id, kr.Keys[id].RevokedSeq)
	case kr.Keys[id] != nil:
		return fmt.Errorf("key %s is already trusted (since seq %d)", id, kr.Keys[id].AddedSeq)
	case len(roles) == 0:
		return fmt.Errorf("key %s would hold no role", id)
	}
	k := &Key{ID: id, PublicKey: slices.Clone(pub), AddedSeq: seq, RoleSince: map[Role]uint64{}}
	for _, r := range roles {
		if !ValidRole(r) || slices.Contains(k.Roles, r) {
			return fmt.Errorf("role %q unknown or repeated", r)
		}
		k.Roles = append(k.Roles, r)
		k.RoleSince[r] = seq
	}
	kr.Keys[id] = k
	return nil
}
