package edge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vault-runtime/vault/edge/cache"
	"github.com/vault-runtime/vault/edge/container"
	"github.com/vault-runtime/vault/edge/egress"
	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/edge/route"
	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/edge/secret"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// target is what a route resolves to: one function, and the versions
// that answer the route with their weights.
type target struct {
	fn     string
	paused bool
	// stopped: the function is stopped (its routes answer 503 like a
	// paused one's).
	stopped bool
	// choices share the route's traffic; upto is cumulative.
	choices []choice
	total   uint32
	calls   *inflight
}

type choice struct {
	version int
	program *isolate.Program
	class   *sched.Class       // the version's observed duration, for the scheduler
	handles *metrics.FnHandles // the version's series
	up      *upstream          // a container version's, instead of a program
	upto    uint32
}

// pick chooses the version for one request, at random by weight.
func (t *target) pick() *choice {
	if len(t.choices) == 1 {
		return &t.choices[0]
	}
	n := rand.Uint32N(t.total)
	for i := range t.choices {
		if n < t.choices[i].upto {
			return &t.choices[i]
		}
	}
	return &t.choices[len(t.choices)-1]
}

// Functions holds the compiled versions and the live route table. It is
// the projector's Warmer and Publisher.
type Functions struct {
	log    *slog.Logger
	opts   Options
	routes atomic.Pointer[route.Table[*target]]

	mu       sync.Mutex
	programs map[string]*isolate.Program // by programKey
	classes  map[string]*versionClass    // by programKey, kept while the program is
	calls    map[string]*inflight        // by function
	// upstreams are the warmed container versions, by programKey.
	upstreams map[string]*upstream
	// volumes are the ledger's volumes at the last publication (nil
	// before the first).
	volumes map[string]bool
}

// Options are what every compiled version of this node shares.
type Options struct {
	// Logs receives functions' console output and runtime errors.
	Logs isolate.LogSink
	// Max caps every function's limits: a manifest may ask for less, never
	// for more. Zero fields mean the built-in defaults.
	Max schemas.Limits
	// Metrics records requests per version; nil records nothing.
	Metrics *metrics.Metrics
	// Cache holds what functions put with the Cache API, each function in
	// its own partition; nil makes a store with cache's default budget.
	Cache *cache.Store
	// Containers runs container versions; nil refuses them
	// (ErrNoContainers).
	Containers *container.Supervisor
	// Secrets opens functions' secrets: the node key's identity. With
	// nil, a function that has secrets does not warm.
	Secrets *secret.Identity
}

// ErrNoContainers is why a container version does not serve: this node
// runs functions only (it has no runc, or does not run as root).
var ErrNoContainers = errors.New("this node runs functions only; containers need the container runtime")

// NewFunctions starts with no routes.
func NewFunctions(log *slog.Logger, opts Options) *Functions {
	if opts.Cache == nil {
		opts.Cache = cache.New(cache.Config{})
	}
	f := &Functions{log: log, opts: opts, programs: map[string]*isolate.Program{},
		classes: map[string]*versionClass{}, calls: map[string]*inflight{}, upstreams: map[string]*upstream{}}
	f.routes.Store(route.NewTable[*target]())
	return f
}

// programKey names a compiled version: the same version with other
// secrets (a new revision) is another program. Containers do not receive
// secrets (yet): a change of them must not restart one.
func programKey(fn string, v fold.ServedVersion) string {
	if v.Image != "" {
		return fmt.Sprintf("%s@v%d/%s", fn, v.Version, v.Artifact)
	}
	return fmt.Sprintf("%s@v%d/%s/s%d", fn, v.Version, v.Artifact, v.Secrets)
}

// Warm decodes the artifact, opens the function's secrets (of revision
// v.Secrets) and compiles its code; the version may be published only
// after Warm returned nil.
func (f *Functions) Warm(ctx context.Context, fn string, v fold.ServedVersion, blob []byte, secrets map[string]fold.Secret) error {
	key := programKey(fn, v)
	f.mu.Lock()
	_, done := f.programs[key]
	if f.upstreams[key] != nil {
		done = true
	}
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
	if m.Kind == schemas.KindContainer {
		return f.warmContainer(ctx, key, fn, v, m)
	}
	policy, err := egress.NewPolicy(m.Egress)
	if err != nil {
		return fmt.Errorf("warm %s: %w", key, err)
	}
	env, err := f.env(fn, m.Vars, secrets)
	if err != nil {
		return fmt.Errorf("warm %s: %w", key, err)
	}
	log := f.log.With("fn", fn, "version", v.Version)
	f.mu.Lock()
	class := f.classLocked(fn, v)
	f.mu.Unlock()
	prog, err := isolate.Compile(isolate.Config{
		Function: fn, Version: v.Version, Code: art.Section(schemas.SectionCode),
		SourceMap: art.Section(schemas.SectionSourceMap),
		Vars:      env, Limits: f.opts.Max.Clamp(m.Limits), Logger: f.log, Logs: f.opts.Logs,
		Egress: egress.NewClient(policy, log.With("component", "egress")),
		Cache:  f.opts.Cache.For(fn),
		// The scheduler learns from the watchdog which versions are
		// CPU-heavy, and runs those on its heavy lane.
		Strike: class.Strike, StrikeCPU: sched.StrikeCPU,
	})
	if err != nil {
		f.mu.Lock()
		if f.programs[key] == nil {
			delete(f.classes, key)
		}
		f.mu.Unlock()
		return fmt.Errorf("warm %s: %w", key, err)
	}
	f.mu.Lock()
	f.programs[key] = prog
	f.mu.Unlock()
	return nil
}

// Publish builds the route table of a snapshot and swaps it in. A route
// that several versions of a function answer is shared by their weights;
// a route only one of them has goes to that one. The projector gives each
// route to one function, so functions do not collide; if they did, the
// one activated first would keep the route.
func (f *Functions) Publish(snap *fold.Snapshot) {
	served := make([]fold.Served, 0, len(snap.Served))
	for _, v := range snap.Served {
		served = append(served, v)
	}
	slices.SortFunc(served, func(a, b fold.Served) int {
		return cmp.Or(cmp.Compare(a.ActivatedSeq, b.ActivatedSeq), cmp.Compare(a.Function, b.Function))
	})
	router := route.NewTable[*target]()
	live := map[string]*isolate.Program{}
	liveUp := map[string]*upstream{}
	paused := map[string]bool{}
	calls := map[string]*inflight{}
	f.mu.Lock()
	for _, s := range served {
		if calls[s.Function] = f.calls[s.Function]; calls[s.Function] == nil {
			calls[s.Function] = &inflight{}
		}
		paused[s.Function] = s.Paused
		targets, order, err := f.targets(s, calls[s.Function], live, liveUp)
		if err != nil {
			f.log.Error("function not served", "fn", s.Function, "err", err)
			continue
		}
		for _, shape := range order {
			t := targets[shape]
			if err := router.Add(t.route, t.target); err != nil {
				f.log.Warn("route not served", "fn", s.Function, "route", t.route, "err", err)
			}
		}
	}
	// A version compiled again with new secrets is a new program of the
	// same version: its series stay.
	liveVersions := map[string]bool{}
	for key := range live {
		if c := f.classes[key]; c != nil {
			liveVersions[c.Name] = true
		}
	}
	for key, prog := range f.programs {
		if live[key] == nil {
			prog.Close()
			if c := f.classes[key]; c != nil {
				if !liveVersions[c.Name] {
					f.opts.Metrics.Forget(c.fn, c.version)
				}
				delete(f.classes, key)
			}
		}
	}
	f.programs, f.calls = live, calls
	f.mu.Unlock()
	f.settleContainers(liveUp, paused, true)
	f.routes.Store(router)
	f.settleContainers(liveUp, paused, false)
	f.dropVolumes(snap)
	f.log.Info("route table published", "seq", snap.State.Seq, "functions", len(served))
}

type routed struct {
	route  schemas.Route
	target *target
}

// targets builds the route targets of one served function, adding its
// programs to live; f.mu is held.
func (f *Functions) targets(s fold.Served, calls *inflight, live map[string]*isolate.Program, liveUp map[string]*upstream) (map[string]*routed, []string, error) {
	targets := map[string]*routed{}
	var order []string
	for _, v := range s.Versions {
		var prog *isolate.Program
		var up *upstream
		if v.Image != "" && !s.Stopped {
			// A paused container is frozen, not removed: it stays live.
			var err error
			if up, err = f.containerChoice(s, v, liveUp); err != nil {
				return nil, nil, err
			}
		} else if !s.Paused && !s.Stopped {
			if prog = f.programs[programKey(s.Function, v)]; prog == nil {
				// Cannot happen: the projector publishes only warmed versions.
				return nil, nil, fmt.Errorf("v%d was never warmed", v.Version)
			}
			live[programKey(s.Function, v)] = prog
		}
		for _, pattern := range v.Routes {
			route, err := schemas.ParseRoute(pattern)
			if err != nil {
				f.log.Warn("route not served", "fn", s.Function, "version", v.Version, "route", pattern, "err", err)
				continue
			}
			r := targets[route.Shape()]
			if r == nil {
				r = &routed{route: route, target: &target{fn: s.Function, paused: s.Paused || s.Stopped, stopped: s.Stopped, calls: calls}}
				targets[route.Shape()] = r
				order = append(order, route.Shape())
			}
			t := r.target
			if v.Percent > 0 || len(s.Versions) == 1 {
				t.total += uint32(max(v.Percent, 1))
				c := choice{version: v.Version, program: prog, up: up, upto: t.total}
				if up != nil {
					c.handles = up.handles
				}
				if prog != nil {
					c.class = f.classLocked(s.Function, v)
					if c.class.Tag == nil {
						// Served from now on: its series start.
						c.class.Tag = f.opts.Metrics.Function(s.Function, v.Version)
					}
					c.handles, _ = c.class.Tag.(*metrics.FnHandles)
				}
				t.choices = append(t.choices, c)
			}
		}
	}
	return targets, order, nil
}

// versionClass is a version's scheduler class; its tag holds the
// version's metric handles.
type versionClass struct {
	*sched.Class
	fn      string
	version int
}

// classLocked is the scheduler class of a version, made when the version
// is warmed (its program reports CPU-heavy invocations to it) and kept
// while its program is; f.mu is held. Its tag, the version's metric
// handles, is set when the version is first published.
func (f *Functions) classLocked(fn string, v fold.ServedVersion) *sched.Class {
	key := programKey(fn, v)
	c := f.classes[key]
	if c == nil {
		c = &versionClass{Class: sched.NewClass(fmt.Sprintf("%s@v%d", fn, v.Version)), fn: fn, version: v.Version}
		f.classes[key] = c
	}
	return c.Class
}

// Isolates counts the live and idle isolates of every served version, by
// function.
func (f *Functions) Isolates() map[string]metrics.IsolateCount {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]metrics.IsolateCount{}
	for key, prog := range f.programs {
		live, idle := prog.Isolates()
		fn := key[:strings.LastIndex(key, "@v")]
		c := out[fn]
		c.Live += live
		c.Idle += idle
		out[fn] = c
	}
	return out
}

func (f *Functions) lookup(host, path string) (*target, bool) {
	return f.routes.Load().Lookup(host, path)
}

// ErrKilled is the cause of an invocation aborted by Kill.
var ErrKilled = errors.New("killed by an operator")

// Kill aborts the in-flight invocations of fn on this node and says how
// many there were. Requests that arrive later run as usual.
func (f *Functions) Kill(fn string) int {
	f.mu.Lock()
	calls := f.calls[fn]
	f.mu.Unlock()
	if calls == nil {
		return 0
	}
	return calls.cancelAll(ErrKilled)
}

// inflight tracks one function's running invocations, in shards: every
// request registers and removes its own from an executor, and with one
// lock the executors waited for each other (its start and done were 653 of
// ~3,500 lock waits in 60k hello-url requests, each a P hand-off for an
// executor holding its thread).
type inflight struct {
	next   atomic.Uint64
	shards [inflightShards]inflightShard
}

const inflightShards = 16

type inflightShard struct {
	mu    sync.Mutex
	calls map[uint64]context.CancelCauseFunc
	_     [64 - 16]byte // a cache line each
}

// start registers an invocation; done removes it.
func (in *inflight) start(cancel context.CancelCauseFunc) (done func()) {
	id := in.next.Add(1)
	sh := &in.shards[id%inflightShards]
	sh.mu.Lock()
	if sh.calls == nil {
		sh.calls = map[uint64]context.CancelCauseFunc{}
	}
	sh.calls[id] = cancel
	sh.mu.Unlock()
	return func() {
		sh.mu.Lock()
		delete(sh.calls, id)
		sh.mu.Unlock()
	}
}

func (in *inflight) cancelAll(cause error) int {
	n := 0
	for i := range in.shards {
		sh := &in.shards[i]
		sh.mu.Lock()
		for _, cancel := range sh.calls {
			cancel(cause)
		}
		n += len(sh.calls)
		sh.mu.Unlock()
	}
	return n
}

// CacheStats are the Cache API store's counts by function, for /metrics.
func (f *Functions) CacheStats() map[string]metrics.CacheStats {
	stats := f.opts.Cache.Stats()
	out := make(map[string]metrics.CacheStats, len(stats))
	for fn, st := range stats {
		out[fn] = metrics.CacheStats{Entries: st.Entries, Bytes: st.Bytes, Hits: st.Hits,
			Misses: st.Misses, Stores: st.Stores, Evictions: st.Evictions}
	}
	return out
}
