package secret

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/vault-runtime/vault/events"
)

func newKey(t *testing.T) (Recipient, *Identity) {
	t.Helper()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	id, err := NewIdentity(s.ID, ed25519.PrivateKey(s.Memory()))
	if err != nil {
		t.Fatal(err)
	}
	return Recipient{ID: s.ID, PublicKey: s.Public()}, id
}

func TestSealOpen(t *testing.T) {
	node, nodeID := newKey(t)
	operator, operatorID := newKey(t)
	_, laterID := newKey(t)
	value := []byte("hunter2")
	sealed, err := Seal(value, []Recipient{node, operator})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, value) {
		t.Fatal("the ciphertext holds the value")
	}
	if err := (&events.SecretPut{Function: "f", Key: "K", Ciphertext: sealed, Recipients: []string{node.ID, operator.ID}}).Check(); err != nil {
		t.Fatalf("the ledger refuses the ciphertext: %v", err)
	}
	for name, id := range map[string]*Identity{"node": nodeID, "operator": operatorID} {
		t.Run("Opens/"+name, func(t *testing.T) {
			got, err := id.Open(sealed)
			if err != nil || !bytes.Equal(got, value) {
				t.Fatalf("Open = %q, %v; want %q", got, err, value)
			}
		})
	}
	t.Run("ErrNotRecipient", func(t *testing.T) {
		// A node whose key was trusted after the put: rekey is needed.
		if _, err := laterID.Open(sealed); !errors.Is(err, ErrNotRecipient) {
			t.Fatalf("Open by a key not among the recipients = %v, want ErrNotRecipient", err)
		}
	})
	t.Run("Tampered", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := nodeID.Open(bad); err == nil || errors.Is(err, ErrNotRecipient) {
			t.Fatalf("Open of a tampered ciphertext = %v, want a decryption error", err)
		}
	})
}

func TestSealNoRecipients(t *testing.T) {
	if _, err := Seal([]byte("x"), nil); err == nil {
		t.Fatal("Seal to nobody succeeded")
	}
}
