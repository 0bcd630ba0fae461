package edge

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/projector"
	"github.com/vault-runtime/vault/schemas"
)

// target is what a route resolves to.
type target struct {
	fn      string
	version int
	program *isolate.Program
}

// Functions holds the compiled versions and the live route table. It is
// the projector's Warmer and Publisher.
type Functions struct {
	log    *slog.Logger
	routes atomic.Pointer[Router[*target]]

	mu       sync.Mutex
	programs map[string]*isolate.Program // by programKey
}

// NewFunctions starts with no routes.
func NewFunctions(log *slog.Logger) *Functions {
	f := &Functions{log: log, programs: map[string]*isolate.Program{}}
	f.routes.Store(NewRouter[*target]())
	return f
}

func programKey(v projector.Served) string {
	return fmt.Sprintf("%s@v%d/%s", v.Function, v.Version, v.Artifact)
}

// Warm decodes the artifact and compiles its code; the version may be
// published only after Warm returned nil.
func (f *Functions) Warm(ctx context.Context, v projector.Served, blob []byte) error {
	key := programKey(v)
	f.mu.Lock()
	_, done := f.programs[key]
	f.mu.Unlock()
	if done {
		return nil
	}
	art, err := schemas.DecodeArtifact(blob)
	if err != nil {
		return fmt.Errorf("warm %s: %w", key, err)
	}
	m, err := art.Manifest()
	if err != nil {
		return fmt.Errorf("warm %s: %w", key, err)
	}
	prog, err := isolate.Compile(isolate.Config{
		Function: v.Function, Version: v.Version, Code: art.Section(schemas.SectionCode),
		Vars: m.Vars, Limits: m.Limits, Logger: f.log,
	})
	if err != nil {
		return fmt.Errorf("warm %s: %w", key, err)
	}
	f.mu.Lock()
	f.programs[key] = prog
	f.mu.Unlock()
	return nil
}

// Publish builds the route table of a snapshot and swaps it in. Where two
// functions claim the same route, the one activated first keeps it.
func (f *Functions) Publish(snap *projector.Snapshot) {
	served := make([]projector.Served, 0, len(snap.Served))
	for _, v := range snap.Served {
		served = append(served, v)
	}
	slices.SortFunc(served, func(a, b projector.Served) int {
		return cmp.Or(cmp.Compare(a.ActivatedSeq, b.ActivatedSeq), cmp.Compare(a.Function, b.Function))
	})
	router := NewRouter[*target]()
	live := map[string]*isolate.Program{}
	f.mu.Lock()
	for _, v := range served {
		prog := f.programs[programKey(v)]
		if prog == nil {
			// Cannot happen: the projector publishes only warmed versions.
			f.log.Error("published version was never warmed; not serving it", "fn", v.Function, "version", v.Version)
			continue
		}
		live[programKey(v)] = prog
		for _, pattern := range v.Routes {
			route, err := schemas.ParseRoute(pattern)
			if err == nil {
				err = router.Add(route, &target{fn: v.Function, version: v.Version, program: prog})
			}
			if err != nil {
				f.log.Warn("route not served", "fn", v.Function, "version", v.Version, "route", pattern, "err", err)
			}
		}
	}
	f.programs = live
	f.mu.Unlock()
	f.routes.Store(router)
	f.log.Info("route table published", "seq", snap.State.Seq, "functions", len(served))
}

func (f *Functions) lookup(host, path string) (*target, bool) {
	return f.routes.Load().Lookup(host, path)
}
