package events

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Signer holds a private key and its ID.
type Signer struct {
	ID  string
	key ed25519.PrivateKey
}

// NewSigner wraps an ed25519 seed.
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("new signer: seed is %d bytes, want %d: %w", len(seed), ed25519.SeedSize, ErrMalformed)
	}
	key := ed25519.NewKeyFromSeed(seed)
	return &Signer{ID: KeyID(key.Public().(ed25519.PublicKey)), key: key}, nil
}

// GenerateSigner creates a new random key.
func GenerateSigner() (*Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return NewSigner(seed)
}

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Seed returns the private seed, for storing the key.
func (s *Signer) Seed() []byte { return s.key.Seed() }

// Sign signs msg with the private key (ed25519, no pre-hash).
func (s *Signer) Sign(msg []byte) []byte { return ed25519.Sign(s.key, msg) }

// Memory returns the private key's own storage (not a copy), so that the
// caller can lock it into RAM; it is valid until Wipe.
func (s *Signer) Memory() []byte { return s.key }

// Wipe zeroes the private key; the Signer must not be used afterwards.
func (s *Signer) Wipe() { clear(s.key) }
