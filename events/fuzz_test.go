package events

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"
)

// fuzzPayloads are the only payloads the fuzz keyring's key ever signs;
// the fuzzer cannot forge ed25519, so nothing else may verify.
var fuzzPayloads = [][]byte{payloadMod0, payloadMod1, payloadMod2}

func FuzzDecodeEnvelope(f *testing.F) {
	signer := testSigner(f, 1)
	kr := testKeyring(f, []Role{RoleDeploy}, signer)
	for _, p := range fuzzPayloads {
		sealed := mustSeal(f, p, signer)
		f.Add(sealed)
		f.Add(sealed[:len(sealed)/2])
		f.Add(bytes.Replace(sealed, []byte(PayloadType), []byte("application/json"), 1))
	}
	f.Add(mustSeal(f, payloadMod0, signer, testSigner(f, 2)))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"payloadType":"` + PayloadType + `","payload":"e30=","signatures":[{"keyid":"k","sig":"AAAA"}]}`))

	f.Fuzz(func(t *testing.T, stored []byte) {
		env, err := DecodeEnvelope(stored)
		if err != nil {
			if env != nil {
				t.Errorf("DecodeEnvelope returned %+v with error %v", env, err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("DecodeEnvelope error %v is not ErrMalformed", err)
			}
			return
		}
		if env.PayloadType != PayloadType {
			t.Errorf("payload type %q", env.PayloadType)
		}
		if len(env.Payload) == 0 {
			t.Error("empty payload")
		}
		if len(env.Signatures) == 0 {
			t.Error("no signatures")
		}
		for i, s := range env.Signatures {
			if s.KeyID == "" || len(s.Sig) != ed25519.SignatureSize {
				t.Errorf("signature %d: key %q, %d-byte sig", i, s.KeyID, len(s.Sig))
			}
		}
		signers, err := kr.Verify(env, RoleDeploy, 1)
		if err != nil {
			return
		}
		for _, p := range fuzzPayloads {
			if bytes.Equal(env.Payload, p) {
				return
			}
		}
		t.Errorf("Verify accepted a payload the key never signed: %q (signers %v)", env.Payload, signers)
	})
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(payloadMod0)
	f.Add([]byte(`{"type":"ledger.genesis","body":{"name":"x","keys":[{"id":"k","publicKey":"AAAA","roles":["admin"]}],"adminThreshold":1}}`))
	f.Add([]byte(`{"ledger":"l","type":"function.activated","subject":"s","time":"2025-01-02T03:04:05.123+01:00","body":{"name":"s","version":2}}`))
	f.Add([]byte(`{"type":""}`))
	f.Add([]byte(`{"type":"x","body":null}`))
	f.Add([]byte(`[]`))

	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := DecodeEvent(payload)
		if err != nil {
			if ev != nil || !errors.Is(err, ErrInvalidEvent) {
				t.Errorf("DecodeEvent = %+v, %v; want nil, ErrInvalidEvent", ev, err)
			}
			return
		}
		if ev.Type == "" {
			t.Error("decoded event has no type")
		}
		// Body decoding must not panic whatever the body holds.
		_, _ = DecodeBody[Genesis](ev)
		_, _ = DecodeBody[Deployed](ev)
		_, _ = DecodeBody[Activated](ev)

		// What decodes re-encodes to the same event.
		again, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", ev, err)
		}
		ev2, err := DecodeEvent(again)
		if err != nil {
			t.Fatalf("decode re-encoded %s: %v", again, err)
		}
		if ev2.Ledger != ev.Ledger || ev2.Type != ev.Type || ev2.Subject != ev.Subject || !ev2.Time.Equal(ev.Time) {
			t.Errorf("round trip changed the event:\n%+v\n%+v", ev, ev2)
		}
	})
}
