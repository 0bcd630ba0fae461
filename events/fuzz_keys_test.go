package events

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzControlCheck feeds arbitrary bytes to the control guard: it never
// panics, and it accepts only requests the test key really signed.
func FuzzControlCheck(f *testing.F) {
	admin := testSigner(f, 3)
	kr := testKeyring(f, []Role{RoleAdmin}, admin)
	signed := map[string]bool{}
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for _, method := range []string{"status", "server.stop", "kill"} {
		// Fixed times and nonces: every fuzz worker must build the same.
		payload, _ := json.Marshal(Control{Ledger: "L", Node: "n1", Method: method, Body: []byte(`{"n":1}`), Time: at, Nonce: "00112233445566778899" + method})
		req, err := SealAs(ControlPayloadType, payload, admin)
		if err != nil {
			f.Fatal(err)
		}
		signed[string(payload)] = true
		f.Add(req)
		f.Add(req[:len(req)/2])
	}
	f.Add([]byte(`{"payloadType":"` + ControlPayloadType + `","payload":"e30=","signatures":[]}`))
	f.Fuzz(func(t *testing.T, stored []byte) {
		g := NewControlGuard(time.Hour)
		g.Now = func() time.Time { return at }
		c, signer, err := g.Check(kr, "L", "n1", stored)
		if err != nil {
			if c != nil || signer != "" {
				t.Fatalf("Check returned %+v, %q with error %v", c, signer, err)
			}
			return
		}
		env, _ := DecodeEnvelopeAs(ControlPayloadType, stored)
		if !signed[string(env.Payload)] || signer != admin.ID {
			t.Fatalf("accepted a request nobody signed: %s", env.Payload)
		}
		if _, _, err := g.Check(kr, "L", "n1", stored); err == nil {
			t.Fatal("the same request passed twice")
		}
	})
}

// FuzzKeyChange applies arbitrary key event bodies, signed by both admins,
// to a two-admin keyring: Change never panics, never modifies its
// receiver, and never leaves fewer admins than the threshold.
func FuzzKeyChange(f *testing.F) {
	a1, a2, other := testSigner(f, 4), testSigner(f, 5), testSigner(f, 6)
	seed := func(typ Type, subject string, body any) {
		raw, _ := json.Marshal(body)
		f.Add(string(typ), subject, raw)
	}
	seed(TypeKeyAdded, other.ID, KeyAdded{ID: other.ID, PublicKey: other.Public(), Roles: []Role{RoleDeploy}})
	seed(TypeKeyAdded, other.ID, KeyAdded{ID: other.ID, PublicKey: other.Public(), Roles: []Role{RoleAdmin}, AdminThreshold: 3})
	seed(TypeKeyRotated, a1.ID, KeyRotated{ID: a1.ID, NewID: other.ID, NewPublicKey: other.Public()})
	seed(TypeKeyRevoked, a2.ID, KeyRevoked{ID: a2.ID, AdminThreshold: 1})
	seed(TypeRoleGranted, a1.ID, RoleChange{ID: a1.ID, Role: RoleLog})
	seed(TypeRoleRevoked, a1.ID, RoleChange{ID: a1.ID, Role: RoleAdmin, AdminThreshold: 1})
	seed(TypeRoleRevoked, a1.ID, RoleChange{ID: a1.ID, Role: RoleAdmin, AdminThreshold: -1})
	f.Fuzz(func(t *testing.T, typ, subject string, body []byte) {
		if !json.Valid(body) {
			return
		}
		kr := testKeyring(t, []Role{RoleAdmin}, a1, a2)
		kr.AdminThreshold = 2
		before, _ := json.Marshal(kr)
		ev := &Event{Ledger: "L", Type: Type(typ), Subject: subject, Body: body}
		payload, _ := json.Marshal(ev)
		stored := mustSeal(t, payload, a1, a2)
		env, err := DecodeEnvelope(stored)
		if err != nil {
			return
		}
		kc, err := kr.Change(env, ev, 9, nil)
		if after, _ := json.Marshal(kr); !bytes.Equal(before, after) {
			t.Fatal("Change modified its receiver")
		}
		if err != nil {
			return
		}
		if kc.Next.AdminThreshold < 1 || len(kc.Next.Admins()) < kc.Next.AdminThreshold {
			t.Fatalf("left %d admins for threshold %d", len(kc.Next.Admins()), kc.Next.AdminThreshold)
		}
	})
}
