package projector

import (
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// minPrefetch is the shortest run of new records whose signatures are
// batch-verified before the fold. Shorter runs are a live node's appends,
// whose signatures the Admission gate has verified into the cache already.
const minPrefetch = 16

// batchCheck is the signature check for folding batch onto st: for a long
// run of new records (a node catching up, an edge whose mirror brings a
// backlog) their signatures are verified in batches on every CPU first,
// at a fraction of the cost of one by one; otherwise the shared cache.
func (p *Projector) batchCheck(st *fold.State, batch []ledger.Record) fold.SigChecker {
	fresh := batch
	for len(fresh) > 0 && fresh[0].Seq <= st.Seq {
		fresh = fresh[1:]
	}
	if len(fresh) < minPrefetch {
		return p.sigs.check
	}
	if p.prefetch == nil {
		p.prefetch = newSigPrefetch(0)
	}
	if st.Keys != nil {
		// Keys granted before this projector's first batch (restored from
		// pebble) were never seen by the prefetch.
		grants := make([]events.KeyGrant, 0, len(st.Keys.Keys))
		for id, k := range st.Keys.Keys {
			grants = append(grants, events.KeyGrant{ID: id, PublicKey: k.PublicKey})
		}
		p.prefetch.learn(grants)
	}
	pre := p.prefetch.verify(fresh)
	return func(id string, env *events.Envelope) events.SigCheck {
		if _, ok := pre[id]; ok {
			return pre.check(id, env)
		}
		return p.sigs.check(id, env)
	}
}
