package events

import (
	"errors"
	"testing"
	"time"
)

func TestControlGuard(t *testing.T) {
	admin, deployer, stranger, revoked := mustSigner(t), mustSigner(t), mustSigner(t), mustSigner(t)
	kr := &Keyring{AdminThreshold: 1, Keys: map[string]*Key{
		admin.ID:    {ID: admin.ID, PublicKey: admin.Public(), Roles: []Role{RoleAdmin}},
		deployer.ID: {ID: deployer.ID, PublicKey: deployer.Public(), Roles: []Role{RoleDeploy}},
		revoked.ID:  {ID: revoked.ID, PublicKey: revoked.Public(), Roles: []Role{RoleAdmin}, RevokedSeq: 7},
	}}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	g := NewControlGuard(30 * time.Second)
	g.Now = func() time.Time { return now }
	request := func(ledger, method string, s *Signer, at time.Time) []byte {
		t.Helper()
		req, err := NewControl(ledger, "n1", method, map[string]string{}, s)
		if err != nil {
			t.Fatal(err)
		}
		if at.IsZero() {
			return req
		}
		// Re-sign with a chosen timestamp.
		env, _ := DecodeEnvelopeAs(ControlPayloadType, req)
		env.Payload = []byte(`{"ledger":"` + ledger + `","node":"n1","method":"` + method + `","time":"` + at.Format(time.RFC3339Nano) + `","nonce":"00112233445566778899aabbccddeeff"}`)
		env.Signatures = nil
		if err := env.Sign(s); err != nil {
			t.Fatal(err)
		}
		out, _ := env.Encode()
		return out
	}
	g.Now = time.Now // NewControl stamps the real time
	fresh := request("L", "status", deployer, time.Time{})
	if _, signer, err := g.Check(kr, "L", "n1", fresh); err != nil || signer != deployer.ID {
		t.Fatalf("fresh status by a deployer: %v (signer %s)", err, signer)
	}
	if _, _, err := g.Check(kr, "L", "n1", fresh); !errors.Is(err, ErrReplayed) {
		t.Fatalf("the same request again: %v, want ErrReplayed", err)
	}
	g.Now = func() time.Time { return now }
	cases := []struct {
		name string
		req  []byte
		want error
	}{
		{"stale", request("L", "status", admin, now.Add(-time.Minute)), ErrStale},
		{"future", request("L", "status", admin, now.Add(time.Minute)), ErrStale},
		{"wrong role", request("L", "server.stop", deployer, now), ErrUnauthorized},
		{"unknown key", request("L", "status", stranger, now), ErrUnknownKey},
		{"revoked key", request("L", "status", revoked, now), ErrRevoked},
		{"other ledger", request("M", "status", admin, now), ErrWrongLedger},
		{"unknown method", request("L", "format-disk", admin, now), ErrInvalidEvent},
		{"an event is not a request", mustSeal(t, []byte(`{"type":"x"}`), admin), ErrMalformed},
	}
	for _, c := range cases {
		if _, _, err := g.Check(kr, "L", "n1", c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	ok := request("L", "server.stop", admin, now.Add(-10*time.Second))
	if _, _, err := g.Check(kr, "L", "n1", ok); err != nil {
		t.Fatalf("admin server.stop within the window: %v", err)
	}
	tampered := []byte(string(ok))
	tampered[len(tampered)-5] ^= 1
	if _, _, err := g.Check(kr, "L", "n1", tampered); err == nil {
		t.Fatal("a flipped byte passed")
	}
}

func mustSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestArtifactPutRoles: only a key that may deploy opens an artifact
// upload session (the node is the artifact store's only writer, so this
// request is what stands between a key and the store).
func TestArtifactPutRoles(t *testing.T) {
	admin, deployer, activator, witness := mustSigner(t), mustSigner(t), mustSigner(t), mustSigner(t)
	kr := &Keyring{AdminThreshold: 1, Keys: map[string]*Key{
		admin.ID:     {ID: admin.ID, PublicKey: admin.Public(), Roles: []Role{RoleAdmin}},
		deployer.ID:  {ID: deployer.ID, PublicKey: deployer.Public(), Roles: []Role{RoleDeploy}},
		activator.ID: {ID: activator.ID, PublicKey: activator.Public(), Roles: []Role{RoleActivate}},
		witness.ID:   {ID: witness.ID, PublicKey: witness.Public(), Roles: []Role{RoleWitness}},
	}}
	g := NewControlGuard(30 * time.Second)
	for _, c := range []struct {
		signer *Signer
		want   error
	}{{admin, nil}, {deployer, nil}, {activator, ErrUnauthorized}, {witness, ErrUnauthorized}} {
		req, err := NewControl("L", "n1", "artifact.put", map[string]any{"digest": "00", "size": 1}, c.signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := g.Check(kr, "L", "n1", req); !errors.Is(err, c.want) {
			t.Errorf("artifact.put by %v: %v, want %v", kr.Keys[c.signer.ID].Roles, err, c.want)
		}
	}
}
