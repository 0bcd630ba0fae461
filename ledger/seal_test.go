package ledger

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func testSealer(t testing.TB) *Sealer {
	t.Helper()
	key := make([]byte, SealKeySize)
	rand.Read(key)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealer(t *testing.T) {
	s := testSealer(t)
	value := []byte("export default { fetch() { return new Response('secret') } }")
	ad := []byte("ledger/artifact/abc")
	sealed := s.Seal(value, ad)

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := s.Open(sealed, ad)
		if err != nil || !bytes.Equal(got, value) {
			t.Fatalf("open: %q %v", got, err)
		}
		if bytes.Contains(sealed, []byte("secret")) {
			t.Fatal("sealed value holds the plaintext")
		}
	})
	t.Run("FreshNonce", func(t *testing.T) {
		if again := s.Seal(value, ad); bytes.Equal(again, sealed) {
			t.Fatal("sealing twice gave the same bytes")
		}
	})
	t.Run("EmptyValue", func(t *testing.T) {
		got, err := s.Open(s.Seal(nil, ad), ad)
		if err != nil || len(got) != 0 {
			t.Fatalf("open: %q %v", got, err)
		}
	})
	t.Run("ErrUnsealed/FlippedByte", func(t *testing.T) {
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 0x01
			if got, err := s.Open(bad, ad); !errors.Is(err, ErrUnsealed) {
				t.Fatalf("byte %d flipped: open gave %q %v, want ErrUnsealed", i, got, err)
			}
		}
	})
	rejects := []struct {
		name       string
		sealed, ad []byte
	}{
		{"WrongAD", sealed, []byte("ledger/artifact/abd")},
		{"NoAD", sealed, nil},
		{"Truncated", sealed[:len(sealed)-1], ad},
		{"TooShort", sealed[:20], ad},
		{"OtherKey", testSealer(t).Seal(value, ad), ad},
	}
	for _, tt := range rejects {
		t.Run("ErrUnsealed/"+tt.name, func(t *testing.T) {
			if got, err := s.Open(tt.sealed, tt.ad); !errors.Is(err, ErrUnsealed) {
				t.Fatalf("open: %q %v, want ErrUnsealed", got, err)
			}
		})
	}
	t.Run("BadKeySize", func(t *testing.T) {
		if _, err := NewSealer(make([]byte, 16)); err == nil {
			t.Fatal("a 16-byte key was accepted")
		}
	})
}
