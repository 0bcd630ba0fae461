package events

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func TestKeyID(t *testing.T) {
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	sum := sha256.Sum256(pub)
	if got, want := KeyID(pub), hex.EncodeToString(sum[:8]); got != want {
		t.Errorf("KeyID = %s, want %s", got, want)
	}
	if len(KeyID(pub)) != 16 {
		t.Errorf("KeyID %q is not 16 hex digits", KeyID(pub))
	}
}

func TestNewSigner(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	s, err := NewSigner(seed)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	want := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	if !s.Public().Equal(want) {
		t.Errorf("public key %x, want %x", s.Public(), want)
	}
	if s.ID != KeyID(want) {
		t.Errorf("ID %s, want %s", s.ID, KeyID(want))
	}
	if !bytes.Equal(s.Seed(), seed) {
		t.Errorf("Seed() = %x, want %x", s.Seed(), seed)
	}
	for _, n := range []int{0, 31, 33, 64} {
		if _, err := NewSigner(make([]byte, n)); !errors.Is(err, ErrMalformed) {
			t.Errorf("NewSigner(%d-byte seed) = %v, want ErrMalformed", n, err)
		}
	}
}

func TestGenerateSigner(t *testing.T) {
	a, err := GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID {
		t.Errorf("two generated signers share ID %s", a.ID)
	}
	again, err := NewSigner(a.Seed())
	if err != nil || again.ID != a.ID {
		t.Errorf("NewSigner(a.Seed()) = %v, %v; want ID %s", again, err, a.ID)
	}
}
