package projector

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/projector/fold"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// TestTrustMatrix judges every event type signed by keys of every role,
// revoked or not, with the threshold met or not, and checks that exactly
// the authorised combinations are applied, each refusal for its reason.
// Admin events need 2 admin signatures here; deploy and activate need one.
func TestTrustMatrix(t *testing.T) {
	types := []events.Type{events.TypeDeployed, events.TypeActivated, events.TypeKeyAdded, events.TypeKeyRotated,
		events.TypeKeyRevoked, events.TypeRoleGranted, events.TypeRoleRevoked}
	for _, role := range events.Roles {
		for _, typ := range types {
			for _, revoked := range []bool{false, true} {
				for _, met := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/revoked=%v/met=%v", role, typ, revoked, met)
					t.Run(name, func(t *testing.T) { trustCase(t, role, typ, revoked, met) })
				}
			}
		}
	}
}

func trustCase(t *testing.T, role events.Role, typ events.Type, revoked, met bool) {
	l := &testLedger{Ledger: foldtest.Bare(t)}
	root1, root2 := foldtest.NamedSigner(t, "root1"), foldtest.NamedSigner(t, "root2")
	s1, s2 := foldtest.NamedSigner(t, "s1"), foldtest.NamedSigner(t, "s2")
	target, nobody, fresh := foldtest.NamedSigner(t, "target"), foldtest.NamedSigner(t, "nobody"), foldtest.NamedSigner(t, "fresh")
	l.Genesis = l.Seal("", events.TypeGenesis, "", events.Genesis{Name: "matrix", AdminThreshold: 2, Keys: []events.KeyGrant{
		foldtest.Grant(root1, events.RoleAdmin, events.RoleDeploy), foldtest.Grant(root2, events.RoleAdmin),
		foldtest.Grant(s1, role), foldtest.Grant(s2, role), foldtest.Grant(target, events.RoleDeploy), foldtest.Grant(nobody),
	}}, root1, root2)
	l.ID = events.ID(l.Genesis)
	d := events.Deployed{Name: "fn", Artifact: foldtest.Digest("fn-1"), Size: 4}
	setup := [][]byte{l.Genesis, l.Seal(l.ID, events.TypeDeployed, "fn", d, root1)}
	if revoked {
		for _, k := range []*events.Signer{s1, s2} {
			setup = append(setup, l.Seal(l.ID, events.TypeKeyRevoked, k.ID, events.KeyRevoked{ID: k.ID}, root1, root2))
		}
	}
	st := foldtest.FoldAll(t, setup...)

	required, err := events.RequiredRole(typ)
	if err != nil {
		t.Fatal(err)
	}
	need := 1
	if required == events.RoleAdmin {
		need = 2
	}
	signers := []*events.Signer{s1, s2}[:need]
	if !met {
		signers = []*events.Signer{s1, s2}[:need-1]
		if need == 1 {
			signers = []*events.Signer{nobody}
		}
	}
	var subject string
	var body any
	switch typ {
	case events.TypeDeployed:
		subject, body = "fn", events.Deployed{Name: "fn", Artifact: foldtest.Digest("fn-2"), Size: 4}
	case events.TypeActivated:
		subject, body = "fn", events.Activated{Name: "fn", Version: 1, Artifact: foldtest.Digest("fn-1")}
	case events.TypeKeyAdded:
		subject, body = fresh.ID, events.KeyAdded{ID: fresh.ID, PublicKey: fresh.Public(), Roles: []events.Role{events.RoleDeploy}}
	case events.TypeKeyRotated:
		subject, body = target.ID, events.KeyRotated{ID: target.ID, NewID: fresh.ID, NewPublicKey: fresh.Public()}
	case events.TypeKeyRevoked:
		subject, body = target.ID, events.KeyRevoked{ID: target.ID}
	case events.TypeRoleGranted:
		subject, body = target.ID, events.RoleChange{ID: target.ID, Role: events.RoleActivate}
	case events.TypeRoleRevoked:
		subject, body = target.ID, events.RoleChange{ID: target.ID, Role: events.RoleDeploy}
	}
	env := l.Seal(l.ID, typ, subject, body, signers...)
	before := st.Hash()
	err = fold.Apply(st, st.Seq+1, events.ID(env), env)

	allowed := role == required && !revoked && met
	switch {
	case allowed && err != nil:
		t.Fatalf("refused an authorised event: %v", err)
	case allowed:
		if st.Seq != uint64(len(setup))+1 || len(st.Rejected) != 0 {
			t.Fatalf("applied event left seq %d, rejections %v", st.Seq, st.Rejected)
		}
		checkApplied(t, st, typ, target, fresh)
		return
	case err == nil:
		t.Fatalf("applied an unauthorised event (signed by %d keys of role %s)", len(signers), role)
	}
	// The refusal changed nothing but the sequence and the rejection list.
	st.Seq--
	st.Rejected = nil
	if st.Hash() != before {
		t.Fatal("a refused event changed the state")
	}
	switch {
	case revoked && len(signers) > 0 && signers[0] != nobody:
		if !errors.Is(err, events.ErrRevoked) || !strings.Contains(err.Error(), "revoked at seq") {
			t.Fatalf("want a revocation error, got %v", err)
		}
	default:
		if !errors.Is(err, events.ErrUnauthorized) {
			t.Fatalf("want ErrUnauthorized, got %v", err)
		}
	}
}

// checkApplied checks the effect of an applied event.
func checkApplied(t *testing.T, st *fold.State, typ events.Type, target, fresh *events.Signer) {
	t.Helper()
	kr := st.Keys
	var ok bool
	switch typ {
	case events.TypeDeployed:
		ok = len(st.Functions["fn"].Versions) == 2
	case events.TypeActivated:
		ok = st.Functions["fn"].Active == 1
	case events.TypeKeyAdded:
		ok = kr.Keys[fresh.ID] != nil && kr.Keys[fresh.ID].Has(events.RoleDeploy)
	case events.TypeKeyRotated:
		ok = kr.Keys[target.ID].Revoked() && kr.Keys[fresh.ID].Has(events.RoleDeploy)
	case events.TypeKeyRevoked:
		ok = kr.Keys[target.ID].Revoked() && !kr.Keys[target.ID].Has(events.RoleDeploy)
	case events.TypeRoleGranted:
		ok = kr.Keys[target.ID].Has(events.RoleActivate)
	case events.TypeRoleRevoked:
		ok = !kr.Keys[target.ID].Has(events.RoleDeploy)
	}
	if !ok {
		t.Fatalf("%s was accepted but did not take effect", typ)
	}
}

// TestReplayMatchesFold: replaying a ledger (with a rejected record and a
// replayed copy) up to every seq gives the state a live fold had there.
func TestReplayMatchesFold(t *testing.T) {
	l := newTestLedger(t)
	bob := foldtest.NamedSigner(t, "bob")
	envs := [][]byte{
		l.Genesis,
		l.Deploy("api", "api-1", "/api/*"),
		l.Seal(l.ID, events.TypeKeyAdded, bob.ID, events.KeyAdded{ID: bob.ID, PublicKey: bob.Public(), Roles: []events.Role{events.RoleActivate}}, l.Operator),
		l.Activated(events.Activated{Name: "api", Version: 1, Artifact: foldtest.Digest("api-1")}, bob),
		l.Deployed(events.Deployed{Name: "api", Artifact: foldtest.Digest("x"), Size: 1}, bob), // bob may not deploy
		l.Seal(l.ID, events.TypeKeyRevoked, bob.ID, events.KeyRevoked{ID: bob.ID}, l.Operator),
	}
	envs = append(envs, envs[3]) // a replayed activation
	for _, env := range envs {
		l.append(env)
	}
	iter := func(yield func(ledger.Record) error) error {
		for _, r := range l.records {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
	live := fold.NewState()
	seen := map[string]uint64{}
	for _, r := range l.records {
		if first, dup := seen[r.ID]; dup {
			fold.RejectReplay(live, r.Seq, r.ID, first)
		} else {
			seen[r.ID] = r.Seq
			fold.Apply(live, r.Seq, r.ID, r.Envelope)
		}
		got, err := Replay(iter, r.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash() != live.Hash() {
			t.Fatalf("replay to seq %d differs from the live fold", r.Seq)
		}
	}
	if len(live.Rejected) != 2 || !live.Keys.Keys[bob.ID].Revoked() {
		t.Fatalf("want 2 rejections and bob revoked, got %+v", live.Rejected)
	}
	if _, err := Replay(iter, 99); err == nil {
		t.Fatal("replay past the end succeeded")
	}
}

// BenchmarkReplay replays 20,000 records from genesis, verifying every
// signature on one goroutine (what `vault state --at` and `vault keys ls
// --at` do); compare with BenchmarkAudit's parallel verification.
func BenchmarkReplay(b *testing.B) {
	l, _ := auditLedger(b, 20000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Replay(iterate(l.records), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(l.records)*b.N)/b.Elapsed().Seconds(), "records/s")
}
