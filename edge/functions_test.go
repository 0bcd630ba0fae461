package edge

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// warmVersion warms fn@v from an artifact whose handler answers "vN".
func warmVersion(t *testing.T, f *Functions, fn string, v fold.ServedVersion) {
	t.Helper()
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(fmt.Sprintf(`{"name":%q,"entry":"i.js"}`, fn))},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(fmt.Sprintf(`var %s={default:{fetch(){return new Response("v%d")}}};`, schemas.BundleGlobal, v.Version))})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Warm(context.Background(), fn, v, blob, nil); err != nil {
		t.Fatal(err)
	}
}

func TestPublishSplitsEachRouteByItsVersions(t *testing.T) {
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{})
	v1 := fold.ServedVersion{Version: 1, Artifact: "a1", Percent: 70, Routes: []string{"/api/:id", "/old"}}
	v2 := fold.ServedVersion{Version: 2, Artifact: "a2", Percent: 30, Routes: []string{"/api/:key", "/new"}}
	warmVersion(t, f, "api", v1)
	warmVersion(t, f, "api", v2)
	f.Publish(&fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{
		"api": {Function: "api", Versions: []fold.ServedVersion{v1, v2}, ActivatedSeq: 3},
	}})

	weights := func(path string) map[int]uint32 {
		t.Helper()
		tg, ok := f.lookup("example.com", path)
		if !ok {
			t.Fatalf("no route for %s", path)
		}
		w, prev := map[int]uint32{}, uint32(0)
		for _, c := range tg.choices {
			w[c.version], prev = c.upto-prev, c.upto
		}
		return w
	}
	// /api/:id and /api/:key are one route shape, shared 70/30.
	if w := weights("/api/7"); w[1] != 70 || w[2] != 30 || len(w) != 2 {
		t.Errorf("/api/7 weights %v, want v1 70 and v2 30", w)
	}
	if w := weights("/old"); w[1] != 70 || len(w) != 1 {
		t.Errorf("/old weights %v, want v1 alone", w)
	}
	if w := weights("/new"); w[2] != 30 || len(w) != 1 {
		t.Errorf("/new weights %v, want v2 alone", w)
	}

	tg, _ := f.lookup("", "/api/7")
	counts := map[int]int{}
	for range 100_000 {
		counts[tg.pick().version]++
	}
	if share := float64(counts[2]) / 1000; share < 29 || share > 31 {
		t.Errorf("v2 picked for %.2f%% of 100,000 requests, want 30 ± 1", share)
	}
}

func TestPublishPausedNeedsNoProgram(t *testing.T) {
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{})
	f.Publish(&fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{
		"p": {Function: "p", Paused: true, Versions: []fold.ServedVersion{{Version: 4, Artifact: "never-warmed", Percent: 100, Routes: []string{"/p"}}}},
	}})
	tg, ok := f.lookup("", "/p")
	if !ok || !tg.paused || tg.fn != "p" {
		t.Fatalf("paused route: %+v %v, want a paused target for p", tg, ok)
	}
}

func TestKillCancelsOnlyThatFunction(t *testing.T) {
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{})
	for _, fn := range []string{"a", "b"} {
		warmVersion(t, f, fn, fold.ServedVersion{Version: 1, Artifact: fn, Percent: 100, Routes: []string{"/" + fn}})
	}
	f.Publish(&fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{
		"a": {Function: "a", Versions: []fold.ServedVersion{{Version: 1, Artifact: "a", Percent: 100, Routes: []string{"/a"}}}},
		"b": {Function: "b", Versions: []fold.ServedVersion{{Version: 1, Artifact: "b", Percent: 100, Routes: []string{"/b"}}}},
	}})
	ta, _ := f.lookup("", "/a")
	tb, _ := f.lookup("", "/b")
	ctxA, cancelA := context.WithCancelCause(context.Background())
	ctxB, cancelB := context.WithCancelCause(context.Background())
	doneA, doneB := ta.calls.start(cancelA), tb.calls.start(cancelB)
	if n := f.Kill("a"); n != 1 {
		t.Errorf("Kill(a) = %d, want 1", n)
	}
	if context.Cause(ctxA) != ErrKilled || ctxB.Err() != nil {
		t.Errorf("after Kill(a): a's cause %v, b's err %v", context.Cause(ctxA), ctxB.Err())
	}
	doneA()
	doneB()
	if n := f.Kill("a"); n != 0 {
		t.Errorf("Kill(a) after the call ended = %d, want 0", n)
	}
}

// Kill reaches every invocation in flight, whichever shard of the registry
// it landed in, and none that ended.
func TestKillReachesEveryShard(t *testing.T) {
	var in inflight
	const n = 3*inflightShards + 5
	ctxs := make([]context.Context, n)
	dones := make([]func(), n)
	for i := range n {
		ctx, cancel := context.WithCancelCause(context.Background())
		ctxs[i], dones[i] = ctx, in.start(cancel)
	}
	for i := 0; i < n; i += 2 { // every other one ends first
		dones[i]()
	}
	if got, want := in.cancelAll(ErrKilled), n/2; got != want {
		t.Fatalf("cancelAll = %d, want %d", got, want)
	}
	for i, ctx := range ctxs {
		if ended := i%2 == 0; ended == (context.Cause(ctx) == ErrKilled) {
			t.Errorf("invocation %d (ended %v): cause %v", i, ended, context.Cause(ctx))
		}
	}
}
