package fold

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vault-runtime/vault/events"
)

// Secret is one secret of a function as the ledger holds it: encrypted,
// with who set it and when. Nodes open it when they compile a version of
// the function; nothing else ever sees its value.
type Secret struct {
	Seq     uint64   `json:"seq"`
	EventID string   `json:"eventId"`
	By      []string `json:"by"`
	// Time is the put event's own time, for people: informational, as
	// every event time is (the seq orders).
	Time time.Time `json:"time"`
	// Digest is the SHA-256 (hex) of Ciphertext: it tells a rotation
	// apart without opening anything.
	Digest string `json:"digest"`
	// Recipients are the IDs of the keys the value is encrypted to.
	Recipients []string `json:"recipients"`
	// Ciphertext is the value, encrypted with age to the recipients.
	Ciphertext []byte `json:"ciphertext"`
}

// validateSecretPut admits a secret of a function that exists and is not
// retired, encrypted to keys the ledger trusts at this seq.
func validateSecretPut(s *State, c *change) error {
	p, err := events.DecodeBody[events.SecretPut](c.ev)
	if err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		return err
	}
	f, err := secretFunction(s, c.ev.Subject, p.Function, "put secret "+p.Key)
	if err != nil {
		return err
	}
	for _, id := range p.Recipients {
		if k := s.Keys.Keys[id]; k == nil || k.Revoked() {
			return fmt.Errorf("put secret %s of %s: recipient %s is not a trusted key: %w", p.Key, p.Function, id, events.ErrUnknownKey)
		}
	}
	sum := sha256.Sum256(p.Ciphertext)
	sec := Secret{Seq: c.seq, EventID: c.id, By: c.signers, Time: c.ev.Time, Digest: hex.EncodeToString(sum[:]),
		Recipients: p.Recipients, Ciphertext: p.Ciphertext}
	c.apply = func(s *State) { setSecrets(s, f.Name, c.seq, func(m map[string]Secret) { m[p.Key] = sec }) }
	return nil
}

// validateSecretRemoved deletes a secret the function has.
func validateSecretRemoved(s *State, c *change) error {
	r, err := events.DecodeBody[events.SecretRemoved](c.ev)
	if err != nil {
		return err
	}
	if err := r.Check(); err != nil {
		return err
	}
	f, err := secretFunction(s, c.ev.Subject, r.Function, "remove secret "+r.Key)
	if err != nil {
		return err
	}
	if _, ok := f.Secrets[r.Key]; !ok {
		return fmt.Errorf("remove secret %s of %s: no such secret: %w", r.Key, r.Function, events.ErrNotFound)
	}
	c.apply = func(s *State) { setSecrets(s, f.Name, c.seq, func(m map[string]Secret) { delete(m, r.Key) }) }
	return nil
}

// secretFunction is the function a secret event names, which must be its
// subject, deployed and not retired.
func secretFunction(s *State, subject, name, op string) (*Function, error) {
	if subject != name {
		return nil, fmt.Errorf("%s: subject %q is not the function %q: %w", op, subject, name, events.ErrInvalidEvent)
	}
	f := s.Functions[name]
	switch {
	case f == nil:
		return nil, fmt.Errorf("%s of %s: no function %q is deployed (deploy it first): %w", op, name, name, events.ErrNotFound)
	case f.State == Retired:
		return nil, fmt.Errorf("%s of %s: the function is retired (since seq %d): %w", op, name, f.StateSeq, events.ErrConflict)
	}
	return f, nil
}

// setSecrets changes a copy of fn's secrets (a Clone shares the map) and
// moves its secrets revision to seq: the versions it serves are
// compiled again with the new values.
func setSecrets(s *State, fn string, seq uint64, change func(map[string]Secret)) {
	f := s.Functions[fn]
	m := maps.Clone(f.Secrets)
	if m == nil {
		m = map[string]Secret{}
	}
	change(m)
	if len(m) == 0 {
		m = nil
	}
	f.Secrets, f.SecretsSeq = m, seq
	s.touch(fn)
}

// SecretKeys are the names of fn's secrets, sorted.
func (f *Function) SecretKeys() []string {
	return slices.Sorted(maps.Keys(f.Secrets))
}
