package events

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
)

// Secret events: a value a function reads as env.KEY, kept out of its
// artifact. The ledger records who set which key of which function when,
// and the value only encrypted (age) to the nodes' keys and the
// operator's own, so that an auditor sees the history and never a value.
// Their subject is the function's name.
const (
	TypeSecretPut     Type = "secret.put"
	TypeSecretRemoved Type = "secret.removed"
)

// SecretPut sets (or replaces) one secret of a function.
type SecretPut struct {
	Function string `json:"function"`
	Key      string `json:"key"`
	// Ciphertext is the value encrypted with age (binary format, base64
	// in JSON) to every recipient.
	Ciphertext []byte `json:"ciphertext"`
	// Recipients are the IDs of the keys the value was encrypted to: the
	// node keys trusted when it was put and the putting operator's key
	// (so that vault secret rekey can open it again).
	Recipients []string `json:"recipients"`
}

// SecretRemoved deletes one secret of a function.
type SecretRemoved struct {
	Function string `json:"function"`
	Key      string `json:"key"`
}

// MaxSecretCiphertext bounds a secret's ciphertext: secrets are tokens
// and keys, not files; every node holds them in its projected state.
const MaxSecretCiphertext = 64 << 10

// MaxSecretRecipients bounds the keys one secret is encrypted to.
const MaxSecretRecipients = 256

// ageHeader starts every age file in the binary format.
var ageHeader = []byte("age-encryption.org/v1\n")

var secretKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ValidSecretKey reports whether key is a legal secret name: an
// environment-variable-like identifier of at most 64 characters.
func ValidSecretKey(key string) bool { return secretKey.MatchString(key) }

// Check judges the body on its own: names, size, format, recipients.
func (p *SecretPut) Check() error {
	if err := checkSecretName(p.Function, p.Key); err != nil {
		return err
	}
	switch {
	case len(p.Ciphertext) > MaxSecretCiphertext:
		return fmt.Errorf("secret %s of %s: ciphertext of %d bytes is over %d: %w", p.Key, p.Function, len(p.Ciphertext), MaxSecretCiphertext, ErrInvalidEvent)
	case !bytes.HasPrefix(p.Ciphertext, ageHeader):
		return fmt.Errorf("secret %s of %s: ciphertext is not in age's binary format: %w", p.Key, p.Function, ErrInvalidEvent)
	case len(p.Recipients) == 0 || len(p.Recipients) > MaxSecretRecipients:
		return fmt.Errorf("secret %s of %s: %d recipients, want 1 to %d: %w", p.Key, p.Function, len(p.Recipients), MaxSecretRecipients, ErrInvalidEvent)
	}
	sorted := slices.Clone(p.Recipients)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(p.Recipients) {
		return fmt.Errorf("secret %s of %s: a recipient is named twice: %w", p.Key, p.Function, ErrInvalidEvent)
	}
	return nil
}

// Check judges the body on its own: the names.
func (r *SecretRemoved) Check() error { return checkSecretName(r.Function, r.Key) }

func checkSecretName(fn, key string) error {
	switch {
	case !ValidFunctionName(fn):
		return fmt.Errorf("secret of %q: not a function name: %w", fn, ErrInvalidEvent)
	case !ValidSecretKey(key):
		return fmt.Errorf("secret %q of %s: a key is a letter or _ then letters, digits or _, at most 64: %w", key, fn, ErrInvalidEvent)
	}
	return nil
}
