package projector

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// Admission is the gate the ledger's sequencer consults before an append.
// It keeps its own copy of the state and folds every admitted envelope
// into it at once, so a burst of appends is judged without waiting for the
// projector to warm and persist each one. When the sequencer reports a
// head this copy has not reached or has passed (a publish failed, another
// writer appended), it is refreshed from the projector.
type Admission struct {
	p  *Projector
	mu sync.Mutex
	st *fold.State
	// pending are the records folded into st that the projector has not
	// confirmed yet. If the ledger turns out to hold another record at one
	// of those sequences (an admitted envelope was never stored and
	// another writer's took its place), st describes a history that does
	// not exist and is dropped.
	pending []admitted
}

type admitted struct {
	seq uint64
	id  string
}

// Admission returns the projector's gate.
func (p *Projector) Admission() *Admission { return &Admission{p: p} }

// Admit judges envelope as the record after head.
func (a *Admission) Admit(ctx context.Context, head uint64, envelope []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if applied := a.p.Current().State.Seq; applied > head {
		return fmt.Errorf("projector is at seq %d, past the head %d: %w", applied, head, ledger.ErrBehind)
	}
	a.confirm()
	if a.st == nil || a.st.Seq != head {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := a.p.WaitApplied(wctx, head)
		cancel()
		if err != nil {
			return err
		}
		st := a.p.Current().State.Clone()
		if st.Seq > head {
			return fmt.Errorf("projector is at seq %d, past the head %d: %w", st.Seq, head, ledger.ErrBehind)
		}
		if st.Seq != head {
			return fmt.Errorf("projector is at seq %d, the ledger head at %d: %w", st.Seq, head, events.ErrConflict)
		}
		a.st, a.pending = st, nil
	}
	check := func(ev *events.Event) error {
		if err := a.checkArtifact(ctx, ev); err != nil {
			return err
		}
		return a.checkSecretClash(ctx, a.st, ev) // a.st is still the state before ev
	}
	if err := fold.Advance(a.st, envelope, a.p.sigs.check, check); err != nil {
		return err
	}
	a.pending = append(a.pending, admitted{seq: a.st.Seq, id: events.ID(envelope)})
	return nil
}

// confirm checks pending records the projector has since applied.
func (a *Admission) confirm() {
	applied := a.p.Current().State.Seq
	for len(a.pending) > 0 && a.pending[0].seq <= applied {
		if id, ok := a.p.recordID(a.pending[0].seq); !ok || id != a.pending[0].id {
			a.st, a.pending = nil, nil
			return
		}
		a.pending = a.pending[1:]
	}
}

// Reset forgets the gate's own state: the next Admit starts again from the
// projector's.
func (a *Admission) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st, a.pending = nil, nil
}

// Prepare verifies the signatures of a group of envelopes in parallel
// before the sequencer admits them one by one.
func (a *Admission) Prepare(envelopes [][]byte) {
	a.mu.Lock()
	var kr *events.Keyring
	if a.st != nil {
		kr = a.st.Keys
	}
	a.mu.Unlock()
	if kr == nil {
		kr = a.p.Current().State.Keys
	}
	a.p.sigs.preverify(envelopes, kr)
}

// checkArtifact refuses a deploy whose artifact was never uploaded, or
// is larger than the node would fetch and compile, and an image whose
// blobs the artifact store does not all hold.
func (a *Admission) checkArtifact(ctx context.Context, ev *events.Event) error {
	switch ev.Type {
	case events.TypeDeployed:
		d, err := events.DecodeBody[events.Deployed](ev)
		if err != nil {
			return err
		}
		if err := a.p.checkSize(d.Size); err != nil {
			return fmt.Errorf("deploy %s: %w: %w", d.Name, err, events.ErrInvalidEvent)
		}
		return a.stored(ctx, d.Artifact, "deploy "+d.Name+": artifact "+d.Artifact)
	case events.TypeImagePulled:
		p, err := events.DecodeBody[events.ImagePulled](ev)
		if err != nil {
			return err
		}
		for _, b := range p.Blobs() {
			if err := a.stored(ctx, strings.TrimPrefix(b.Digest, "sha256:"), "image "+p.Digest+": blob "+b.Digest); err != nil {
				return err
			}
		}
	}
	return nil
}

// stored refuses a digest (hex) the artifact store does not hold; what
// names it in the refusal.
func (a *Admission) stored(ctx context.Context, digest, what string) error {
	ok, err := a.p.cfg.Artifacts.Has(ctx, digest)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s was not uploaded: %w", what, events.ErrNotFound)
	}
	return nil
}
