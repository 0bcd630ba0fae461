package projector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// testLedger builds a ledger in memory: a genesis signed by an operator
// key, and helpers that seal later events naming the genesis ID.
type testLedger struct {
	t testing.TB
	// operator holds admin, deploy and activate.
	operator *events.Signer
	// logger holds only the log role; deployer only deploy.
	logger, deployer *events.Signer
	genesis          []byte
	id               string
	records          []ledger.Record
}

func newTestLedger(t testing.TB) *testLedger {
	t.Helper()
	l := &testLedger{t: t, operator: namedSigner(t, "operator"), logger: namedSigner(t, "logger"), deployer: namedSigner(t, "deployer")}
	l.genesis = l.sealGenesis("test", l.operator,
		grant(l.operator, events.RoleAdmin, events.RoleDeploy, events.RoleActivate),
		grant(l.logger, events.RoleLog),
		grant(l.deployer, events.RoleDeploy))
	l.id = events.ID(l.genesis)
	return l
}

func newSigner(t testing.TB) *events.Signer {
	t.Helper()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// namedSigner is the same key for the same name in every run, so that
// outputs that list keys in ID order are stable.
func namedSigner(t testing.TB, name string) *events.Signer {
	t.Helper()
	seed := sha256.Sum256([]byte("vault test key " + name))
	s, err := events.NewSigner(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func grant(s *events.Signer, roles ...events.Role) events.KeyGrant {
	return events.KeyGrant{ID: s.ID, PublicKey: s.Public(), Roles: roles}
}

func (l *testLedger) sealGenesis(name string, signer *events.Signer, grants ...events.KeyGrant) []byte {
	l.t.Helper()
	return l.seal("", events.TypeGenesis, "", events.Genesis{Name: name, Keys: grants, AdminThreshold: 1}, signer)
}

// seal builds an event for ledgerID and signs it.
func (l *testLedger) seal(ledgerID string, typ events.Type, subject string, body any, signers ...*events.Signer) []byte {
	l.t.Helper()
	payload, err := events.NewEvent(ledgerID, typ, subject, body)
	if err != nil {
		l.t.Fatal(err)
	}
	env, err := events.Seal(payload, signers...)
	if err != nil {
		l.t.Fatal(err)
	}
	return env
}

func (l *testLedger) deployed(d events.Deployed, signer *events.Signer) []byte {
	l.t.Helper()
	return l.seal(l.id, events.TypeDeployed, d.Name, d, signer)
}

// deploy is a valid deploy of artifact (a blob's name) by the operator.
func (l *testLedger) deploy(name, blob string, routes ...string) []byte {
	l.t.Helper()
	return l.deployed(events.Deployed{Name: name, Artifact: digest(blob), Size: int64(len(blob)), Routes: routes}, l.operator)
}

func (l *testLedger) activated(a events.Activated, signer *events.Signer) []byte {
	l.t.Helper()
	return l.seal(l.id, events.TypeActivated, a.Name, a, signer)
}

func (l *testLedger) activate(name string, version int, blob string) []byte {
	l.t.Helper()
	return l.activated(events.Activated{Name: name, Version: version, Artifact: digest(blob)}, l.operator)
}

// split sends percent of fn's requests to version (blob).
func (l *testLedger) split(name string, version int, blob string, percent int) []byte {
	l.t.Helper()
	return l.activated(events.Activated{Name: name, Version: version, Artifact: digest(blob), Percent: percent}, l.operator)
}

func (l *testLedger) rollback(name string, version int, blob string) []byte {
	l.t.Helper()
	return l.seal(l.id, events.TypeRolledBack, name, events.RolledBack{Name: name, Version: version, Artifact: digest(blob)}, l.operator)
}

// lifecycle seals a pause, resume or retire of fn.
func (l *testLedger) lifecycle(typ events.Type, name string) []byte {
	l.t.Helper()
	return l.seal(l.id, typ, name, events.Lifecycle{Name: name}, l.operator)
}

// append adds envelope as the next record.
func (l *testLedger) append(envelope []byte) ledger.Record {
	r := ledger.Record{Seq: uint64(len(l.records)) + 1, ID: events.ID(envelope), Envelope: envelope}
	l.records = append(l.records, r)
	return r
}

// fold folds every record into a new state; all must be accepted.
func foldAll(t testing.TB, envelopes ...[]byte) *State {
	t.Helper()
	s := NewState()
	for _, env := range envelopes {
		if err := Fold(s, s.Seq+1, events.ID(env), env); err != nil {
			t.Fatalf("fold setup record %d: %v", s.Seq, err)
		}
	}
	return s
}

func digest(blob string) string {
	sum := sha256.Sum256([]byte(blob))
	return hex.EncodeToString(sum[:])
}

// tamper re-encodes envelope after letting edit change it.
func tamper(t testing.TB, envelope []byte, edit func(*events.Envelope)) []byte {
	t.Helper()
	env, err := events.DecodeEnvelope(envelope)
	if err != nil {
		t.Fatal(err)
	}
	edit(env)
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flipSignature(env *events.Envelope) { env.Signatures[0].Sig[0] ^= 0x01 }
