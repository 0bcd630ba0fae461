package projector

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
	"github.com/vault-runtime/vault/schemas"
)

// countingArtifacts is fakeArtifacts that remembers what was fetched.
type countingArtifacts struct {
	*fakeArtifacts
	mu      sync.Mutex
	fetched []string
}

func (a *countingArtifacts) Get(ctx context.Context, d string) ([]byte, error) {
	a.mu.Lock()
	a.fetched = append(a.fetched, d)
	a.mu.Unlock()
	return a.fakeArtifacts.Get(ctx, d)
}

func (a *countingArtifacts) wasFetched(d string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range a.fetched {
		if f == d {
			return true
		}
	}
	return false
}

// TestProjectorArtifactSize: a node fetches and compiles no artifact over
// its MaxArtifactBytes, whatever the deploy record says; a record that
// admits to the size is refused before the fetch.
func TestProjectorArtifactSize(t *testing.T) {
	const limit = 16
	small, large := "small-artifact", "an artifact well over sixteen bytes"
	tests := []struct {
		name  string
		limit int64
		blob  string
		size  int64 // what the deploy record says
		// served: the version warmed and serves; fetched: Get was called.
		served, fetched bool
	}{
		{"WithinLimit", limit, small, int64(len(small)), true, true},
		{"ErrTooLarge/DeclaredSize", limit, large, int64(len(large)), false, false},
		{"ErrTooLarge/UnderstatedSize", limit, large, 6, false, true},
		{"ErrTooLarge/DefaultLimit", 0, small, schemas.DefaultMaxArtifactBytes + 1, false, false},
		{"DefaultLimitAdmitsItsOwnSize", 0, small, schemas.DefaultMaxArtifactBytes, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTestLedger(t)
			l.append(l.Genesis)
			l.append(l.Deployed(events.Deployed{Name: "hello", Artifact: foldtest.Digest(tt.blob), Size: tt.size, Routes: []string{"/hello"}}, l.Operator))
			l.append(l.Activate("hello", 1, tt.blob))
			arts := &countingArtifacts{fakeArtifacts: artifacts(tt.blob)}
			var j journal
			p, _ := start(t, Config{
				Source:           followRecords(l.records, nil, nil),
				Artifacts:        arts,
				Warmer:           j.warmer(t),
				Publisher:        j.publisher(),
				DB:               openDB(t, t.TempDir()),
				MaxArtifactBytes: tt.limit,
			})
			waitApplied(t, p, 3)
			cur := p.Current()
			_, served := cur.Served["hello"]
			if served != tt.served {
				t.Errorf("served = %v, want %v (failed: %v)", served, tt.served, cur.Failed)
			}
			if got := arts.wasFetched(foldtest.Digest(tt.blob)); got != tt.fetched {
				t.Errorf("fetched = %v, want %v", got, tt.fetched)
			}
			warmed := false
			for _, e := range j.all() {
				warmed = warmed || e.warm != nil
			}
			if warmed != tt.served {
				t.Errorf("warmed = %v, want %v", warmed, tt.served)
			}
			if tt.served {
				return
			}
			reason := cur.Failed[fold.FailKey("hello", 1, 3)]
			for _, want := range []string{"over the limit of", "limits.max_artifact_size", "--max-artifact-size"} {
				if !strings.Contains(reason, want) {
					t.Errorf("failed = %v; want a reason containing %q", cur.Failed, want)
				}
			}
		})
	}
}

// TestAdmissionArtifactSize: the gate refuses to append a deploy whose
// artifact is over the node's limit, so a hand-made record cannot get
// past a CLI's check.
func TestAdmissionArtifactSize(t *testing.T) {
	l := newTestLedger(t)
	l.append(l.Genesis)
	var j journal
	p, _ := start(t, Config{
		Source:           followRecords(l.records, nil, nil),
		Artifacts:        artifacts("hello-1", "hello-2"),
		Warmer:           j.warmer(t),
		Publisher:        j.publisher(),
		DB:               openDB(t, t.TempDir()),
		MaxArtifactBytes: 1 << 10,
	})
	waitApplied(t, p, 1)
	a := p.Admission()
	admit := func(size int64) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return a.Admit(ctx, 1, l.Deployed(events.Deployed{Name: "hello", Artifact: foldtest.Digest("hello-1"), Size: size}, l.Operator))
	}
	err := admit(1<<10 + 1)
	if !errors.Is(err, schemas.ErrTooLarge) || !errors.Is(err, events.ErrInvalidEvent) {
		t.Fatalf("Admit(1 KiB + 1) = %v, want ErrTooLarge and ErrInvalidEvent", err)
	}
	for _, want := range []string{"deploy hello: the artifact is 1 KiB (1025 bytes), over the limit of 1 KiB (1024 bytes)", "limits.max_artifact_size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Admit error %q does not contain %q", err, want)
		}
	}
	if err := admit(1 << 10); err != nil {
		t.Errorf("Admit(1 KiB) = %v, want admitted", err)
	}
}
