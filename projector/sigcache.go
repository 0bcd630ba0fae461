package projector

import (
	"crypto/ed25519"
	"runtime"
	"sync"

	"github.com/vault-runtime/vault/events"
)

// sigCache remembers ed25519 verdicts, keyed by event ID (the hash of the
// whole envelope, signatures included), signature index and public key, so
// that the gate and the projector of one node verify each signature once.
// A verdict depends only on those three, so a hit is exactly as good as a
// fresh verification. Old entries are evicted first in, first out.
type sigCache struct {
	mu    sync.Mutex
	m     map[sigKey]bool
	order []sigKey
	limit int
}

type sigKey struct {
	id  string
	i   int
	pub [ed25519.PublicKeySize]byte
}

func newSigCache(limit int) *sigCache {
	return &sigCache{m: make(map[sigKey]bool, limit), limit: limit}
}

func keyFor(id string, i int, pub ed25519.PublicKey) (sigKey, bool) {
	k := sigKey{id: id, i: i}
	if len(pub) != ed25519.PublicKeySize {
		return k, false
	}
	copy(k.pub[:], pub)
	return k, true
}

func (c *sigCache) get(k sigKey) (ok, found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok, found = c.m[k]
	return ok, found
}

func (c *sigCache) put(k sigKey, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.m[k]; dup {
		return
	}
	if len(c.order) >= c.limit {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = ok
	c.order = append(c.order, k)
}

// check returns a SigCheck for one envelope that answers from the cache
// and verifies (and remembers) on a miss.
func (c *sigCache) check(id string, env *events.Envelope) events.SigCheck {
	var msg []byte
	return func(i int, k *events.Key) bool {
		key, valid := keyFor(id, i, k.PublicKey)
		if !valid {
			return false
		}
		if ok, found := c.get(key); found {
			return ok
		}
		if msg == nil {
			msg = events.PAE(env.PayloadType, env.Payload)
		}
		ok := k.Verify(msg, env.Signatures[i].Sig)
		c.put(key, ok)
		return ok
	}
}

// preverify verifies, in parallel, every signature of envelopes whose key
// kr knows, and remembers the verdicts.
func (c *sigCache) preverify(envelopes [][]byte, kr *events.Keyring) {
	if kr == nil || len(envelopes) < 2 {
		return
	}
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for j := w; j < len(envelopes); j += workers {
				env, err := events.DecodeEnvelope(envelopes[j])
				if err != nil {
					continue
				}
				check := c.check(events.ID(envelopes[j]), env)
				for i, s := range env.Signatures {
					if k := kr.Keys[s.KeyID]; k != nil {
						check(i, k)
					}
				}
			}
		})
	}
	wg.Wait()
}
