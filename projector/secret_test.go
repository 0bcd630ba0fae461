package projector

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

func (l *testLedger) putSecret(fn, key, value string, recipients ...string) ledger.Record {
	body := events.SecretPut{Function: fn, Key: key, Ciphertext: []byte("age-encryption.org/v1\n" + value), Recipients: recipients}
	return l.append(l.Seal(l.ID, events.TypeSecretPut, fn, body, l.Operator))
}

// A change of a function's secrets compiles its served version again,
// with the new secrets; a version that failed to open its secrets (this
// node was not a recipient) is tried again after a rekey, and then
// served.
func TestProjectorSecretsRewarm(t *testing.T) {
	l := newTestLedger(t)
	l.append(l.Genesis)
	l.append(l.Deploy("hello", "hello-1", "/hello"))
	l.putSecret("hello", "TOKEN", "one", l.Logger.ID)
	l.append(l.Activate("hello", 1, "hello-1"))
	var j journal
	feed := make(chan ledger.Record)
	// This node's key is the Logger's: secrets not encrypted to it fail.
	warmer := &fakeWarmer{warm: func(_ context.Context, v warmed, _ []byte) error {
		var err error
		for key, sec := range v.secrets {
			if !slices.Contains(sec.Recipients, l.Logger.ID) {
				err = errors.New("secret " + key + " is not encrypted to this node's key: run vault secret rekey hello")
			}
		}
		j.add(entry{warm: &v, warmErr: err})
		return err
	}}
	p, _ := start(t, Config{
		Source: followRecords(l.records, feed, nil), Artifacts: artifacts("hello-1"),
		Warmer: warmer, Publisher: j.publisher(), DB: openDB(t, t.TempDir()), BatchSize: 1,
	})
	waitApplied(t, p, 4)
	served := func(want uint64) {
		t.Helper()
		s, ok := p.Current().Served["hello"]
		if !ok || s.Versions[0].Secrets != want {
			t.Fatalf("serving %+v, want hello@v1 with secrets revision %d", s, want)
		}
	}
	served(3)

	send(t, feed, l.putSecret("hello", "TOKEN", "two", l.Logger.ID))
	waitApplied(t, p, 5)
	served(5)
	last := j.all()
	var w *warmed
	for _, e := range last {
		if e.warm != nil {
			w = e.warm
		}
	}
	if w == nil || w.Secrets != 5 || string(w.secrets["TOKEN"].Ciphertext) != "age-encryption.org/v1\ntwo" {
		t.Fatalf("last warm %+v, want the rotated secret at revision 5", w)
	}

	// Put to a key other than this node's: the node keeps serving the
	// revision it could open, and says why.
	send(t, feed, l.putSecret("hello", "TOKEN", "three", l.Operator.ID))
	waitApplied(t, p, 6)
	served(5)
	if f := p.Current().Failed; len(f) != 1 || !strings.Contains(f[fold.FailKey("hello", 1, 4)], "vault secret rekey") {
		t.Fatalf("failed = %v, want hello@v1 naming vault secret rekey", f)
	}
	// An unrelated record does not retry it.
	send(t, feed, l.append(l.Deploy("other", "other-1", "/other")))
	waitApplied(t, p, 7)
	// The rekey: the same value, now encrypted to this node too.
	send(t, feed, l.putSecret("hello", "TOKEN", "three", l.Operator.ID, l.Logger.ID))
	waitApplied(t, p, 8)
	served(8)
	if f := p.Current().Failed; len(f) != 0 {
		t.Fatalf("failed = %v after the rekey, want none", f)
	}
	attempts := 0
	for _, e := range j.all() {
		if e.warm != nil && e.warm.Secrets == 6 {
			attempts++
		}
	}
	if attempts != 1 {
		t.Errorf("revision 6 was warmed %d times, want once", attempts)
	}
}
