package events

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestKeyringVerify(t *testing.T) {
	deployer, activator, stranger, other := testSigner(t, 1), testSigner(t, 2), testSigner(t, 3), testSigner(t, 4)
	kr := &Keyring{Keys: map[string]*Key{
		deployer.ID:  {ID: deployer.ID, PublicKey: deployer.Public(), Roles: []Role{RoleDeploy}},
		activator.ID: {ID: activator.ID, PublicKey: activator.Public(), Roles: []Role{RoleActivate, RoleDeploy}},
		other.ID:     {ID: other.ID, PublicKey: other.Public(), Roles: []Role{RoleDeploy}},
	}}
	seal := func(signers ...*Signer) *Envelope {
		t.Helper()
		env, err := DecodeEnvelope(mustSeal(t, payloadMod0, signers...))
		if err != nil {
			t.Fatalf("DecodeEnvelope: %v", err)
		}
		return env
	}
	// forged claims deployer's key ID but is signed by stranger.
	forged := seal(stranger)
	forged.Signatures[0].KeyID = deployer.ID
	// tampered carries a valid signature over a different payload.
	tampered := seal(deployer)
	tampered.Payload = payloadMod1

	tests := []struct {
		name      string
		env       *Envelope
		role      Role
		threshold int
		want      []string // signers on success
		wantErr   error
	}{
		{"OK", seal(deployer), RoleDeploy, 1, []string{deployer.ID}, nil},
		{"OKTwoOfTwo", seal(deployer, activator), RoleDeploy, 2, []string{deployer.ID, activator.ID}, nil},
		{"OKUnknownKeyIgnoredWhenEnoughOthers", seal(stranger, deployer), RoleDeploy, 1, []string{deployer.ID}, nil},
		{"OKRolelessKeyIgnoredWhenEnoughOthers", seal(deployer, activator), RoleActivate, 1, []string{activator.ID}, nil},
		{"ErrUnknownKey", seal(stranger), RoleDeploy, 1, nil, ErrUnknownKey},
		{"ErrUnauthorizedWithoutRole", seal(deployer), RoleActivate, 1, nil, ErrUnauthorized},
		{"ErrUnauthorizedBelowThreshold", seal(deployer), RoleDeploy, 2, nil, ErrUnauthorized},
		{"ErrUnauthorizedDuplicateSignaturesCountOnce", seal(deployer, deployer), RoleDeploy, 2, nil, ErrUnauthorized},
		{"ErrUnauthorizedThreeCopiesOfOneKey", seal(deployer, deployer, deployer), RoleDeploy, 2, nil, ErrUnauthorized},
		{"ErrBadSignatureWrongKey", forged, RoleDeploy, 1, nil, ErrBadSignature},
		{"ErrBadSignatureTamperedPayload", tampered, RoleDeploy, 1, nil, ErrBadSignature},
		{"ErrBadSignatureEvenWhenOthersSuffice", &Envelope{
			PayloadType: PayloadType, Payload: payloadMod0,
			Signatures: append(seal(deployer).Signatures, forged.Signatures...),
		}, RoleDeploy, 1, nil, ErrBadSignature},
		{"ErrBadSignaturePayloadTypeBound", &Envelope{
			PayloadType: "application/json", Payload: payloadMod0, Signatures: seal(deployer).Signatures,
		}, RoleDeploy, 1, nil, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kr.Verify(tt.env, tt.role, tt.threshold)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify = %v, %v; want %v", got, err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("Verify returned signers %v with an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("signers %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("OKDuplicateSignaturesReportedOnce", func(t *testing.T) {
		got, err := kr.Verify(seal(deployer, deployer), RoleDeploy, 1)
		if err != nil || !slices.Equal(got, []string{deployer.ID}) {
			t.Errorf("Verify = %v, %v; want [%s], nil", got, err, deployer.ID)
		}
	})
}

// genesisEnvelope seals a genesis event with the given body and ledger
// field, signed by signers.
func genesisEnvelope(t *testing.T, ledger string, g Genesis, signers ...*Signer) *Envelope {
	t.Helper()
	payload, err := NewEvent(ledger, TypeGenesis, "", g)
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	env, err := DecodeEnvelope(mustSeal(t, payload, signers...))
	if err != nil {
		t.Fatalf("DecodeEnvelope: %v", err)
	}
	return env
}

func grant(s *Signer, roles ...Role) KeyGrant {
	return KeyGrant{ID: s.ID, PublicKey: s.Public(), Roles: roles}
}

func TestVerifyGenesis(t *testing.T) {
	a, b, c := testSigner(t, 1), testSigner(t, 2), testSigner(t, 3)
	valid := Genesis{Name: "prod", AdminThreshold: 2, Keys: []KeyGrant{
		grant(a, RoleAdmin), grant(b, RoleAdmin, RoleDeploy), grant(c, RoleDeploy),
	}}

	t.Run("OK", func(t *testing.T) {
		g, kr, err := VerifyGenesis(genesisEnvelope(t, "", valid, a, b))
		if err != nil {
			t.Fatalf("VerifyGenesis: %v", err)
		}
		if g.Name != "prod" || g.AdminThreshold != 2 || len(g.Keys) != 3 {
			t.Errorf("genesis %+v", g)
		}
		if kr.AdminThreshold != 2 || len(kr.Keys) != 3 {
			t.Fatalf("keyring %+v", kr)
		}
		for _, kg := range valid.Keys {
			k := kr.Keys[kg.ID]
			if k == nil {
				t.Fatalf("key %s missing from keyring", kg.ID)
			}
			if !bytes.Equal(k.PublicKey, kg.PublicKey) || !slices.Equal(k.Roles, kg.Roles) || k.AddedSeq != 1 {
				t.Errorf("key %s = %+v, want %+v at seq 1", kg.ID, k, kg)
			}
		}
		if !kr.Keys[b.ID].Has(RoleDeploy) || kr.Keys[a.ID].Has(RoleDeploy) {
			t.Errorf("roles not carried over: %+v", kr.Keys)
		}
	})

	mismatched := valid
	mismatched.Keys = []KeyGrant{grant(a, RoleAdmin), {ID: c.ID, PublicKey: b.Public(), Roles: []Role{RoleAdmin}}}
	shortKey := valid
	shortKey.Keys = []KeyGrant{grant(a, RoleAdmin), {ID: b.ID, PublicKey: b.Public()[:31], Roles: []Role{RoleAdmin}}}
	tooHigh := valid
	tooHigh.AdminThreshold = 3
	zero := valid
	zero.AdminThreshold = 0

	tests := []struct {
		name    string
		env     *Envelope
		wantErr error
	}{
		{"ErrInvalidEventKeyIDMismatch", genesisEnvelope(t, "", mismatched, a, b), ErrInvalidEvent},
		{"ErrInvalidEventShortPublicKey", genesisEnvelope(t, "", shortKey, a, b), ErrInvalidEvent},
		{"ErrInvalidEventLedgerSet", genesisEnvelope(t, "0123abcd", valid, a, b), ErrInvalidEvent},
		{"ErrInvalidEventThresholdAboveAdmins", genesisEnvelope(t, "", tooHigh, a, b, c), ErrInvalidEvent},
		{"ErrInvalidEventZeroThreshold", genesisEnvelope(t, "", zero, a, b), ErrInvalidEvent},
		{"ErrUnauthorizedTooFewAdminSignatures", genesisEnvelope(t, "", valid, a), ErrUnauthorized},
		{"ErrUnauthorizedSignedByNonAdmins", genesisEnvelope(t, "", valid, a, c), ErrUnauthorized},
		{"ErrUnknownKeySignedByOutsider", genesisEnvelope(t, "", Genesis{Name: "x", AdminThreshold: 1, Keys: []KeyGrant{grant(a, RoleAdmin)}}, b), ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, kr, err := VerifyGenesis(tt.env)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyGenesis = %+v, %+v, %v; want %v", g, kr, err, tt.wantErr)
			}
			if g != nil || kr != nil {
				t.Errorf("VerifyGenesis returned %+v, %+v with an error", g, kr)
			}
		})
	}

	t.Run("ErrInvalidEventNotGenesis", func(t *testing.T) {
		payload, err := NewEvent("", TypeDeployed, "hello", valid)
		if err != nil {
			t.Fatal(err)
		}
		env, err := DecodeEnvelope(mustSeal(t, payload, a, b))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := VerifyGenesis(env); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("VerifyGenesis(deployed event) = %v, want ErrInvalidEvent", err)
		}
	})
	t.Run("ErrInvalidEventBodyNotGenesis", func(t *testing.T) {
		env, err := DecodeEnvelope(mustSeal(t, []byte(`{"type":"ledger.genesis","body":[1,2]}`), a))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := VerifyGenesis(env); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("VerifyGenesis(array body) = %v, want ErrInvalidEvent", err)
		}
	})
}

func TestRequiredRole(t *testing.T) {
	tests := []struct {
		typ     Type
		want    Role
		wantErr error
	}{
		{TypeDeployed, RoleDeploy, nil},
		{TypeActivated, RoleActivate, nil},
		{TypeImagePulled, RoleDeploy, nil},
		{TypeNetworkCreated, RoleAdmin, nil},
		{TypeVolumeCreated, RoleAdmin, nil},
		{TypeVolumeRemoved, RoleAdmin, nil},
		{TypeGenesis, "", ErrInvalidEvent},
		{"function.deleted", "", ErrInvalidEvent},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got, err := RequiredRole(tt.typ)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("RequiredRole(%q) = %q, %v; want %q, %v", tt.typ, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
