package fold_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// ciphertext stands for an age file: the fold judges its form, not its
// content, which only the recipients can open.
func ciphertext(s string) []byte { return []byte("age-encryption.org/v1\n" + s) }

func secretPut(l *foldtest.Ledger, fn, key, value string, recipients ...string) events.SecretPut {
	if recipients == nil {
		recipients = []string{l.Logger.ID, l.Operator.ID}
	}
	return events.SecretPut{Function: fn, Key: key, Ciphertext: ciphertext(value), Recipients: recipients}
}

func apply(t *testing.T, st *fold.State, env []byte) error {
	t.Helper()
	return fold.Apply(st, st.Seq+1, events.ID(env), env)
}

func TestSecretFold(t *testing.T) {
	l := foldtest.NewLedger(t)
	st := foldtest.FoldAll(t, l.Genesis, l.Deploy("shop", "shop-v1", "/shop"), l.Activate("shop", 1, "shop-v1"))
	before := st.Clone()

	put := secretPut(l, "shop", "API_TOKEN", "one")
	if err := apply(t, st, l.Seal(l.ID, events.TypeSecretPut, "shop", put, l.Deployer)); err != nil {
		t.Fatalf("put by a deploy key: %v", err)
	}
	f := st.Functions["shop"]
	sec, ok := f.Secrets["API_TOKEN"]
	if !ok || sec.Seq != 4 || f.SecretsSeq != 4 || !slices.Equal(sec.By, []string{l.Deployer.ID}) || sec.Time.IsZero() ||
		len(sec.Digest) != 64 || len(sec.Recipients) != 2 || string(sec.Ciphertext) != string(put.Ciphertext) {
		t.Fatalf("after the put: secrets %+v, revision %d", f.Secrets, f.SecretsSeq)
	}
	if len(before.Functions["shop"].Secrets) != 0 {
		t.Fatal("a clone taken before the put sees its secret")
	}
	served, _ := fold.ServedFor(st, f)
	if served.Versions[0].Secrets != 4 {
		t.Fatalf("served secrets revision %d, want 4 (a put re-warms)", served.Versions[0].Secrets)
	}
	if was, _ := fold.ServedFor(before, before.Functions["shop"]); was.Equal(served) {
		t.Fatal("a secrets change leaves Served equal: nodes would not compile the new values")
	}

	rotate := secretPut(l, "shop", "API_TOKEN", "two")
	if err := apply(t, st, l.Seal(l.ID, events.TypeSecretPut, "shop", rotate, l.Operator)); err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if got := st.Functions["shop"].Secrets["API_TOKEN"]; got.Seq != 5 || got.Digest == sec.Digest {
		t.Fatalf("after the rotation: %+v (was digest %s)", got, sec.Digest)
	}
	rm := events.SecretRemoved{Function: "shop", Key: "API_TOKEN"}
	if err := apply(t, st, l.Seal(l.ID, events.TypeSecretRemoved, "shop", rm, l.Operator)); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if f := st.Functions["shop"]; f.Secrets != nil || f.SecretsSeq != 6 {
		t.Fatalf("after the removal: secrets %v, revision %d; want none at 6", f.Secrets, f.SecretsSeq)
	}
}

func TestSecretFoldRejects(t *testing.T) {
	l := foldtest.NewLedger(t)
	stranger := foldtest.NamedSigner(t, "stranger")
	setup := [][]byte{l.Genesis, l.Deploy("shop", "shop-v1", "/shop"), l.Deploy("old", "old-v1", "/old"),
		l.Lifecycle(events.TypeRetired, "old"),
		l.Seal(l.ID, events.TypeKeyAdded, stranger.ID, events.KeyAdded{ID: stranger.ID, PublicKey: stranger.Public(), Roles: []events.Role{events.RoleWitness}}, l.Operator),
		l.Seal(l.ID, events.TypeKeyRevoked, stranger.ID, events.KeyRevoked{ID: stranger.ID, Reason: "lost"}, l.Operator),
	}
	ok := secretPut(l, "shop", "K", "v")
	for name, tc := range map[string]struct {
		typ     events.Type
		subject string
		body    any
		signer  *events.Signer
		want    error
		words   string
	}{
		"ErrUnauthorized": {events.TypeSecretPut, "shop", ok, l.Logger, events.ErrUnauthorized, "no deploy role"},
		"ErrNotFound/function": {events.TypeSecretPut, "nope", secretPut(l, "nope", "K", "v"), l.Operator, events.ErrNotFound,
			"deploy it first"},
		"ErrConflict/retired":     {events.TypeSecretPut, "old", secretPut(l, "old", "K", "v"), l.Operator, events.ErrConflict, "retired"},
		"ErrInvalidEvent/subject": {events.TypeSecretPut, "other", ok, l.Operator, events.ErrInvalidEvent, "is not the function"},
		"ErrInvalidEvent/key": {events.TypeSecretPut, "shop", secretPut(l, "shop", "A-B", "v"), l.Operator, events.ErrInvalidEvent,
			"a key is a letter"},
		"ErrInvalidEvent/plaintext": {events.TypeSecretPut, "shop",
			events.SecretPut{Function: "shop", Key: "K", Ciphertext: []byte("hunter2"), Recipients: []string{l.Logger.ID}},
			l.Operator, events.ErrInvalidEvent, "age's binary format"},
		"ErrInvalidEvent/too large": {events.TypeSecretPut, "shop",
			events.SecretPut{Function: "shop", Key: "K", Ciphertext: ciphertext(strings.Repeat("x", events.MaxSecretCiphertext)), Recipients: []string{l.Logger.ID}},
			l.Operator, events.ErrInvalidEvent, "is over"},
		"ErrUnknownKey/recipient": {events.TypeSecretPut, "shop", secretPut(l, "shop", "K", "v", l.Logger.ID, "nobody"), l.Operator,
			events.ErrUnknownKey, "recipient nobody"},
		"ErrUnknownKey/revoked recipient": {events.TypeSecretPut, "shop", secretPut(l, "shop", "K", "v", stranger.ID), l.Operator,
			events.ErrUnknownKey, "not a trusted key"},
		"ErrNotFound/remove": {events.TypeSecretRemoved, "shop", events.SecretRemoved{Function: "shop", Key: "K"}, l.Operator,
			events.ErrNotFound, "no such secret"},
	} {
		t.Run(name, func(t *testing.T) {
			st := foldtest.FoldAll(t, setup...)
			err := apply(t, st, l.Seal(l.ID, tc.typ, tc.subject, tc.body, tc.signer))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.words)
			}
			if f := st.Functions["shop"]; f.Secrets != nil || f.SecretsSeq != 0 {
				t.Fatalf("a rejected record changed the secrets: %v", f.Secrets)
			}
		})
	}
}
