package projector

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// admissionNode is a running projector at seq 2 (genesis, hello@v1
// deployed) whose source takes further records from feed.
func admissionNode(t *testing.T) (*testLedger, *Projector, chan<- ledger.Record) {
	t.Helper()
	l := newTestLedger(t)
	l.append(l.Genesis)
	l.append(l.Deploy("hello", "hello-1"))
	feed := make(chan ledger.Record)
	var j journal
	p, _ := start(t, Config{
		Source:    followRecords(l.records, feed, nil),
		Artifacts: artifacts("hello-1", "hello-2", "other-1", "api", "api-config", "base", "app"),
		Warmer:    j.warmer(t),
		Publisher: j.publisher(),
		DB:        openDB(t, t.TempDir()),
	})
	waitApplied(t, p, 2)
	return l, p, feed
}

// admitStep is one call of Admit and its expected outcome.
type admitStep struct {
	head     uint64
	envelope []byte
	want     error // nil: admitted; errAny: any error
}

func admitAll(t *testing.T, a *Admission, steps ...admitStep) {
	t.Helper()
	for i, s := range steps {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := a.Admit(ctx, s.head, s.envelope)
		cancel()
		switch {
		case s.want == nil && err != nil:
			t.Errorf("step %d: Admit(head %d) = %v, want admitted", i+1, s.head, err)
		case s.want == errAny && err == nil:
			t.Errorf("step %d: Admit(head %d) admitted it", i+1, s.head)
		case s.want != nil && s.want != errAny && !errors.Is(err, s.want):
			t.Errorf("step %d: Admit(head %d) = %v, want %v", i+1, s.head, err, s.want)
		}
	}
}

func TestAdmission(t *testing.T) {
	t.Run("AdmitsABurstAheadOfTheProjector", func(t *testing.T) {
		l, p, _ := admissionNode(t)
		before := p.Current().State.Hash()
		admitAll(t, p.Admission(),
			admitStep{2, l.Deploy("hello", "hello-2"), nil},
			admitStep{3, l.Activate("hello", 2, "hello-2"), nil},
			admitStep{4, l.Activate("hello", 3, "hello-2"), events.ErrNotFound},
			admitStep{4, l.Activate("hello", 1, "hello-1"), nil},
		)
		if p.Current().State.Hash() != before {
			t.Error("admitting changed the projected state")
		}
	})
	t.Run("RefusedEnvelopeDoesNotAdvance", func(t *testing.T) {
		l, p, _ := admissionNode(t)
		admitAll(t, p.Admission(),
			admitStep{2, l.Deploy("hello", "never-uploaded"), events.ErrNotFound},
			// Its copy is still at seq 2, so a head of 3 sends it to wait
			// for a projector that never gets there.
			admitStep{3, l.Activate("hello", 1, "hello-1"), context.DeadlineExceeded},
			admitStep{2, l.Deploy("hello", "hello-2"), nil},
		)
	})
	// An image is admitted only when the store holds every blob it names.
	t.Run("ImageBlobsMustBeStored", func(t *testing.T) {
		l, p, _ := admissionNode(t)
		missing := foldtest.Image("api", "registry.example.com/api", "1", "base", "never-uploaded")
		admitAll(t, p.Admission(),
			admitStep{2, l.PullImage(missing, l.Operator), events.ErrNotFound},
			admitStep{2, l.PullImage(foldtest.Image("other", "registry.example.com/other", "1", "base"), l.Operator), events.ErrNotFound},
			admitStep{2, l.PullImage(foldtest.Image("api", "registry.example.com/api", "1", "base", "app"), l.Deployer), nil},
		)
		err := p.Admission().Admit(context.Background(), 2, l.PullImage(missing, l.Operator))
		if want := "blob " + foldtest.OCIDigest("never-uploaded") + " was not uploaded"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Admit = %v, want it to say %q", err, want)
		}
	})
	t.Run("RefreshesWhenTheHeadMoved", func(t *testing.T) {
		l, p, feed := admissionNode(t)
		a := p.Admission()
		admitAll(t, a, admitStep{2, l.Deploy("hello", "hello-2"), nil})
		// Another writer appended two other records instead.
		send(t, feed, l.append(l.Deploy("other", "other-1")))
		send(t, feed, l.append(l.Activate("other", 1, "other-1")))
		waitApplied(t, p, 4)
		admitAll(t, a,
			admitStep{4, l.Activate("hello", 2, "hello-2"), events.ErrNotFound},
			admitStep{4, l.Activate("other", 1, "other-1"), events.ErrConflict},
			admitStep{4, l.Lifecycle(events.TypePaused, "other"), nil},
		)
	})
	// Another writer appended: the sequencer's head is stale, and must
	// be told so (it re-reads the head and retries).
	t.Run("ErrBehind/ProjectorPastHead", func(t *testing.T) {
		l, p, feed := admissionNode(t)
		send(t, feed, l.append(l.Deploy("other", "other-1")))
		waitApplied(t, p, 3)
		admitAll(t, p.Admission(), admitStep{2, l.Deploy("hello", "hello-2"), ledger.ErrBehind})
	})
	t.Run("SameHeadDifferentHistory", func(t *testing.T) {
		l, p, feed := admissionNode(t)
		a := p.Admission()
		admitAll(t, a, admitStep{2, l.Deploy("hello", "hello-2"), nil})
		// The admitted deploy was never stored: another writer's record
		// took seq 3, so the head the sequencer reports next is 3 again.
		send(t, feed, l.append(l.Deploy("other", "other-1")))
		waitApplied(t, p, 3)
		env := l.Activate("hello", 2, "hello-2")
		if err := fold.Check(p.Current().State, env); !errors.Is(err, events.ErrNotFound) {
			t.Fatalf("Check against the ledger's state = %v, want %v", err, events.ErrNotFound)
		}
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := a.Admit(ctx, 3, env); !errors.Is(err, events.ErrNotFound) {
			t.Errorf("Admit = %v, want %v: the gate judged against a history the ledger does not have", err, events.ErrNotFound)
		}
	})
}
