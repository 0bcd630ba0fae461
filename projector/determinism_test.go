package projector

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
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
	l.append(l.genesis)
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
}

type modelFn struct {
	blobs          []string // per version
	state          Lifecycle
	active, canary int
	percent        int
	wasActive      []int
	ownsRoot       bool // claimed "/NAME"
}

var modelNames = []string{"alpha", "beta", "gamma", "delta", "epsilon"}

func (m *ledgerModel) fn(name string) *modelFn {
	if m.fns[name] == nil {
		m.fns[name] = &modelFn{state: Inactive}
	}
	return m.fns[name]
}

// pick returns a random function in one of the given states.
func (m *ledgerModel) pick(states ...Lifecycle) (string, *modelFn, bool) {
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
	f.active, f.canary, f.percent, f.state = v, 0, 0, Active
	f.wasActive = append(f.wasActive, v)
}

// next returns a record and whether it is valid.
func (m *ledgerModel) next() ([]byte, bool) {
	l, rng := m.l, m.rng
	blob := func() string { return fmt.Sprintf("blob-%d", rng.Uint64()) }
	if rng.IntN(10) == 0 {
		return m.invalid(), false
	}
	switch p := rng.IntN(100); {
	case p < 40:
		name := modelNames[rng.IntN(len(modelNames))]
		f := m.fn(name)
		if f.state == Retired {
			return l.deploy(name, blob()), false
		}
		all := []string{"/" + name, "/" + name + "/:id", name + ".example.com/*", "/" + name + "/static/*"}
		routes := all[:rng.IntN(len(all)+1)]
		b := blob()
		f.blobs = append(f.blobs, b)
		f.ownsRoot = f.ownsRoot || len(routes) > 0
		return l.deploy(name, b, routes...), true
	case p < 65:
		name, f, ok := m.pick(Inactive, Active)
		if !ok {
			return m.next()
		}
		v := rng.IntN(len(f.blobs)) + 1
		if v == f.active && f.canary == 0 {
			return l.activate(name, v, f.blobs[v-1]), false
		}
		m.activate(f, v)
		return l.activate(name, v, f.blobs[v-1]), true
	case p < 75:
		name, f, ok := m.pick(Active)
		if !ok || len(f.blobs) < 2 {
			return m.next()
		}
		v, pct := rng.IntN(len(f.blobs))+1, 1+rng.IntN(99)
		if v == f.active || (v == f.canary && pct == f.percent) {
			return l.split(name, v, f.blobs[v-1], pct), false
		}
		f.canary, f.percent = v, pct
		return l.split(name, v, f.blobs[v-1], pct), true
	case p < 82:
		name, f, ok := m.pick(Active)
		if !ok {
			return m.next()
		}
		v := f.wasActive[rng.IntN(len(f.wasActive))]
		if v == f.active && f.canary == 0 {
			return l.rollback(name, v, f.blobs[v-1]), false
		}
		m.activate(f, v)
		return l.rollback(name, v, f.blobs[v-1]), true
	case p < 89:
		name, f, ok := m.pick(Active)
		if !ok {
			return m.next()
		}
		f.state = Paused
		return l.lifecycle(events.TypePaused, name), true
	case p < 97:
		name, f, ok := m.pick(Paused)
		if !ok {
			return m.next()
		}
		f.state = Active
		return l.lifecycle(events.TypeResumed, name), true
	default:
		name, f, ok := m.pick(Inactive, Active, Paused)
		if !ok {
			return m.next()
		}
		f.state, f.active, f.canary, f.percent, f.ownsRoot = Retired, 0, 0, 0, false
		return l.lifecycle(events.TypeRetired, name), true
	}
}

// invalid returns a record projection must reject.
func (m *ledgerModel) invalid() []byte {
	l, rng, t := m.l, m.rng, m.l.t
	cases := []func() []byte{
		func() []byte {
			return l.deployed(events.Deployed{Name: "alpha", Artifact: digest("x"), Size: 1}, newSigner(t))
		},
		func() []byte {
			return l.deployed(events.Deployed{Name: "alpha", Artifact: digest("x"), Size: 1}, l.logger)
		},
		func() []byte {
			return l.seal(events.ID([]byte("another ledger")), events.TypeDeployed, "beta",
				events.Deployed{Name: "beta", Artifact: digest("x"), Size: 1}, l.operator)
		},
		func() []byte { return l.deploy("gamma", "x", "/a/*/b") },
		func() []byte { return l.activate("nope", 1, "x") },
		func() []byte { return l.activate(modelNames[rng.IntN(len(modelNames))], 1000, "x") },
		func() []byte { return tamper(t, l.deploy("delta", "x"), flipSignature) },
		func() []byte { return l.sealGenesis("again", l.operator, grant(l.operator, events.RoleAdmin)) },
		func() []byte { return l.lifecycle(events.TypeResumed, "nope") },
	}
	if name, f, ok := m.pick(Active, Inactive, Paused, Retired); ok {
		cases = append(cases, func() []byte { return l.activate(name, 1, "not-"+f.blobs[0]) })
	}
	if name, _, ok := m.pick(Inactive, Active); ok {
		cases = append(cases, func() []byte { return l.lifecycle(events.TypeResumed, name) })
	}
	if name, f, ok := m.pick(Paused, Retired); ok {
		cases = append(cases, func() []byte { return l.activate(name, 1, f.blobs[0]) })
	}
	if name, f, ok := m.pick(Inactive); ok {
		cases = append(cases, func() []byte { return l.split(name, 1, f.blobs[0], 10) })
	}
	for _, owner := range modelNames {
		if f := m.fns[owner]; f != nil && f.ownsRoot && f.state != Retired {
			thief := "zeta"
			cases = append(cases, func() []byte { return l.deploy(thief, "x", "/"+owner) })
		}
	}
	return cases[rng.IntN(len(cases))]()
}

// restart simulates a node that persisted s and loaded it again.
func restart(t testing.TB, s *State) *State {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	loaded := NewState()
	if err := json.Unmarshal(data, loaded); err != nil {
		t.Fatal(err)
	}
	return loaded
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
			s := NewState()
			hashes := make([]string, len(records))
			rejected := make([]bool, len(records))
			for i, r := range records {
				rejected[i] = Fold(s, r.Seq, r.ID, r.Envelope) != nil
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
			s2 := NewState()
			restarts := 0
			for i, r := range records {
				switch rng.IntN(20) {
				case 0:
					s2 = restart(t, s2)
					restarts++
				case 1:
					s2 = s2.Clone()
				}
				if got := Fold(s2, r.Seq, r.ID, r.Envelope) != nil; got != rejected[i] {
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
	s := NewState()
	for _, r := range records {
		_ = Fold(s, r.Seq, r.ID, r.Envelope)
	}
	if len(s.Rejected) == 0 || len(s.Functions) < 2 {
		t.Fatalf("the random ledger should have rejections and functions: %+v", s)
	}
	anyFunction := func(t *testing.T, s *State) *Function {
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
		mutate func(t *testing.T, c *State)
	}{
		{"AppendVersion", func(t *testing.T, c *State) {
			f := anyFunction(t, c)
			f.Versions = append(f.Versions, Version{Number: len(f.Versions) + 1})
		}},

		{"Activate", func(t *testing.T, c *State) { f := anyFunction(t, c); f.Active, f.ActivatedSeq = 99, 99 }},
		{"DeleteFunction", func(t *testing.T, c *State) { delete(c.Functions, anyFunction(t, c).Name) }},
		{"AddFunction", func(t *testing.T, c *State) { c.Functions["new"] = &Function{Name: "new"} }},
		{"AppendRejection", func(t *testing.T, c *State) { c.Rejected = append(c.Rejected, Rejection{Seq: 1}) }},
		{"DeleteKey", func(t *testing.T, c *State) {
			for id := range c.Keys.Keys {
				delete(c.Keys.Keys, id)
			}
		}},
		{"ChangeThreshold", func(t *testing.T, c *State) { c.Keys.AdminThreshold = 7 }},
		{"FoldMore", func(t *testing.T, c *State) {
			l := newTestLedger(t)
			_ = Fold(c, c.Seq+1, "x", l.deploy("alpha", "more"))
		}},

		{"EditKeyRoles", func(t *testing.T, c *State) {
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
	s := NewState()
	var clones []*State
	var hashes []string
	for i, r := range records {
		_ = Fold(s, r.Seq, r.ID, r.Envelope)
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
