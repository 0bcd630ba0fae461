package projector

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// randomLedger is a random ledger of n records after genesis: deploys of
// a few functions, activations of versions that exist, and about one
// record in ten that projection must reject. It returns the records and
// how many of them are invalid.
func randomLedger(t testing.TB, rng *rand.Rand, n int) ([]ledger.Record, int) {
	t.Helper()
	l := newTestLedger(t)
	l.append(l.genesis)
	names := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	deployed := map[string][]string{} // name -> blob of each version
	blob := func() string { return fmt.Sprintf("blob-%d", rng.Uint64()) }
	routes := func(name string) []string {
		all := []string{"/" + name, "/" + name + "/:id", name + ".example.com/*", "/" + name + "/static/*"}
		return all[:rng.IntN(len(all)+1)]
	}
	var active []string // names with at least one version
	invalid := []func() []byte{
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
		func() []byte { return l.deploy("gamma", blob(), "/a/*/b") },
		func() []byte { return l.activate("nope", 1, "x") },
		func() []byte { return l.activate(names[rng.IntN(len(names))], 1000, "x") },
		func() []byte { return tamper(t, l.deploy("delta", blob()), flipSignature) },
		func() []byte { return l.sealGenesis("again", l.operator, grant(l.operator, events.RoleAdmin)) },
		func() []byte {
			if len(active) == 0 {
				return l.activate("alpha", 1, "x")
			}
			name := active[rng.IntN(len(active))]
			return l.activate(name, 1, "not-"+deployed[name][0])
		},
	}
	bad := 0
	for range n {
		switch p := rng.IntN(100); {
		case p < 10:
			l.append(invalid[rng.IntN(len(invalid))]())
			bad++
		case p < 55 || len(active) == 0:
			name, b := names[rng.IntN(len(names))], blob()
			if deployed[name] == nil {
				active = append(active, name)
			}
			deployed[name] = append(deployed[name], b)
			l.append(l.deploy(name, b, routes(name)...))
		default:
			name := active[rng.IntN(len(active))]
			v := rng.IntN(len(deployed[name])) + 1
			l.append(l.activate(name, v, deployed[name][v-1]))
		}
	}
	return l.records, bad
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
		{"EditVersion", func(t *testing.T, c *State) {
			f := anyFunction(t, c)
			f.Versions[0].Artifact = "edited"
			f.Versions[len(f.Versions)-1].DeployedSeq++
		}},
		{"Activate", func(t *testing.T, c *State) { f := anyFunction(t, c); f.Active, f.ActivatedSeq = 99, 99 }},
		{"DeleteFunction", func(t *testing.T, c *State) { delete(c.Functions, anyFunction(t, c).Name) }},
		{"AddFunction", func(t *testing.T, c *State) { c.Functions["new"] = &Function{Name: "new"} }},
		{"EditRejection", func(t *testing.T, c *State) { c.Rejected[0].Reason = "edited" }},
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
		{"EditRoutes", func(t *testing.T, c *State) {
			for _, f := range c.Functions {
				for i := range f.Versions {
					if len(f.Versions[i].Routes) > 0 {
						f.Versions[i].Routes[0] = "/edited"
						return
					}
				}
			}
			t.Fatal("no version with routes")
		}},
		{"EditDeployedBy", func(t *testing.T, c *State) { anyFunction(t, c).Versions[0].DeployedBy[0] = "edited" }},
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
