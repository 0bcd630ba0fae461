package ledger

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrUnsealed means a sealed value did not open: it was made with another
// key, for another pebble key, or it was altered.
var ErrUnsealed = errors.New("ledger: sealed value does not open")

// SealKeySize is the length of a Sealer's key.
const SealKeySize = 32

// Sealer encrypts values a node keeps in pebble (cached artifacts, the
// projected state) with AES-256-GCM, so that nothing a function's author
// wrote is readable in the index directory. Every value gets a random
// nonce; the pebble key is the additional data, so a sealed value copied
// under another key does not open.
//
// With random 96-bit nonces one key may seal about 2^32 values before a
// nonce collision becomes a concern; a node writes a few per ledger
// record.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer makes a Sealer from a SealKeySize-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("new sealer: key is %d bytes, want %d", len(key), SealKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts value for the pebble key ad: nonce, then ciphertext and tag.
func (s *Sealer) Seal(value, ad []byte) []byte {
	n := s.aead.NonceSize()
	out := make([]byte, n, n+len(value)+s.aead.Overhead())
	rand.Read(out) // cannot fail: crypto/rand crashes the program instead
	return s.aead.Seal(out, out, value, ad)
}

// Open decrypts what Seal made for the same ad.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrUnsealed, len(sealed))
	}
	value, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrUnsealed
	}
	return value, nil
}
