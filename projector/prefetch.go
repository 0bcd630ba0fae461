package projector

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"runtime"
	"sync"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// sigPrefetch verifies the signatures of a run of records before they are
// folded, in batches spread over every CPU, so that a replay or an audit
// folds them one by one without waiting for ed25519.
//
// It verifies each signature against the public key its key ID names.
// The fold alone judges whether that key may sign at that position; a
// verdict answers it only when the fold asks about the very same public
// key, message and signature, which makes the answer exactly what
// Key.Verify would say. Anything else — a key it did not know, a record
// it could not decode — is verified when the fold asks. A key ID names
// one public key for ever (it is a hash of it, and keys are never removed
// from a keyring), so the keys it learns only accumulate.
type sigPrefetch struct {
	verifiers []*events.BatchVerifier // one per worker
	// keys maps the ID of every key the records named so far (in a
	// genesis, an addition or a rotation) to its public key.
	keys map[string]ed25519.PublicKey
}

// newSigPrefetch returns a prefetch that verifies on workers goroutines
// (0: GOMAXPROCS).
func newSigPrefetch(workers int) *sigPrefetch {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &sigPrefetch{keys: map[string]ed25519.PublicKey{}}
	for range workers {
		p.verifiers = append(p.verifiers, events.NewBatchVerifier())
	}
	return p
}

// prefetched is one record's signatures and their verdicts.
type prefetched struct {
	env  *events.Envelope
	msg  []byte
	pubs []ed25519.PublicKey // the key each signature was verified against; nil: not verified
	ok   []bool
	keys []events.KeyGrant // keys the record names, to learn
}

// verdicts are the prefetched records by ID.
type verdicts map[string]*prefetched

// verify verifies the signatures of records, which must follow the
// records of every earlier call (to learn keys in order).
func (p *sigPrefetch) verify(records []ledger.Record) verdicts {
	pre := make([]prefetched, len(records))
	p.parallel(len(records), func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			pre[j].decode(records[j].Envelope)
		}
	})
	type ref struct{ rec, sig int }
	var items []events.SigItem
	var refs []ref
	for j := range pre {
		p.learn(pre[j].keys)
		if pre[j].env == nil {
			continue
		}
		sigs := pre[j].env.Signatures
		pre[j].pubs, pre[j].ok = make([]ed25519.PublicKey, len(sigs)), make([]bool, len(sigs))
		for i, s := range sigs {
			if pub := p.keys[s.KeyID]; pub != nil {
				items = append(items, events.SigItem{PublicKey: pub, Msg: pre[j].msg, Sig: s.Sig})
				refs = append(refs, ref{j, i})
			}
		}
	}
	ok := make([]bool, len(items))
	p.parallel(len(items), func(w, lo, hi int) {
		copy(ok[lo:hi], p.verifiers[w].Verify(items[lo:hi]))
	})
	for n, r := range refs {
		pre[r.rec].pubs[r.sig], pre[r.rec].ok[r.sig] = items[n].PublicKey, ok[n]
	}
	v := make(verdicts, len(records))
	for j, r := range records {
		v[r.ID] = &pre[j]
	}
	return v
}

// check is a SigChecker: it answers from the verdicts and verifies what
// was not prefetched.
func (v verdicts) check(id string, env *events.Envelope) events.SigCheck {
	pf := v[id]
	var msg []byte
	return func(i int, k *events.Key) bool {
		if ok, found := pf.verdict(env, i, k.PublicKey); found {
			return ok
		}
		if msg == nil {
			msg = events.PAE(env.PayloadType, env.Payload)
		}
		return k.Verify(msg, env.Signatures[i].Sig)
	}
}

// decode reads the envelope and the keys a genesis, addition or rotation
// names. A record that does not scan is left to the fold.
func (pf *prefetched) decode(stored []byte) {
	env := scanEnvelope(stored)
	if env == nil {
		return
	}
	pf.env, pf.msg = env, events.PAE(env.PayloadType, env.Payload)
	if !bytes.Contains(env.Payload, []byte(`"ledger.genesis"`)) && !bytes.Contains(env.Payload, []byte(`"key.`)) {
		return // no key event: this skips decoding nearly every payload
	}
	ev, err := events.DecodeEvent(env.Payload)
	if err != nil {
		return
	}
	switch ev.Type {
	case events.TypeGenesis:
		if g, err := events.DecodeBody[events.Genesis](ev); err == nil {
			pf.keys = g.Keys
		}
	case events.TypeKeyAdded:
		if a, err := events.DecodeBody[events.KeyAdded](ev); err == nil {
			pf.keys = []events.KeyGrant{{ID: a.ID, PublicKey: a.PublicKey}}
		}
	case events.TypeKeyRotated:
		if r, err := events.DecodeBody[events.KeyRotated](ev); err == nil {
			pf.keys = []events.KeyGrant{{ID: r.NewID, PublicKey: r.NewPublicKey}}
		}
	}
}

// learn remembers keys whose ID matches their public key (as the keyring
// requires) and that are not known already, so that no record can make
// later verdicts use another key for an ID.
func (p *sigPrefetch) learn(keys []events.KeyGrant) {
	for _, k := range keys {
		if p.keys[k.ID] == nil && len(k.PublicKey) == ed25519.PublicKeySize && events.KeyID(k.PublicKey) == k.ID {
			p.keys[k.ID] = k.PublicKey
		}
	}
}

// verdict is the prefetched answer for signature i of env by pub, if the
// prefetch verified exactly that signature of exactly that message.
func (pf *prefetched) verdict(env *events.Envelope, i int, pub ed25519.PublicKey) (ok, found bool) {
	if pf == nil || pf.env == nil || i >= len(pf.pubs) || pf.pubs[i] == nil || i >= len(env.Signatures) ||
		!pf.pubs[i].Equal(pub) || !bytes.Equal(pf.env.Signatures[i].Sig, env.Signatures[i].Sig) ||
		pf.env.PayloadType != env.PayloadType || !bytes.Equal(pf.env.Payload, env.Payload) {
		return false, false
	}
	return pf.ok[i], true
}

// scanEnvelope reads an envelope in the canonical form that Seal writes,
// {"payloadType":"…","payload":"…","signatures":[{"keyid":"…","sig":"…"}]},
// in a tenth of the time of events.DecodeEnvelope (which also re-encodes
// it to check the form). It gives up (nil) on anything else, escapes
// included; the fold decodes every record anyway, and uses a verdict only
// for the payload and signature bytes it decoded itself.
func scanEnvelope(b []byte) *events.Envelope {
	var env events.Envelope
	var field []byte
	var ok bool
	if b, ok = bytes.CutPrefix(b, []byte(`{"payloadType":"`)); !ok {
		return nil
	}
	if field, b, ok = cutString(b); !ok {
		return nil
	}
	env.PayloadType = string(field)
	if b, ok = bytes.CutPrefix(b, []byte(`,"payload":"`)); !ok {
		return nil
	}
	if field, b, ok = cutString(b); !ok {
		return nil
	}
	if env.Payload, ok = decodeBase64(field); !ok {
		return nil
	}
	if b, ok = bytes.CutPrefix(b, []byte(`,"signatures":[`)); !ok {
		return nil
	}
	for {
		var s events.Signature
		if b, ok = bytes.CutPrefix(b, []byte(`{"keyid":"`)); !ok {
			return nil
		}
		if field, b, ok = cutString(b); !ok {
			return nil
		}
		s.KeyID = string(field)
		if b, ok = bytes.CutPrefix(b, []byte(`,"sig":"`)); !ok {
			return nil
		}
		if field, b, ok = cutString(b); !ok {
			return nil
		}
		if s.Sig, ok = decodeBase64(field); !ok {
			return nil
		}
		env.Signatures = append(env.Signatures, s)
		if b, ok = bytes.CutPrefix(b, []byte(`},`)); ok {
			continue
		}
		if string(b) != `}]}` {
			return nil
		}
		return &env
	}
}

// cutString cuts a JSON string's contents, up to its closing quote, from
// b; ok is false if it has an escape.
func cutString(b []byte) (s, rest []byte, ok bool) {
	end := bytes.IndexByte(b, '"')
	if end < 0 || bytes.IndexByte(b[:end], '\\') >= 0 {
		return nil, nil, false
	}
	return b[:end], b[end+1:], true
}

func decodeBase64(s []byte) ([]byte, bool) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	return out[:n], err == nil
}

// parallel splits n items into one contiguous range per verifier and
// runs work on each range at once.
func (p *sigPrefetch) parallel(n int, work func(w, lo, hi int)) {
	workers := min(len(p.verifiers), n)
	if workers <= 1 {
		if n > 0 {
			work(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { work(w, lo, hi) })
	}
	wg.Wait()
}
