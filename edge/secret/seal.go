// Package secret encrypts a function's secrets to the keys that may read
// them and opens them on a node, with age: the value is encrypted to the
// X25519 form of each ed25519 key, as age's ssh-ed25519 recipients are
// (filippo.io/age/agessh), so the node keys the ledger already trusts
// are the keys that decrypt, and no second key pair is needed.
//
// The CLI seals; a node opens, when it compiles a version, and keeps the
// values in memory only.
package secret

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// Recipient is a key a secret is encrypted to.
type Recipient struct {
	// ID is the key's ledger ID (events.KeyID).
	ID        string
	PublicKey ed25519.PublicKey
}

// ErrNotRecipient says a secret was not encrypted to the key trying to
// open it.
var ErrNotRecipient = errors.New("secret: not encrypted to this key")

// maxValue bounds a decrypted value; the ledger bounds the ciphertext
// (events.MaxSecretCiphertext) anyway.
const maxValue = 64 << 10

// Seal encrypts value to every recipient, in age's binary format.
func Seal(value []byte, to []Recipient) ([]byte, error) {
	if len(to) == 0 {
		return nil, errors.New("seal secret: no recipients")
	}
	rs := make([]age.Recipient, 0, len(to))
	for _, r := range to {
		pk, err := ssh.NewPublicKey(r.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("seal secret: key %s: %w", r.ID, err)
		}
		ar, err := agessh.NewEd25519Recipient(pk)
		if err != nil {
			return nil, fmt.Errorf("seal secret: key %s: %w", r.ID, err)
		}
		rs = append(rs, ar)
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, rs...)
	if err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	if _, err := w.Write(value); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	return out.Bytes(), nil
}

// Identity opens secrets with one ed25519 key: a node's, or an operator's
// re-encrypting them.
type Identity struct {
	id  string
	age *agessh.Ed25519Identity
}

// NewIdentity makes the identity of key, whose ledger ID is id.
func NewIdentity(id string, key ed25519.PrivateKey) (*Identity, error) {
	ai, err := agessh.NewEd25519Identity(key)
	if err != nil {
		return nil, fmt.Errorf("secret identity %s: %w", id, err)
	}
	return &Identity{id: id, age: ai}, nil
}

// ID is the ledger ID of the identity's key.
func (i *Identity) ID() string { return i.id }

// Open decrypts ciphertext; a secret not encrypted to this key gives
// ErrNotRecipient.
func (i *Identity) Open(ciphertext []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), i.age)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("open secret with key %s: %w", i.id, ErrNotRecipient)
		}
		return nil, fmt.Errorf("open secret with key %s: %w", i.id, err)
	}
	value, err := io.ReadAll(io.LimitReader(r, maxValue+1))
	if err != nil {
		return nil, fmt.Errorf("open secret with key %s: %w", i.id, err)
	}
	if len(value) > maxValue {
		clear(value)
		return nil, fmt.Errorf("open secret with key %s: value over %d bytes", i.id, maxValue)
	}
	return value, nil
}
