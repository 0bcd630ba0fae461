package events

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// testSigner returns a deterministic signer whose seed is 32 copies of b,
// so sealed envelopes (ed25519 signatures are deterministic) are the same
// bytes on every run.
func testSigner(t testing.TB, b byte) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{b}, ed25519.SeedSize))
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// testKeyring trusts each signer with the given roles.
func testKeyring(t testing.TB, roles []Role, signers ...*Signer) *Keyring {
	t.Helper()
	kr := &Keyring{Keys: map[string]*Key{}, AdminThreshold: 1}
	for _, s := range signers {
		kr.Keys[s.ID] = &Key{ID: s.ID, PublicKey: s.Public(), Roles: roles, AddedSeq: 1}
	}
	return kr
}

func mustSeal(t testing.TB, payload []byte, signers ...*Signer) []byte {
	t.Helper()
	sealed, err := Seal(payload, signers...)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return sealed
}

// Fixed event payloads of every length modulo 3, so the payload's base64
// in the envelope ends with no padding, "==" and "=" respectively.
var (
	payloadMod0 = []byte(`{"ledger":"abc","type":"function.deployed","subject":"hello","time":"2025-01-02T03:04:05Z","body":{"name":"hell"}}`)
	payloadMod1 = []byte(`{"ledger":"abc","type":"function.deployed","subject":"hello","time":"2025-01-02T03:04:05Z","body":{"name":"hello"}}`)
	payloadMod2 = []byte(`{"ledger":"abc","type":"function.deployed","subject":"hello","time":"2025-01-02T03:04:05Z","body":{"name":"hel"}}`)
)

func TestPAE(t *testing.T) {
	tests := []struct {
		name        string
		payloadType string
		payload     string
		want        string
	}{
		// The example from the DSSE specification (protocol.md).
		{"DSSESpecExample", "http://example.com/HelloWorld", "hello world", "DSSEv1 29 http://example.com/HelloWorld 11 hello world"},
		{"VaultPayloadType", PayloadType, "hello", "DSSEv1 35 application/vnd.vault.event.v1+json 5 hello"},
		{"EmptyTypeAndBody", "", "", "DSSEv1 0  0 "},
		{"LengthsCountBytesNotRunes", "é", "ü€", "DSSEv1 2 é 5 ü€"},
		{"BodyWithSpacesAndDigits", "t", "1 2 3", "DSSEv1 1 t 5 1 2 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(PAE(tt.payloadType, []byte(tt.payload))); got != tt.want {
				t.Errorf("PAE(%q, %q) = %q, want %q", tt.payloadType, tt.payload, got, tt.want)
			}
		})
	}
	t.Run("TypeAndBodyBoundaryIsBound", func(t *testing.T) {
		// Moving bytes between type and body must change the encoding.
		a, b := PAE("ab", []byte("c")), PAE("a", []byte("bc"))
		if bytes.Equal(a, b) {
			t.Errorf("PAE(ab, c) == PAE(a, bc) == %q", a)
		}
	})
}

func TestID(t *testing.T) {
	stored := []byte(`{"payloadType":"x"}`)
	sum := sha256.Sum256(stored)
	if got, want := ID(stored), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
}

func TestSealRoundTrip(t *testing.T) {
	a, b := testSigner(t, 1), testSigner(t, 2)
	tests := []struct {
		name    string
		payload []byte
		signers []*Signer
	}{
		{"OneSigner", payloadMod0, []*Signer{a}},
		{"TwoSigners", payloadMod1, []*Signer{a, b}},
		{"BinaryPayload", []byte{0, 1, 2, 0xff, '"', '\\'}, []*Signer{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := mustSeal(t, tt.payload, tt.signers...)
			if again := mustSeal(t, tt.payload, tt.signers...); !bytes.Equal(sealed, again) || ID(sealed) != ID(again) {
				t.Errorf("Seal is not deterministic:\n%s\n%s", sealed, again)
			}
			env, err := DecodeEnvelope(sealed)
			if err != nil {
				t.Fatalf("DecodeEnvelope: %v", err)
			}
			if env.PayloadType != PayloadType {
				t.Errorf("payload type %q, want %q", env.PayloadType, PayloadType)
			}
			if !bytes.Equal(env.Payload, tt.payload) {
				t.Errorf("payload %q, want %q", env.Payload, tt.payload)
			}
			if len(env.Signatures) != len(tt.signers) {
				t.Fatalf("%d signatures, want %d", len(env.Signatures), len(tt.signers))
			}
			var wantIDs []string
			for i, s := range tt.signers {
				wantIDs = append(wantIDs, s.ID)
				if env.Signatures[i].KeyID != s.ID {
					t.Errorf("signature %d key %s, want %s", i, env.Signatures[i].KeyID, s.ID)
				}
				if !ed25519.Verify(s.Public(), PAE(PayloadType, tt.payload), env.Signatures[i].Sig) {
					t.Errorf("signature %d is not an ed25519 signature over PAE(type, payload)", i)
				}
			}
			kr := testKeyring(t, []Role{RoleDeploy}, tt.signers...)
			got, err := kr.Verify(env, RoleDeploy, len(tt.signers))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !slices.Equal(got, wantIDs) {
				t.Errorf("Verify signers = %v, want %v", got, wantIDs)
			}
		})
	}
	t.Run("ErrMalformedWithoutSigner", func(t *testing.T) {
		if _, err := Seal(payloadMod0); !errors.Is(err, ErrMalformed) {
			t.Errorf("Seal without signers: err = %v, want ErrMalformed", err)
		}
	})
}

func TestDecodeEnvelopeRejects(t *testing.T) {
	sig := strings.Repeat("A", 86) + "==" // base64 of 64 zero bytes
	tests := []struct {
		name   string
		stored string
	}{
		{"Empty", ``},
		{"NotJSON", `hello`},
		{"TruncatedJSON", `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"k","sig":"` + sig + `"}`},
		{"JSONArray", `[]`},
		{"JSONNull", `null`},
		{"WrongPayloadType", `{"payloadType":"application/json","payload":"e30=","signatures":[{"keyid":"k","sig":"` + sig + `"}]}`},
		{"MissingPayloadType", `{"payload":"e30=","signatures":[{"keyid":"k","sig":"` + sig + `"}]}`},
		{"EmptyPayload", `{"payloadType":"` + PayloadType + `","payload":"","signatures":[{"keyid":"k","sig":"` + sig + `"}]}`},
		{"PayloadNotBase64", `{"payloadType":"` + PayloadType + `","payload":"e30","signatures":[{"keyid":"k","sig":"` + sig + `"}]}`},
		{"NoSignatures", `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[]}`},
		{"MissingSignatures", `{"payloadType":"` + PayloadType + `","payload":"e30="}`},
		{"EmptyKeyID", `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"","sig":"` + sig + `"}]}`},
		{"ShortSignature", `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"k","sig":"AAAA"}]}`},
		{"LongSignature", `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"k","sig":"` + strings.Repeat("A", 88) + `"}]}`},
		{"SecondSignatureMalformed", `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"k","sig":"` + sig + `"},{"keyid":"k2"}]}`},
		{"TooLarge", `{"payloadType":"` + PayloadType + `","payload":"` + strings.Repeat("A", MaxEnvelopeSize) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := DecodeEnvelope([]byte(tt.stored))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeEnvelope = %+v, %v; want ErrMalformed", env, err)
			}
		})
	}
	t.Run("AcceptsMinimalEnvelope", func(t *testing.T) {
		// The control for the cases above: the same shape, well formed.
		stored := `{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"k","sig":"` + sig + `"}]}`
		env, err := DecodeEnvelope([]byte(stored))
		if err != nil {
			t.Fatalf("DecodeEnvelope: %v", err)
		}
		if string(env.Payload) != "{}" || env.Signatures[0].KeyID != "k" || len(env.Signatures[0].Sig) != ed25519.SignatureSize {
			t.Errorf("decoded %+v", env)
		}
	})
}

// TestSealedEnvelopeByteFlip flips the low bit of every byte of a sealed
// envelope in turn. A stored envelope is addressed by its bytes (ID), so
// no other byte string may pass as the same signed event: each flip must
// make DecodeEnvelope or Keyring.Verify fail.
//
// Why that is the right property for XOR 0x01 on json.Marshal output:
//   - Marshal writes no whitespace, and no byte XOR 1 is whitespace, a
//     quote or a backslash unless the original was one of '!', '#', ']'
//     (none appear inside strings here), so the flipped input either is
//     invalid JSON or has the same structure.
//   - A flipped key name ("payloadTypf", "keyie", ...) matches no field
//     (encoding/json folds case, but XOR 1 never maps one letter to the
//     other case of itself), so the field is left empty and the shape
//     checks reject it.
//   - A flipped payload type fails the type check; a flipped key ID names
//     an unknown key; flipped payload or signature bytes fail ed25519.
//     Threshold equals the signer count, so no signature can be spared.
//
// The only way through is a flip that leaves the decoded bytes unchanged,
// i.e. a non-canonical base64 spelling of the same payload or signature.
func TestSealedEnvelopeByteFlip(t *testing.T) {
	a, b := testSigner(t, 1), testSigner(t, 2)
	tests := []struct {
		name    string
		payload []byte
		signers []*Signer
	}{
		{"PayloadBase64Unpadded", payloadMod0, []*Signer{a}},
		{"PayloadBase64TwoPadChars", payloadMod1, []*Signer{a}},
		{"PayloadBase64OnePadChar", payloadMod2, []*Signer{a}},
		{"TwoSignersThresholdTwo", payloadMod0, []*Signer{a, b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := mustSeal(t, tt.payload, tt.signers...)
			kr := testKeyring(t, []Role{RoleDeploy}, tt.signers...)
			if env, err := DecodeEnvelope(sealed); err != nil {
				t.Fatalf("DecodeEnvelope(unflipped): %v", err)
			} else if _, err := kr.Verify(env, RoleDeploy, len(tt.signers)); err != nil {
				t.Fatalf("Verify(unflipped): %v", err)
			}
			for i := range sealed {
				flipped := bytes.Clone(sealed)
				flipped[i] ^= 0x01
				env, err := DecodeEnvelope(flipped)
				if err != nil {
					if !errors.Is(err, ErrMalformed) {
						t.Errorf("byte %d: DecodeEnvelope error %v is not ErrMalformed", i, err)
					}
					continue
				}
				_, err = kr.Verify(env, RoleDeploy, len(tt.signers))
				if err != nil {
					if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrUnauthorized) {
						t.Errorf("byte %d: Verify error %v is not a sentinel", i, err)
					}
					continue
				}
				t.Errorf("byte %d (%q -> %q, in %q): flipped envelope still verifies: same payload %v, ID %s instead of %s",
					i, sealed[i], flipped[i], context(sealed, i), bytes.Equal(env.Payload, tt.payload), ID(flipped)[:12], ID(sealed)[:12])
			}
		})
	}
}

func context(b []byte, i int) string {
	return string(b[max(0, i-8):min(len(b), i+8)])
}

// TestSealedEnvelopeIsCompactJSON pins the premises of the byte-flip
// argument: the envelope is compact JSON with exactly the three fields.
func TestSealedEnvelopeIsCompactJSON(t *testing.T) {
	sealed := mustSeal(t, payloadMod0, testSigner(t, 1))
	var compact bytes.Buffer
	if err := json.Compact(&compact, sealed); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if !bytes.Equal(compact.Bytes(), sealed) {
		t.Errorf("sealed envelope is not compact JSON:\n%s", sealed)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(sealed, &fields); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(fields))
	if want := []string{"payload", "payloadType", "signatures"}; !slices.Equal(keys, want) {
		t.Errorf("fields %v, want %v", keys, want)
	}
}
