package projector

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// BenchmarkReplay100k replays 100,000 records from genesis, as `vault
// state --at` does on a ledger that has been in use for a while: deploys
// and activations of 50 functions by an operator, a deployer and a CI key
// that is added, later rotated, and a revocation. The records are built
// once per process; the figure to read is records/s (the goal is more
// than 33,000, i.e. under 3 s).
func BenchmarkReplay100k(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 100,000 signed records")
	}
	records := replay100k(b)
	st, err := Replay(iterate(records), 0)
	if err != nil {
		b.Fatal(err)
	}
	if st.Seq != uint64(len(records)) || len(st.Rejected) != 0 {
		b.Fatalf("replay reached seq %d with %d rejections (first: %+v)", st.Seq, len(st.Rejected), st.Rejected[:min(1, len(st.Rejected))])
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Replay(iterate(records), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(records)*b.N)/b.Elapsed().Seconds(), "records/s")
}

var (
	records100kOnce sync.Once
	records100k     []ledger.Record
)

func replay100k(b *testing.B) []ledger.Record {
	records100kOnce.Do(func() { records100k = buildBusyLedger(b, 100_000).records })
	if records100k == nil {
		b.Fatal("building the ledger failed")
	}
	return records100k
}

// sealSpec is one event to seal.
type sealSpec struct {
	typ     events.Type
	subject string
	body    any
	signers []*events.Signer
}

// buildBusyLedger builds a ledger of n valid records: a genesis, then
// deploy and activate pairs, with a key added at seq 2, rotated at n/2 and
// the deployer revoked at 4n/5. Signing, the slow part, runs on every CPU.
func buildBusyLedger(t testing.TB, n int) *testLedger {
	l := newTestLedger(t)
	ci, ci2 := foldtest.NamedSigner(t, "ci"), foldtest.NamedSigner(t, "ci2")
	specs := []sealSpec{{events.TypeKeyAdded, ci.ID, events.KeyAdded{ID: ci.ID, PublicKey: ci.Public(),
		Roles: []events.Role{events.RoleDeploy, events.RoleActivate}}, []*events.Signer{l.Operator}}}
	versions := map[string]int{}
	deployer, activator := l.Deployer, ci
	for i := 0; len(specs) < n-1; i++ {
		switch next := len(specs) + 2; { // the seq of the next record
		case next >= n/2 && activator == ci:
			specs = append(specs, sealSpec{events.TypeKeyRotated, ci.ID, events.KeyRotated{ID: ci.ID, NewID: ci2.ID, NewPublicKey: ci2.Public()}, []*events.Signer{l.Operator}})
			activator = ci2
			continue
		case next >= 4*n/5 && deployer == l.Deployer:
			specs = append(specs, sealSpec{events.TypeKeyRevoked, l.Deployer.ID, events.KeyRevoked{ID: l.Deployer.ID}, []*events.Signer{l.Operator}})
			deployer = l.Operator
			continue
		}
		name := fmt.Sprintf("fn%d", i%50)
		artifact := foldtest.Digest(fmt.Sprintf("%s-%d", name, i))
		specs = append(specs, sealSpec{events.TypeDeployed, name, events.Deployed{Name: name, Artifact: artifact, Size: 1000 + int64(i), Routes: []string{"/" + name + "/*"}}, []*events.Signer{deployer}})
		versions[name]++
		if len(specs) < n-1 {
			specs = append(specs, sealSpec{events.TypeActivated, name, events.Activated{Name: name, Version: versions[name], Artifact: artifact}, []*events.Signer{activator}})
		}
	}
	envelopes := make([][]byte, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for j := w; j < len(specs); j += workers {
				s := specs[j]
				payload, err := events.NewEvent(l.ID, s.typ, s.subject, s.body)
				if err == nil {
					envelopes[j], err = events.Seal(payload, s.signers...)
				}
				errs[j] = err
			}
		})
	}
	wg.Wait()
	l.append(l.Genesis)
	for j, env := range envelopes {
		if errs[j] != nil {
			t.Fatalf("seal record %d: %v", j+2, errs[j])
		}
		l.append(env)
	}
	return l
}
