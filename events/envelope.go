package events

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// PayloadType is the DSSE payload type of every Vault event.
const PayloadType = "application/vnd.vault.event.v1+json"

// MaxEnvelopeSize bounds what a decoder accepts; larger input is refused
// before any parsing.
const MaxEnvelopeSize = 1 << 20

// Envelope is a DSSE-style signed envelope: a payload type, the raw payload
// bytes and one or more signatures over PAE(type, payload).
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     []byte      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one ed25519 signature and the ID of the key that made it.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"`
}

// ID is the event ID: the hex SHA-256 of the stored envelope bytes.
func ID(stored []byte) string {
	sum := sha256.Sum256(stored)
	return hex.EncodeToString(sum[:])
}

// PAE is DSSE's pre-authentication encoding of a payload type and body.
// Signing PAE rather than the body binds the type and lengths, so no
// canonicalisation of the JSON is ever needed.
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(payloadType)+len(payload))
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// Seal signs payload with every signer and returns the encoded envelope,
// ready to be stored verbatim.
func Seal(payload []byte, signers ...*Signer) ([]byte, error) {
	return SealAs(PayloadType, payload, signers...)
}

// SealAs is Seal for another payload type (control requests use their
// own, so that neither can pass for the other).
func SealAs(payloadType string, payload []byte, signers ...*Signer) ([]byte, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("seal envelope: no signer: %w", ErrMalformed)
	}
	env := Envelope{PayloadType: payloadType, Payload: payload}
	msg := PAE(payloadType, payload)
	for _, s := range signers {
		env.Signatures = append(env.Signatures, Signature{KeyID: s.ID, Sig: ed25519.Sign(s.key, msg)})
	}
	return json.Marshal(env)
}

// Sign adds s's signature; a key signs an envelope at most once.
func (e *Envelope) Sign(s *Signer) error {
	for _, sig := range e.Signatures {
		if sig.KeyID == s.ID {
			return fmt.Errorf("sign envelope: key %s already signed it: %w", s.ID, ErrConflict)
		}
	}
	e.Signatures = append(e.Signatures, Signature{KeyID: s.ID, Sig: ed25519.Sign(s.key, PAE(e.PayloadType, e.Payload))})
	return nil
}

// Encode is the envelope's stored (canonical) form.
func (e *Envelope) Encode() ([]byte, error) { return json.Marshal(e) }

// DecodeEnvelope parses stored envelope bytes and checks their shape (not
// their signatures: see Keyring.Verify). Only the canonical encoding that
// Seal produces is accepted: JSON and base64 both allow other spellings of
// the same envelope (white space, unused base64 bits), and each spelling
// would hash to a different event ID, letting an old signed event slip
// past deduplication as "new".
func DecodeEnvelope(stored []byte) (*Envelope, error) {
	return DecodeEnvelopeAs(PayloadType, stored)
}

// DecodeEnvelopeAs is DecodeEnvelope for another payload type.
func DecodeEnvelopeAs(payloadType string, stored []byte) (*Envelope, error) {
	if len(stored) > MaxEnvelopeSize {
		return nil, fmt.Errorf("decode envelope: %d bytes exceeds %d: %w", len(stored), MaxEnvelopeSize, ErrMalformed)
	}
	var env Envelope
	if err := json.Unmarshal(stored, &env); err != nil {
		return nil, fmt.Errorf("decode envelope: %v: %w", err, ErrMalformed)
	}
	switch {
	case env.PayloadType != payloadType:
		return nil, fmt.Errorf("decode envelope: payload type %q: %w", env.PayloadType, ErrMalformed)
	case len(env.Payload) == 0:
		return nil, fmt.Errorf("decode envelope: empty payload: %w", ErrMalformed)
	case len(env.Signatures) == 0:
		return nil, fmt.Errorf("decode envelope: no signatures: %w", ErrMalformed)
	}
	for i, s := range env.Signatures {
		if s.KeyID == "" || len(s.Sig) != ed25519.SignatureSize {
			return nil, fmt.Errorf("decode envelope: signature %d is malformed: %w", i, ErrMalformed)
		}
	}
	if canonical, err := json.Marshal(env); err != nil || !bytes.Equal(canonical, stored) {
		return nil, fmt.Errorf("decode envelope: not in canonical encoding: %w", ErrMalformed)
	}
	return &env, nil
}
