package projector

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vault-runtime/vault/events"
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
	st *State
}

// Admission returns the projector's gate.
func (p *Projector) Admission() *Admission { return &Admission{p: p} }

// Admit judges envelope as the record after head.
func (a *Admission) Admit(ctx context.Context, head uint64, envelope []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.st == nil || a.st.Seq != head {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := a.p.WaitApplied(wctx, head)
		cancel()
		if err != nil {
			return err
		}
		st := a.p.Current().State.Clone()
		if st.Seq != head {
			return fmt.Errorf("projector is at seq %d, the ledger head at %d: %w", st.Seq, head, events.ErrConflict)
		}
		a.st = st
	}
	return advance(a.st, envelope, func(ev *events.Event) error { return a.checkArtifact(ctx, ev) })
}

// checkArtifact refuses a deploy whose artifact was never uploaded.
func (a *Admission) checkArtifact(ctx context.Context, ev *events.Event) error {
	if ev.Type != events.TypeDeployed {
		return nil
	}
	d, err := events.DecodeBody[events.Deployed](ev)
	if err != nil {
		return err
	}
	ok, err := a.p.cfg.Artifacts.Has(ctx, d.Artifact)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("deploy %s: artifact %s was not uploaded: %w", d.Name, d.Artifact, events.ErrNotFound)
	}
	return nil
}
