package projector

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// randomLedger is a random ledger of n records after genesis: deploys of
// a few functions, and every lifecycle event (activate, split, rollback,
// pause, resume, retire), legal ones chosen from a model of the state,
// plus about one record in ten that projection must reject (bad
// signatures and keys, other ledgers, bad routes, route conflicts,
// illegal transitions). It returns the records and how many are invalid.
func randomLedger(t testing.TB, rng *rand.Rand, n int) ([]ledger.Record, int) {
	t.Helper()
	l := newTestLedger(t)
	l.append(l.Genesis)
	m := &ledgerModel{l: l, rng: rng, fns: map[string]*modelFn{}}
	bad := 0
	for range n {
		env, ok := m.next()
		if !ok {
			bad++
		}
		l.append(env)
	}
	return l.records, bad
}

// ledgerModel tracks what the projector should make of the events it
// generates, to choose legal transitions.
type ledgerModel struct {
	l   *testLedger
	rng *rand.Rand
	fns map[string]*modelFn
	// images are the names of the images pulled and not removed.
	images []string
	// networks and volumes are the names created (and not removed).
	networks, volumes []string
}

type modelFn struct {
	blobs          []string // per version
	state          fold.Lifecycle
	active, canary int
	percent        int
	wasActive      []int
	ownsRoot       bool // claimed "/NAME"
}

var modelNames = []string{"alpha", "beta", "gamma", "delta", "epsilon"}

func (m *ledgerModel) fn(name string) *modelFn {
	if m.fns[name] == nil {
		m.fns[name] = &modelFn{state: fold.Inactive}
	}
	return m.fns[name]
}

// pick returns a random function in one of the given states.
func (m *ledgerModel) pick(states ...fold.Lifecycle) (string, *modelFn, bool) {
	var names []string
	for _, name := range modelNames {
		if f := m.fns[name]; f != nil && len(f.blobs) > 0 && slices.Contains(states, f.state) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", nil, false
	}
	name := names[m.rng.IntN(len(names))]
	return name, m.fns[name], true
}

func (m *ledgerModel) activate(f *modelFn, v int) {
	f.active, f.canary, f.percent, f.state = v, 0, 0, fold.Active
	f.wasActive = append(f.wasActive, v)
}

// next returns a record and whether it is valid.
func (m *ledgerModel) next() ([]byte, bool) {
	l, rng := m.l, m.rng
	blob := func() string { return fmt.Sprintf("blob-%d", rng.Uint64()) }
	if rng.IntN(10) == 0 {
		return m.invalid(), false
	}
	if rng.IntN(12) == 0 {
		return m.image(), true
	}
	if rng.IntN(12) == 0 {
		return m.netvol()
	}
	switch p := rng.IntN(100); {
	case p < 40:
		name := modelNames[rng.IntN(len(modelNames))]
		f := m.fn(name)
		if f.state == fold.Retired {
			return l.Deploy(name, blob()), false
		}
		all := []string{"/" + name, "/" + name + "/:id", name + ".example.com/*", "/" + name + "/static/*"}
		routes := all[:rng.IntN(len(all)+1)]
		b := blob()
		f.blobs = append(f.blobs, b)
		f.ownsRoot = f.ownsRoot || len(routes) > 0
		return l.Deploy(name, b, routes...), true
	case p < 65:
		name, f, ok := m.pick(fold.Inactive, fold.Active)
		if !ok {
			return m.next()
		}
		v := rng.IntN(len(f.blobs)) + 1
		if v == f.active && f.canary == 0 {
			return l.Activate(name, v, f.blobs[v-1]), false
		}
		m.activate(f, v)
		return l.Activate(name, v, f.blobs[v-1]), true
	case p < 75:
		name, f, ok := m.pick(fold.Active)
		if !ok || len(f.blobs) < 2 {
			return m.next()
		}
		v, pct := rng.IntN(len(f.blobs))+1, 1+rng.IntN(99)
		if v == f.active || (v == f.canary && pct == f.percent) {
			return l.Split(name, v, f.blobs[v-1], pct), false
		}
		f.canary, f.percent = v, pct
		return l.Split(name, v, f.blobs[v-1], pct), true
	case p < 82:
		name, f, ok := m.pick(fold.Active)
		if !ok {
			return m.next()
		}
		v := f.wasActive[rng.IntN(len(f.wasActive))]
		if v == f.active && f.canary == 0 {
			return l.Rollback(name, v, f.blobs[v-1]), false
		}
		m.activate(f, v)
		return l.Rollback(name, v, f.blobs[v-1]), true
	case p < 89:
		name, f, ok := m.pick(fold.Active)
		if !ok {
			return m.next()
		}
		f.state = fold.Paused
		return l.Lifecycle(events.TypePaused, name), true
	case p < 97:
		name, f, ok := m.pick(fold.Paused)
		if !ok {
			return m.next()
		}
		f.state = fold.Active
		return l.Lifecycle(events.TypeResumed, name), true
	default:
		name, f, ok := m.pick(fold.Inactive, fold.Active, fold.Paused)
		if !ok {
			return m.next()
		}
		f.state, f.active, f.canary, f.percent, f.ownsRoot = fold.Retired, 0, 0, 0, false
		return l.Lifecycle(events.TypeRetired, name), true
	}
}

// invalid returns a record projection must reject.
func (m *ledgerModel) invalid() []byte {
	l, rng, t := m.l, m.rng, m.l.T()
	cases := []func() []byte{
		func() []byte {
			return l.Deployed(events.Deployed{Name: "alpha", Artifact: foldtest.Digest("x"), Size: 1}, foldtest.NewSigner(t))
		},
		func() []byte {
			return l.Deployed(events.Deployed{Name: "alpha", Artifact: foldtest.Digest("x"), Size: 1}, l.Logger)
		},
		func() []byte {
			return l.Seal(events.ID([]byte("another ledger")), events.TypeDeployed, "beta",
				events.Deployed{Name: "beta", Artifact: foldtest.Digest("x"), Size: 1}, l.Operator)
		},
		func() []byte { return l.Deploy("gamma", "x", "/a/*/b") },
		func() []byte { return l.Activate("nope", 1, "x") },
		func() []byte { return l.Activate(modelNames[rng.IntN(len(modelNames))], 1000, "x") },
		func() []byte { return foldtest.Tamper(t, l.Deploy("delta", "x"), foldtest.FlipSignature) },
		func() []byte { return l.SealGenesis("again", l.Operator, foldtest.Grant(l.Operator, events.RoleAdmin)) },
		func() []byte { return l.Lifecycle(events.TypeResumed, "nope") },
	}
	if name, f, ok := m.pick(fold.Active, fold.Inactive, fold.Paused, fold.Retired); ok {
		cases = append(cases, func() []byte { return l.Activate(name, 1, "not-"+f.blobs[0]) })
	}
	if name, _, ok := m.pick(fold.Inactive, fold.Active); ok {
		cases = append(cases, func() []byte { return l.Lifecycle(events.TypeResumed, name) })
	}
	if name, f, ok := m.pick(fold.Paused, fold.Retired); ok {
		cases = append(cases, func() []byte { return l.Activate(name, 1, f.blobs[0]) })
	}
	if name, f, ok := m.pick(fold.Inactive); ok {
		cases = append(cases, func() []byte { return l.Split(name, 1, f.blobs[0], 10) })
	}
	for _, owner := range modelNames {
		if f := m.fns[owner]; f != nil && f.ownsRoot && f.state != fold.Retired {
			thief := "zeta"
			cases = append(cases, func() []byte { return l.Deploy(thief, "x", "/"+owner) })
		}
	}
	return cases[rng.IntN(len(cases))]()
}

// restart simulates a node that persisted s and loaded it again.
func restart(t testing.TB, s *fold.State) *fold.State {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	loaded := fold.NewState()
	if err := json.Unmarshal(data, loaded); err != nil {
		t.Fatal(err)
	}
	return loaded
}

// image pulls a new image, pulls a stored one again under another tag,
// or removes one.
func (m *ledgerModel) image() []byte {
	l, rng := m.l, m.rng
	if len(m.images) > 0 {
		switch i := rng.IntN(len(m.images)); rng.IntN(3) {
		case 0:
			name := m.images[i]
			m.images = slices.Delete(m.images, i, i+1)
			return l.RemoveImage(name)
		case 1:
			p := foldtest.Image(m.images[i], "registry.example.com/team/"+m.images[i], fmt.Sprintf("v%d", rng.IntN(100)), m.images[i]+"-layer")
			return l.PullImage(p, l.Deployer)
		}
	}
	name := fmt.Sprintf("image%d", rng.Uint64())
	m.images = append(m.images, name)
	return l.PullImage(foldtest.Image(name, "registry.example.com/team/"+name, "1.0", name+"-layer"), l.Operator)
}

// netvol creates a network or a volume (refused if the name is taken)
// or removes a volume (refused if there is none of that name); no
// version of the model mounts one.
func (m *ledgerModel) netvol() ([]byte, bool) {
	l, rng := m.l, m.rng
	name := fmt.Sprintf("nv%d", rng.IntN(6))
	switch rng.IntN(3) {
	case 0:
		ok := !slices.Contains(m.networks, name)
		if ok {
			m.networks = append(m.networks, name)
		}
		return l.CreateNetwork(name, ""), ok
	case 1:
		ok := !slices.Contains(m.volumes, name)
		if ok {
			m.volumes = append(m.volumes, name)
		}
		return l.CreateVolume(name), ok
	}
	i := slices.Index(m.volumes, name)
	if i >= 0 {
		m.volumes = slices.Delete(m.volumes, i, i+1)
	}
	return l.RemoveVolume(name), i >= 0
}

func TestFoldDeterministic(t *testing.T) {
	seeds, n := 20, 200
	if testing.Short() {
		seeds = 4
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			records, bad := randomLedger(t, rng, n)

			// One pass, remembering the hash and verdict after every record.
			s := fold.NewState()
			hashes := make([]string, len(records))
			rejected := make([]bool, len(records))
			for i, r := range records {
				rejected[i] = fold.Apply(s, r.Seq, r.ID, r.Envelope) != nil
				hashes[i] = s.Hash()
			}
			if len(s.Rejected) != bad {
				t.Fatalf("%d records rejected, want the %d invalid ones: %+v", len(s.Rejected), bad, s.Rejected)
			}
			if len(s.Functions) == 0 {
				t.Fatal("no function deployed; the generator is broken")
			}

			// The same records with restarts from the persisted state, and
			// from clones, at random points.
			s2 := fold.NewState()
			restarts := 0
			for i, r := range records {
				switch rng.IntN(20) {
				case 0:
					s2 = restart(t, s2)
					restarts++
				case 1:
					s2 = s2.Clone()
				}
				if got := fold.Apply(s2, r.Seq, r.ID, r.Envelope) != nil; got != rejected[i] {
					t.Fatalf("seq %d: rejected = %v after restarts, %v in one pass", r.Seq, got, rejected[i])
				}
				if got := s2.Hash(); got != hashes[i] {
					t.Fatalf("seq %d: hash %s after %d restarts, %s in one pass", r.Seq, got, restarts, hashes[i])
				}
			}
			if got := restart(t, s2).Hash(); got != hashes[len(hashes)-1] {
				t.Errorf("final state changed in a JSON round trip: %s, want %s", got, hashes[len(hashes)-1])
			}
		})
	}
}

func TestCloneIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	records, _ := randomLedger(t, rng, 200)
	s := fold.NewState()
	for _, r := range records {
		_ = fold.Apply(s, r.Seq, r.ID, r.Envelope)
	}
	if len(s.Rejected) == 0 || len(s.Functions) < 2 {
		t.Fatalf("the random ledger should have rejections and functions: %+v", s)
	}
	anyFunction := func(t *testing.T, s *fold.State) *fold.Function {
		for _, f := range s.Functions {
			if len(f.Versions) > 0 {
				return f
			}
		}
		t.Fatal("no function with versions")
		return nil
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T, c *fold.State)
	}{
		{"AppendVersion", func(t *testing.T, c *fold.State) {
			f := anyFunction(t, c)
			f.Versions = append(f.Versions, fold.Version{Number: len(f.Versions) + 1})
		}},

		{"Activate", func(t *testing.T, c *fold.State) { f := anyFunction(t, c); f.Active, f.ActivatedSeq = 99, 99 }},
		{"DeleteFunction", func(t *testing.T, c *fold.State) { delete(c.Functions, anyFunction(t, c).Name) }},
		{"AddFunction", func(t *testing.T, c *fold.State) { c.Functions["new"] = &fold.Function{Name: "new"} }},
		{"AppendRejection", func(t *testing.T, c *fold.State) { c.Rejected = append(c.Rejected, fold.Rejection{Seq: 1}) }},
		{"DeleteKey", func(t *testing.T, c *fold.State) {
			for id := range c.Keys.Keys {
				delete(c.Keys.Keys, id)
			}
		}},
		{"ChangeThreshold", func(t *testing.T, c *fold.State) { c.Keys.AdminThreshold = 7 }},
		{"FoldMore", func(t *testing.T, c *fold.State) {
			l := newTestLedger(t)
			_ = fold.Apply(c, c.Seq+1, "x", l.Deploy("alpha", "more"))
		}},

		{"EditKeyRoles", func(t *testing.T, c *fold.State) {
			for _, k := range c.Keys.Keys {
				k.Roles = append(k.Roles[:0:0], events.RoleWitness)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := s.Hash()
			c := s.Clone()
			if got := c.Hash(); got != want {
				t.Fatalf("clone hash %s, want %s", got, want)
			}
			tt.mutate(t, c)
			if c.Hash() == want {
				t.Fatal("the mutation did not change the clone; the test is broken")
			}
			got := s.Hash()
			switch {
			case got != want:
				t.Errorf("mutating the clone changed the original: hash %s, want %s", got, want)
			}
		})
	}
}

// TestCloneUnchangedByLaterFolds is the promise publication relies on: a
// clone shares the append-only slices of its original, and folding more
// records into the original never shows through.
func TestCloneUnchangedByLaterFolds(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	records, _ := randomLedger(t, rng, 400)
	s := fold.NewState()
	var clones []*fold.State
	var hashes []string
	for i, r := range records {
		_ = fold.Apply(s, r.Seq, r.ID, r.Envelope)
		if i%25 == 0 {
			clones = append(clones, s.Clone())
			hashes = append(hashes, s.Hash())
		}
	}
	for i, c := range clones {
		if got := c.Hash(); got != hashes[i] {
			t.Errorf("clone at seq %d changed after later folds", c.Seq)
		}
	}
}
