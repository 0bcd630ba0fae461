package fold_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// foldChecked folds envelope as the next record, first asserting that
// Check gives the same verdict and leaves s alone.
func foldChecked(t *testing.T, s *fold.State, envelope []byte) error {
	t.Helper()
	before := s.Hash()
	checkErr := fold.Check(s, envelope)
	if after := s.Hash(); after != before {
		t.Fatalf("Check changed the state: hash %s -> %s", before, after)
	}
	err := fold.Apply(s, s.Seq+1, events.ID(envelope), envelope)
	if (checkErr == nil) != (err == nil) {
		t.Fatalf("Check and Fold disagree: Check = %v, Fold = %v", checkErr, err)
	}
	for _, sentinel := range []error{
		events.ErrMalformed, events.ErrBadSignature, events.ErrUnknownKey, events.ErrUnauthorized,
		events.ErrWrongLedger, events.ErrNotFound, events.ErrInvalidEvent, events.ErrDigestMismatch,
	} {
		if errors.Is(checkErr, sentinel) != errors.Is(err, sentinel) {
			t.Fatalf("Check and Fold disagree on %v: Check = %v, Fold = %v", sentinel, checkErr, err)
		}
	}
	return err
}

func TestFoldAccepts(t *testing.T) {
	tests := []struct {
		name  string
		build func(l *foldtest.Ledger) [][]byte
		check func(t *testing.T, l *foldtest.Ledger, s *fold.State, envs [][]byte)
	}{
		{
			name:  "GenesisFoundsKeyring",
			build: func(l *foldtest.Ledger) [][]byte { return [][]byte{l.Genesis} },
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, _ [][]byte) {
				if s.Ledger != l.ID || s.Seq != 1 {
					t.Errorf("ledger %q seq %d, want %q 1", s.Ledger, s.Seq, l.ID)
				}
				if s.Keys == nil || len(s.Keys.Keys) != 3 {
					t.Fatalf("keys = %+v, want the 3 genesis keys", s.Keys)
				}
				op := s.Keys.Keys[l.Operator.ID]
				if op == nil || !op.Has(events.RoleDeploy) || !op.Has(events.RoleAdmin) {
					t.Errorf("operator key = %+v, want admin and deploy", op)
				}
				if len(s.Functions) != 0 || len(s.Rejected) != 0 {
					t.Errorf("functions %v rejected %v, want none", s.Functions, s.Rejected)
				}
			},
		},
		{
			name: "DeployCreatesV1",
			build: func(l *foldtest.Ledger) [][]byte {
				return [][]byte{l.Genesis, l.Deploy("hello", "blob-1", "/hello", "api.example.com/hello/:id")}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, envs [][]byte) {
				want := &fold.Function{Name: "hello", State: fold.Inactive, Versions: []fold.Version{{
					Number: 1, Artifact: foldtest.Digest("blob-1"), Size: int64(len("blob-1")),
					Routes:      []string{"/hello", "api.example.com/hello/:id"},
					DeployedSeq: 2, DeployedBy: []string{l.Operator.ID}, EventID: events.ID(envs[1]),
				}}}
				if got := s.Functions["hello"]; !reflect.DeepEqual(got, want) {
					t.Errorf("function = %+v\nwant %+v", got, want)
				}
				if _, ok := s.Functions["hello"].ActiveVersion(); ok {
					t.Error("a deploy alone activated a version")
				}
			},
		},
		{
			name: "SecondDeployCreatesV2",
			build: func(l *foldtest.Ledger) [][]byte {
				return [][]byte{l.Genesis, l.Deploy("hello", "blob-1", "/hello"), l.Deploy("hello", "blob-2", "/hello")}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, envs [][]byte) {
				f := s.Functions["hello"]
				if len(f.Versions) != 2 {
					t.Fatalf("versions = %+v, want 2", f.Versions)
				}
				for i, v := range f.Versions {
					if v.Number != i+1 || v.Artifact != foldtest.Digest([]string{"blob-1", "blob-2"}[i]) ||
						v.DeployedSeq != uint64(i+2) || v.EventID != events.ID(envs[i+1]) {
						t.Errorf("version %d = %+v", i+1, v)
					}
				}
				if f.Active != 0 {
					t.Errorf("active = %d, want 0", f.Active)
				}
			},
		},
		{
			name: "ActivateV2",
			build: func(l *foldtest.Ledger) [][]byte {
				return [][]byte{l.Genesis, l.Deploy("hello", "blob-1", "/hello"), l.Deploy("hello", "blob-2", "/hello"),
					l.Activate("hello", 2, "blob-2")}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, _ [][]byte) {
				f := s.Functions["hello"]
				if f.Active != 2 || f.ActivatedSeq != 4 {
					t.Errorf("active %d at seq %d, want 2 at 4", f.Active, f.ActivatedSeq)
				}
				if v, ok := f.ActiveVersion(); !ok || v.Artifact != foldtest.Digest("blob-2") {
					t.Errorf("ActiveVersion() = %+v, %v", v, ok)
				}
			},
		},
		{
			name: "RollbackToV1",
			build: func(l *foldtest.Ledger) [][]byte {
				return [][]byte{l.Genesis, l.Deploy("hello", "blob-1"), l.Deploy("hello", "blob-2"),
					l.Activate("hello", 2, "blob-2"), l.Activate("hello", 1, "blob-1")}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, _ [][]byte) {
				if f := s.Functions["hello"]; f.Active != 1 || f.ActivatedSeq != 5 {
					t.Errorf("active %d at seq %d, want 1 at 5", f.Active, f.ActivatedSeq)
				}
			},
		},
		{
			name: "FunctionsAreIndependent",
			build: func(l *foldtest.Ledger) [][]byte {
				return [][]byte{l.Genesis, l.Deploy("a", "blob-a"), l.Deploy("b", "blob-b"), l.Activate("b", 1, "blob-b")}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, _ [][]byte) {
				a, b := s.Functions["a"], s.Functions["b"]
				if len(a.Versions) != 1 || a.Active != 0 || len(b.Versions) != 1 || b.Active != 1 {
					t.Errorf("a = %+v, b = %+v", a, b)
				}
			},
		},
		{
			name: "DeployRoleSuffices",
			build: func(l *foldtest.Ledger) [][]byte {
				return [][]byte{l.Genesis, l.Deployed(events.Deployed{Name: "hello", Artifact: foldtest.Digest("x"), Size: 1}, l.Deployer)}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, _ [][]byte) {
				if got := s.Functions["hello"].Versions[0].DeployedBy; !slices.Equal(got, []string{l.Deployer.ID}) {
					t.Errorf("deployed by %v, want the deployer", got)
				}
			},
		},
		{
			name: "EveryAuthorisedSignerIsRecorded",
			build: func(l *foldtest.Ledger) [][]byte {
				d := events.Deployed{Name: "hello", Artifact: foldtest.Digest("x"), Size: 1}
				// The log-only key and an unknown key do not count, but
				// do not spoil the valid signatures either.
				return [][]byte{l.Genesis, l.Seal(l.ID, events.TypeDeployed, "hello", d,
					l.Operator, l.Logger, foldtest.NewSigner(t), l.Deployer)}
			},
			check: func(t *testing.T, l *foldtest.Ledger, s *fold.State, _ [][]byte) {
				want := []string{l.Operator.ID, l.Deployer.ID}
				if got := s.Functions["hello"].Versions[0].DeployedBy; !slices.Equal(got, want) {
					t.Errorf("deployed by %v, want %v", got, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := foldtest.NewLedger(t)
			envs := tt.build(l)
			s := fold.NewState()
			for i, env := range envs {
				if err := foldChecked(t, s, env); err != nil {
					t.Fatalf("record %d rejected: %v", i+1, err)
				}
			}
			if s.Seq != uint64(len(envs)) || len(s.Rejected) != 0 {
				t.Errorf("seq %d rejected %v, want %d and none", s.Seq, s.Rejected, len(envs))
			}
			tt.check(t, l, s, envs)
		})
	}
}

func TestFoldRejects(t *testing.T) {
	deployed := func(l *foldtest.Ledger) [][]byte {
		return [][]byte{l.Genesis, l.Deploy("hello", "blob-1", "/hello")}
	}
	validDeploy := events.Deployed{Name: "hello", Artifact: foldtest.Digest("blob-2"), Size: 6, Routes: []string{"/hello"}}
	withRoutes := func(routes ...string) events.Deployed {
		d := validDeploy
		d.Routes = routes
		return d
	}
	tests := []struct {
		name   string
		before func(l *foldtest.Ledger) [][]byte // accepted records
		record func(l *foldtest.Ledger) []byte
		want   error // nil: any error
	}{
		{
			name:   "ErrWrongLedger/AnotherLedgerID",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				other := l.SealGenesis("other", l.Operator, foldtest.Grant(l.Operator, events.RoleAdmin, events.RoleDeploy))
				return l.Seal(events.ID(other), events.TypeDeployed, "hello", validDeploy, l.Operator)
			},
			want: events.ErrWrongLedger,
		},
		{
			name:   "ErrWrongLedger/NoLedgerID",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Seal("", events.TypeDeployed, "hello", validDeploy, l.Operator)
			},
			want: events.ErrWrongLedger,
		},
		{
			name:   "ErrUnknownKey",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Deployed(validDeploy, foldtest.NewSigner(t)) },
			want:   events.ErrUnknownKey,
		},
		{
			name:   "ErrUnauthorized/LogKeyDeploys",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Deployed(validDeploy, l.Logger) },
			want:   events.ErrUnauthorized,
		},
		{
			name:   "ErrUnauthorized/DeployKeyActivates",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Activated(events.Activated{Name: "hello", Version: 1, Artifact: foldtest.Digest("blob-1")}, l.Deployer)
			},
			want: events.ErrUnauthorized,
		},
		{
			name:   "ErrNotFound/ActivateMissingFunction",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Activate("nope", 1, "blob-1") },
			want:   events.ErrNotFound,
		},
		{
			name:   "ErrNotFound/ActivateVersion0",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Activate("hello", 0, "blob-1") },
			want:   events.ErrNotFound,
		},
		{
			name:   "ErrNotFound/ActivateMissingVersion",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Activate("hello", 2, "blob-1") },
			want:   events.ErrNotFound,
		},
		{
			name:   "ErrDigestMismatch",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Activate("hello", 1, "blob-2") },
			want:   events.ErrDigestMismatch,
		},
		{
			name:   "ErrBadSignature/FlippedSignatureByte",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return foldtest.Tamper(t, l.Deploy("hello", "blob-2"), foldtest.FlipSignature)
			},
			want: events.ErrBadSignature,
		},
		{
			name:   "ErrBadSignature/SwappedPayload",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				other, err := events.NewEvent(l.ID, events.TypeDeployed, "hello", events.Deployed{Name: "hello", Artifact: foldtest.Digest("evil"), Size: 4})
				if err != nil {
					t.Fatal(err)
				}
				return foldtest.Tamper(t, l.Deploy("hello", "blob-2"), func(e *events.Envelope) { e.Payload = other })
			},
			want: events.ErrBadSignature,
		},
		{
			name:   "ErrMalformed/NotAnEnvelope",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return []byte(`{"payloadType":"text/plain"}`) },
			want:   events.ErrMalformed,
		},
		{
			name:   "SecondGenesis",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.SealGenesis("again", l.Operator, foldtest.Grant(l.Operator, events.RoleAdmin, events.RoleDeploy))
			},
		},
		{
			name:   "SecondGenesisNamingTheLedger",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Seal(l.ID, events.TypeGenesis, "", events.Genesis{
					Name: "again", Keys: []events.KeyGrant{foldtest.Grant(l.Logger, events.RoleAdmin)}, AdminThreshold: 1,
				}, l.Operator, l.Logger)
			},
		},
		{
			name:   "ErrInvalidEvent/NonGenesisAtSeq1",
			before: func(l *foldtest.Ledger) [][]byte { return nil },
			record: func(l *foldtest.Ledger) []byte { return l.Deploy("hello", "blob-1") },
			want:   events.ErrInvalidEvent,
		},
		{
			name:   "GenesisNotSignedByItsAdmin",
			before: func(l *foldtest.Ledger) [][]byte { return nil },
			record: func(l *foldtest.Ledger) []byte {
				return l.SealGenesis("x", l.Logger, foldtest.Grant(l.Operator, events.RoleAdmin), foldtest.Grant(l.Logger, events.RoleLog))
			},
		},
		{
			name:   "ErrInvalidEvent/UnknownEventType",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Seal(l.ID, "function.deleted", "hello", map[string]string{"name": "hello"}, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/RouteWithoutSlash",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Deployed(withRoutes("/ok", "hello"), l.Operator) },
			want:   events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/RouteWildcardNotLast",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Deployed(withRoutes("/a/*/b"), l.Operator) },
			want:   events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/RouteParamTwice",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Deployed(withRoutes("/a/:id/:id"), l.Operator) },
			want:   events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/RouteBadHost",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte { return l.Deployed(withRoutes("h:80/a"), l.Operator) },
			want:   events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/DeploySubjectDiffersFromName",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Seal(l.ID, events.TypeDeployed, "other", validDeploy, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/ActivateSubjectDiffersFromName",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Seal(l.ID, events.TypeActivated, "other",
					events.Activated{Name: "hello", Version: 1, Artifact: foldtest.Digest("blob-1")}, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/BadFunctionName",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				d := validDeploy
				d.Name = "Hello_World"
				return l.Deployed(d, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/ArtifactNotSHA256",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				d := validDeploy
				d.Artifact = foldtest.Digest("x")[:62]
				return l.Deployed(d, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/ZeroSize",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				d := validDeploy
				d.Size = 0
				return l.Deployed(d, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
		{
			name:   "ErrInvalidEvent/BodyOfWrongShape",
			before: deployed,
			record: func(l *foldtest.Ledger) []byte {
				return l.Seal(l.ID, events.TypeActivated, "hello", map[string]any{"name": "hello", "version": "one"}, l.Operator)
			},
			want: events.ErrInvalidEvent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := foldtest.NewLedger(t)
			s := foldtest.FoldAll(t, tt.before(l)...)
			want := s.Clone()
			env := tt.record(l)
			id := events.ID(env)

			err := foldChecked(t, s, env)
			if err == nil {
				t.Fatal("Fold accepted the record")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Fold error = %v, want %v", err, tt.want)
			}
			if len(s.Rejected) != len(want.Rejected)+1 {
				t.Fatalf("rejected = %+v, want one more than %+v", s.Rejected, want.Rejected)
			}
			got := s.Rejected[len(s.Rejected)-1]
			if got.Seq != want.Seq+1 || got.ID != id || got.Reason == "" {
				t.Errorf("rejection = %+v, want seq %d id %s and a reason", got, want.Seq+1, id)
			}
			// Nothing else changed.
			want.Seq++
			want.Rejected = append(want.Rejected, got)
			if s.Hash() != want.Hash() {
				t.Errorf("state after rejection = %+v\nwant %+v", s, want)
			}
		})
	}
}

// A ledger whose first record is not a valid genesis has no keys, so
// nothing can ever be applied to it, not even a later valid genesis.
func TestFoldWithoutGenesisRejectsEverything(t *testing.T) {
	l := foldtest.NewLedger(t)
	s := fold.NewState()
	for i, env := range [][]byte{l.Deploy("hello", "blob-1"), l.Genesis, l.Deploy("hello", "blob-1")} {
		if err := foldChecked(t, s, env); err == nil {
			t.Fatalf("record %d accepted", i+1)
		}
	}
	if s.Seq != 3 || len(s.Rejected) != 3 || s.Ledger != "" || s.Keys != nil || len(s.Functions) != 0 {
		t.Errorf("state = %+v, want seq 3, three rejections and nothing else", s)
	}
}

func TestFoldOutOfOrder(t *testing.T) {
	l := foldtest.NewLedger(t)
	s := foldtest.FoldAll(t, l.Genesis, l.Deploy("hello", "blob-1"))
	next := l.Activate("hello", 1, "blob-1")
	tests := []struct {
		name string
		seq  uint64
	}{
		{"Zero", 0},
		{"Replay", s.Seq - 1},
		{"SameSeq", s.Seq},
		{"Gap", s.Seq + 2},
		{"FarAhead", 1 << 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Hash()
			if err := fold.Apply(s, tt.seq, events.ID(next), next); err == nil {
				t.Errorf("Fold(seq %d) at seq %d succeeded", tt.seq, s.Seq)
			}
			if after := s.Hash(); after != before {
				t.Errorf("out-of-order Fold changed the state: %+v", s)
			}
		})
	}
	if err := fold.Apply(s, s.Seq+1, events.ID(next), next); err != nil {
		t.Fatalf("in-order Fold after the refusals: %v", err)
	}
}
