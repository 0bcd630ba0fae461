package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// testTimeout bounds every wait, so a broken projector fails the test
// instead of hanging it.
const testTimeout = 10 * time.Second

type fakeSource struct {
	follow func(ctx context.Context, from uint64, out chan<- ledger.Record) error
}

func (f *fakeSource) Follow(ctx context.Context, from uint64, out chan<- ledger.Record) error {
	return f.follow(ctx, from, out)
}

// followRecords is a Source like the ledger's: it reports from on froms
// (when not nil), sends the records at from and after, then whatever
// arrives on feed, until ctx ends.
func followRecords(records []ledger.Record, feed <-chan ledger.Record, froms chan<- uint64) *fakeSource {
	return &fakeSource{follow: func(ctx context.Context, from uint64, out chan<- ledger.Record) error {
		if froms != nil {
			froms <- from
		}
		for _, r := range records {
			if r.Seq < from {
				continue
			}
			select {
			case out <- r:
			case <-ctx.Done():
				return nil
			}
		}
		for {
			select {
			case r := <-feed:
				select {
				case out <- r:
				case <-ctx.Done():
					return nil
				}
			case <-ctx.Done():
				return nil
			}
		}
	}}
}

type fakeArtifacts struct {
	blobs map[string][]byte // digest -> blob
}

func artifacts(blobs ...string) *fakeArtifacts {
	a := &fakeArtifacts{blobs: map[string][]byte{}}
	for _, b := range blobs {
		a.blobs[foldtest.Digest(b)] = []byte(b)
	}
	return a
}

func (a *fakeArtifacts) Get(_ context.Context, d string) ([]byte, error) {
	b, ok := a.blobs[d]
	if !ok {
		return nil, fmt.Errorf("artifact %s: %w", d, events.ErrNotFound)
	}
	return b, nil
}

func (a *fakeArtifacts) Has(_ context.Context, d string) (bool, error) {
	_, ok := a.blobs[d]
	return ok, nil
}

type fakeWarmer struct {
	warm func(ctx context.Context, v warmed, artifact []byte) error
}

// warmed is one Warm call's function and version.
type warmed struct {
	fn string
	fold.ServedVersion
	secrets map[string]fold.Secret
}

func (w *fakeWarmer) Warm(ctx context.Context, fn string, v fold.ServedVersion, artifact []byte, secrets map[string]fold.Secret) error {
	return w.warm(ctx, warmed{fn, v, secrets}, artifact)
}

type fakePublisher struct{ publish func(*fold.Snapshot) }

func (p *fakePublisher) Publish(s *fold.Snapshot) { p.publish(s) }

// journal is the shared, ordered record of what the fakes saw.
type journal struct {
	mu      sync.Mutex
	entries []entry
}

type entry struct {
	warm    *warmed // a Warm call
	warmErr error   // what it returned
	snap    *fold.Snapshot
	hash    string // of snap.State when it was published
}

func (j *journal) add(e entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
}

func (j *journal) all() []entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// warmer records every call in j and fails for the artifacts in fail.
// It checks that it was given the blob the version names.
func (j *journal) warmer(t *testing.T, fail ...string) *fakeWarmer {
	return &fakeWarmer{warm: func(_ context.Context, v warmed, blob []byte) error {
		var err error
		if foldtest.Digest(string(blob)) != v.Artifact {
			t.Errorf("Warm(%s@v%d) got a blob of digest %s, want %s", v.fn, v.Version, foldtest.Digest(string(blob)), v.Artifact)
		}
		if slices.Contains(fail, v.Artifact) {
			err = fmt.Errorf("compile %s: syntax error", v.Artifact[:8])
		}
		j.add(entry{warm: &v, warmErr: err})
		return err
	}}
}

func (j *journal) publisher() *fakePublisher {
	return &fakePublisher{publish: func(s *fold.Snapshot) { j.add(entry{snap: s, hash: s.State.Hash()}) }}
}

func openDB(t *testing.T, dir string) *pebble.DB {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	// Registered before any projector starts, so it runs after they stop.
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close pebble: %v", err)
		}
	})
	return db
}

// start runs a projector until the returned stop is called (or the test
// ends), and fails the test if Run fails or does not stop.
func start(t *testing.T, cfg Config) (p *Projector, stop func()) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p = New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(testTimeout):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return p, stop
}

// send hands r to a source's feed, failing if the projector does not
// take it.
func send(t *testing.T, feed chan<- ledger.Record, r ledger.Record) {
	t.Helper()
	select {
	case feed <- r:
	case <-time.After(testTimeout):
		t.Fatalf("record %d was not taken from the source", r.Seq)
	}
}

func waitApplied(t *testing.T, p *Projector, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.WaitApplied(ctx, seq); err != nil {
		t.Fatal(err)
	}
}

// lifecycle is a ledger with two functions and two versions of hello:
// every version's activation is its own record.
func lifecycle(t *testing.T) *testLedger {
	l := newTestLedger(t)
	l.append(l.Genesis)
	l.append(l.Deploy("hello", "hello-1", "/hello"))
	l.append(l.Activate("hello", 1, "hello-1"))
	l.append(l.Deploy("other", "other-1", "/other/*"))
	l.append(l.Deploy("hello", "hello-2", "/hello", "/hello/:id"))
	l.append(l.Activate("other", 1, "other-1"))
	l.append(l.Activate("hello", 2, "hello-2"))
	return l
}

func TestProjectorWarmsBeforePublishing(t *testing.T) {
	for _, batch := range []int{1, 2, 256} {
		t.Run(fmt.Sprintf("BatchSize%d", batch), func(t *testing.T) {
			l := lifecycle(t)
			var j journal
			p, stop := start(t, Config{
				Source:    followRecords(l.records, nil, nil),
				Artifacts: artifacts("hello-1", "hello-2", "other-1"),
				Warmer:    j.warmer(t),
				Publisher: j.publisher(),
				DB:        openDB(t, t.TempDir()),
				BatchSize: batch,
			})
			waitApplied(t, p, uint64(len(l.records)))
			stop()

			entries := j.all()
			checkPublications(t, entries)
			servedV1 := false
			for _, e := range entries {
				if e.snap != nil && e.snap.Served["hello"].Weight(1) == 100 {
					servedV1 = true
				}
			}
			if batch == 1 && !servedV1 {
				t.Error("hello@v1 was never served, though it was active for a whole batch")
			}
			want := map[string]fold.Served{
				"hello": {Function: "hello", ActivatedSeq: 7, StateSeq: 7, Versions: []fold.ServedVersion{
					{Version: 2, Artifact: foldtest.Digest("hello-2"), Percent: 100, Routes: []string{"/hello", "/hello/:id"}}}},
				"other": {Function: "other", ActivatedSeq: 6, StateSeq: 6, Versions: []fold.ServedVersion{
					{Version: 1, Artifact: foldtest.Digest("other-1"), Percent: 100, Routes: []string{"/other/*"}}}},
			}
			cur := p.Current()
			if !reflect.DeepEqual(cur.Served, want) || len(cur.Failed) != 0 {
				t.Errorf("served %+v failed %v\nwant %+v", cur.Served, cur.Failed, want)
			}
			if got, want := cur.State.Hash(), foldRecords(t, l.records).Hash(); got != want {
				t.Errorf("projected state %+v\nwant the folded ledger", cur.State)
			}
		})
	}
}

// checkPublications checks the promises a projector makes about what
// it publishes: every version a snapshot serves was warmed, successfully,
// before that snapshot was published; snapshots come in ledger order and
// never change once published.
func checkPublications(t *testing.T, entries []entry) {
	t.Helper()
	var warm []warmed
	var lastSeq uint64
	published := 0
	for i, e := range entries {
		if e.warm != nil {
			if e.warmErr == nil {
				warm = append(warm, *e.warm)
			}
			continue
		}
		published++
		if e.snap.State.Seq < lastSeq {
			t.Errorf("entry %d: published seq %d after %d", i, e.snap.State.Seq, lastSeq)
		}
		lastSeq = e.snap.State.Seq
		for name, s := range e.snap.Served {
			for _, v := range s.Versions {
				ok := slices.ContainsFunc(warm, func(w warmed) bool {
					return w.fn == name && w.Version == v.Version && w.Artifact == v.Artifact
				})
				if !ok && !s.Paused {
					t.Errorf("entry %d: snapshot at seq %d serves %s@v%d (%+v) before it was warmed", i, e.snap.State.Seq, name, v.Version, s)
				}
			}
		}
		if got := e.snap.State.Hash(); got != e.hash {
			t.Errorf("entry %d: snapshot at seq %d changed after publication", i, e.snap.State.Seq)
		}
	}
	if published == 0 {
		t.Error("nothing was published")
	}
}

func foldRecords(t *testing.T, records []ledger.Record) *fold.State {
	t.Helper()
	s := fold.NewState()
	for _, r := range records {
		_ = fold.Apply(s, r.Seq, r.ID, r.Envelope)
	}
	return s
}

func TestProjectorWarmFailure(t *testing.T) {
	tests := []struct {
		name       string
		fail       string // blob whose warming fails
		wantServed map[string]int
		wantFailed string
	}{
		{"KeepsServingV1WhenV2Fails", "hello-2", map[string]int{"hello": 1, "other": 1}, "hello@v2"},
		// v1's failure was of an activation the ledger has since moved on
		// from (v2 is active and served): it is no longer listed.
		{"ServesV2WhenV1Failed", "hello-1", map[string]int{"hello": 2, "other": 1}, ""},
		{"ServesNothingWhenOnlyVersionFails", "other-1", map[string]int{"hello": 2}, "other@v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lifecycle(t)
			var j journal
			feed := make(chan ledger.Record)
			p, _ := start(t, Config{
				Source:    followRecords(l.records, feed, nil),
				Artifacts: artifacts("hello-1", "hello-2", "other-1", "more"),
				Warmer:    j.warmer(t, foldtest.Digest(tt.fail)),
				Publisher: j.publisher(),
				DB:        openDB(t, t.TempDir()),
				BatchSize: 1,
			})
			waitApplied(t, p, 7)

			check := func(cur *fold.Snapshot, wantServed map[string]int) {
				t.Helper()
				served := map[string]int{}
				for name, s := range cur.Served {
					served[name] = s.Versions[0].Version
				}
				if !maps.Equal(served, wantServed) {
					t.Errorf("serving %v, want %v", served, wantServed)
				}
				if tt.wantFailed == "" && len(cur.Failed) != 0 {
					t.Fatalf("failed = %v, want none", cur.Failed)
				}
				if tt.wantFailed != "" && len(cur.Failed) != 1 {
					t.Fatalf("failed = %v, want just %s", cur.Failed, tt.wantFailed)
				}
				for key, reason := range cur.Failed {
					if !strings.Contains(key, tt.wantFailed) || !strings.Contains(reason, "syntax error") {
						t.Errorf("failed = %v, want %s and the warm error", cur.Failed, tt.wantFailed)
					}
				}
				if f := cur.State.Functions["hello"]; f.Active != 2 {
					t.Errorf("ledger state has hello active at v%d, want v2 whatever this node serves", f.Active)
				}
			}
			check(p.Current(), tt.wantServed)

			// More batches neither retry the failed version nor forget it.
			send(t, feed, l.append(l.Deploy("more", "more")))
			send(t, feed, l.append(l.Activate("more", 1, "more")))
			waitApplied(t, p, 9)
			wantServed := maps.Clone(tt.wantServed)
			wantServed["more"] = 1
			check(p.Current(), wantServed)
			checkPublications(t, j.all())
			attempts := 0
			for _, e := range j.all() {
				if e.warm != nil && e.warm.Artifact == foldtest.Digest(tt.fail) {
					attempts++
				}
			}
			if attempts != 1 {
				t.Errorf("the failing version was warmed %d times, want once", attempts)
			}
		})
	}
}

func TestProjectorWaitApplied(t *testing.T) {
	l := lifecycle(t)
	feed := make(chan ledger.Record)
	var j journal
	p, _ := start(t, Config{
		Source:    followRecords(l.records[:3], feed, nil),
		Artifacts: artifacts("hello-1", "hello-2", "other-1"),
		Warmer:    j.warmer(t),
		Publisher: j.publisher(),
		DB:        openDB(t, t.TempDir()),
	})

	t.Run("ReturnsOnceApplied", func(t *testing.T) {
		waitApplied(t, p, 3)
		if got := p.Current().State.Seq; got < 3 {
			t.Errorf("WaitApplied(3) returned at seq %d", got)
		}
		waitApplied(t, p, 1) // already passed
	})
	t.Run("TimesOutWithContext", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := p.WaitApplied(ctx, 4)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitApplied(4) = %v, want the context's deadline", err)
		}
	})
	t.Run("WakesWhenRecordArrives", func(t *testing.T) {
		done := make(chan error, 1)
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		go func() { done <- p.WaitApplied(ctx, 4) }()
		select {
		case err := <-done:
			t.Fatalf("WaitApplied(4) returned %v before record 4 was sent", err)
		case <-time.After(50 * time.Millisecond):
		}
		send(t, feed, l.records[3])
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(testTimeout):
			t.Fatal("WaitApplied(4) did not return after record 4 was applied")
		}
		if got := p.Current().State.Seq; got != 4 {
			t.Errorf("seq %d after WaitApplied(4)", got)
		}
	})
}

func TestProjectorRestart(t *testing.T) {
	tests := []struct {
		name string
		// honest sources start at from; others redeliver from 1.
		honest bool
	}{
		{"FollowsFromNextSeq", true},
		{"SkipsRedeliveredRecords", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lifecycle(t)
			// Images are part of the persisted state too.
			l.append(l.PullImage(foldtest.Image("api", "registry.example.com/api", "1", "base", "app"), l.Operator))
			l.append(l.PullImage(foldtest.Image("web", "registry.example.com/web", "", "base"), l.Deployer))
			l.append(l.RemoveImage("web"))
			// And networks and volumes.
			l.append(l.CreateNetwork("backend", "10.89.3.0/24"))
			l.append(l.CreateVolume("pgdata"))
			l.append(l.CreateVolume("scratch"))
			l.append(l.RemoveVolume("scratch"))
			dir := t.TempDir()
			db := openDB(t, dir)

			first, stop := start(t, Config{
				Source:    followRecords(l.records, nil, nil),
				Artifacts: artifacts("hello-1", "hello-2", "other-1"),
				Warmer:    (&journal{}).warmer(t),
				Publisher: (&journal{}).publisher(),
				DB:        db,
			})
			waitApplied(t, first, 14)
			stop()
			applied := first.Current()

			// A new node on the same database, with a ledger that grew.
			l.append(l.Deploy("hello", "hello-3"))
			var j journal
			froms := make(chan uint64, 1)
			feed := make(chan ledger.Record)
			source := followRecords(nil, feed, froms)
			if !tt.honest {
				inner := source
				source = &fakeSource{follow: func(ctx context.Context, from uint64, out chan<- ledger.Record) error {
					go func() {
						for _, r := range l.records {
							select {
							case feed <- r:
							case <-ctx.Done():
								return
							}
						}
					}()
					return inner.follow(ctx, from, out)
				}}
			}
			second, _ := start(t, Config{
				Source:    source,
				Artifacts: artifacts("hello-1", "hello-2", "other-1", "hello-3"),
				Warmer:    j.warmer(t),
				Publisher: j.publisher(),
				DB:        db,
			})
			select {
			case from := <-froms:
				if from != 15 {
					t.Errorf("Follow from %d, want 15", from)
				}
			case <-time.After(testTimeout):
				t.Fatal("Follow was not called")
			}
			if tt.honest {
				restored := second.Current()
				if len(restored.State.Images) != 1 || restored.State.Images[foldtest.OCIDigest("api")] == nil {
					t.Errorf("restored images %v, want api only", restored.State.Images)
				}
				if n := restored.State.Networks["backend"]; len(restored.State.Networks) != 1 || n == nil || n.Subnet != "10.89.3.0/24" {
					t.Errorf("restored networks %v, want backend 10.89.3.0/24", restored.State.Networks)
				}
				if len(restored.State.Volumes) != 1 || restored.State.Volumes["pgdata"] == nil {
					t.Errorf("restored volumes %v, want pgdata only", restored.State.Volumes)
				}
				if restored.State.Hash() != applied.State.Hash() {
					t.Errorf("restored state %+v\nwant %+v", restored.State, applied.State)
				}
				if !reflect.DeepEqual(restored.Served, applied.Served) {
					t.Errorf("restored serving %+v, want %+v", restored.Served, applied.Served)
				}
				send(t, feed, l.records[14])
			}
			waitApplied(t, second, 15)
			if got, want := second.Current().State.Hash(), foldRecords(t, l.records).Hash(); got != want {
				t.Errorf("state after restart and record 15 = %+v\nwant the whole ledger folded", second.Current().State)
			}
			if got := second.Current().Served["hello"].Weight(2); got != 100 {
				t.Errorf("serving hello@v%d, want v2 (v3 is deployed, not active)", got)
			}
			// The restored active versions were warmed again before the
			// restored state was served.
			checkPublications(t, j.all())
		})
	}
}

// errAny in a table accepts any error.
var errAny = errors.New("any error")

func TestProjectorAdmit(t *testing.T) {
	l := newTestLedger(t)
	l.append(l.Genesis)
	l.append(l.Deploy("hello", "hello-1"))
	var j journal
	p, _ := start(t, Config{
		Source:    followRecords(l.records, nil, nil),
		Artifacts: artifacts("hello-1", "hello-2"),
		Warmer:    j.warmer(t),
		Publisher: j.publisher(),
		DB:        openDB(t, t.TempDir()),
	})
	waitApplied(t, p, 2)

	tests := []struct {
		name     string
		head     uint64
		envelope []byte
		want     error // nil: admitted
	}{
		{"AdmitsUploadedArtifact", 2, l.Deploy("hello", "hello-2"), nil},
		{"AdmitsActivation", 2, l.Activate("hello", 1, "hello-1"), nil},
		{"ErrNotFound/ArtifactNotUploaded", 2, l.Deploy("hello", "never-uploaded"), events.ErrNotFound},
		{"ErrNotFound/ActivateMissingVersion", 2, l.Activate("hello", 2, "hello-2"), events.ErrNotFound},
		{"ErrUnauthorized", 2, l.Deployed(events.Deployed{Name: "hello", Artifact: foldtest.Digest("hello-2"), Size: 7}, l.Logger), events.ErrUnauthorized},
		{"SecondGenesis", 2, l.Genesis, errAny},
		{"DeadlineExceeded/HeadNotApplied", 3, l.Deploy("hello", "hello-2"), context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			before := p.Current().State.Hash()
			err := p.Admission().Admit(ctx, tt.head, tt.envelope)
			switch {
			case tt.want == nil && err != nil:
				t.Errorf("Admit = %v, want admitted", err)
			case tt.want == errAny && err == nil:
				t.Error("Admit admitted it")
			case tt.want != nil && tt.want != errAny && !errors.Is(err, tt.want):
				t.Errorf("Admit = %v, want %v", err, tt.want)
			}
			if after := p.Current().State.Hash(); after != before {
				t.Error("Admit changed the projected state")
			}
		})
	}
}

// An empty node admits the genesis without running: there is nothing to
// wait for at head 0.
func TestProjectorAdmitGenesis(t *testing.T) {
	l := newTestLedger(t)
	p := New(Config{Artifacts: artifacts(), Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.Admission().Admit(ctx, 0, l.Genesis); err != nil {
		t.Errorf("Admit(genesis) = %v", err)
	}
	if err := p.Admission().Admit(ctx, 0, l.Deploy("hello", "hello-1")); !errors.Is(err, events.ErrInvalidEvent) {
		t.Errorf("Admit(deploy before genesis) = %v, want %v", err, events.ErrInvalidEvent)
	}
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)           {}
func (quietPebble) Errorf(format string, a ...any) { fmt.Printf(format+"\n", a...) }
func (quietPebble) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// TestProjectorForgetsFailuresOfPastActivations (issue 23, fix 5: ls kept
// "not served here: s1@v2" after s1 served v4): a version that failed to
// warm is listed while its activation is the current one, and no longer
// once a later activation of the function is served.
func TestProjectorForgetsFailuresOfPastActivations(t *testing.T) {
	l := lifecycle(t)
	var j journal
	feed := make(chan ledger.Record)
	p, _ := start(t, Config{
		Source:    followRecords(l.records, feed, nil),
		Artifacts: artifacts("hello-1", "hello-2", "other-1", "hello-3"),
		Warmer:    j.warmer(t, foldtest.Digest("hello-2")),
		Publisher: j.publisher(),
		DB:        openDB(t, t.TempDir()),
		BatchSize: 1,
	})
	waitApplied(t, p, 7)
	if failed := p.Current().Failed; len(failed) != 1 {
		t.Fatalf("failed = %v, want hello@v2's", failed)
	}
	send(t, feed, l.append(l.Deploy("hello", "hello-3")))
	send(t, feed, l.append(l.Activate("hello", 3, "hello-3")))
	waitApplied(t, p, 9)
	cur := p.Current()
	if s := cur.Served["hello"]; len(s.Versions) != 1 || s.Versions[0].Version != 3 {
		t.Fatalf("serving %+v, want hello@v3", s)
	}
	if len(cur.Failed) != 0 {
		t.Errorf("failed = %v after v3 serves, want none", cur.Failed)
	}
}
