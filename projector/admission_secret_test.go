package projector

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
	"github.com/vault-runtime/vault/schemas"
)

// artifactWithVars is an artifact of fn whose manifest has vars.
func artifactWithVars(t *testing.T, fn string, vars string) string {
	t.Helper()
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: fmt.Appendf(nil, `{"name":%q,"entry":"i.js","vars":{%s}}`, fn, vars)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(`var x = 1;`)})
	if err != nil {
		t.Fatal(err)
	}
	return string(blob)
}

// TestAdmissionSecretClash: the gate refuses a secret named like a var
// of the function's manifest, and a deploy with a var named like one of
// its secrets.
func TestAdmissionSecretClash(t *testing.T) {
	l := newTestLedger(t)
	v1 := artifactWithVars(t, "shop", `"MODE":"prod"`)
	v2 := artifactWithVars(t, "shop", `"MODE":"prod","TOKEN":"oops"`)
	l.append(l.Genesis)
	l.append(l.Deployed(events.Deployed{Name: "shop", Artifact: foldtest.Digest(v1), Size: int64(len(v1))}, l.Operator))
	var j journal
	p, _ := start(t, Config{
		Source: followRecords(l.records, make(chan ledger.Record), nil), Artifacts: artifacts(v1, v2),
		Warmer: j.warmer(t), Publisher: j.publisher(), DB: openDB(t, t.TempDir()),
	})
	waitApplied(t, p, 2)
	put := func(key string) []byte {
		body := events.SecretPut{Function: "shop", Key: key, Ciphertext: []byte("age-encryption.org/v1\nx"), Recipients: []string{l.Logger.ID}}
		return l.Seal(l.ID, events.TypeSecretPut, "shop", body, l.Operator)
	}
	a := p.Admission()
	admitAll(t, a,
		admitStep{2, put("MODE"), events.ErrConflict},
		admitStep{2, put("TOKEN"), nil},
		admitStep{3, l.Deployed(events.Deployed{Name: "shop", Artifact: foldtest.Digest(v2), Size: int64(len(v2))}, l.Operator), events.ErrConflict},
	)
	err := a.Admit(t.Context(), 3, put("MODE"))
	if !errors.Is(err, events.ErrConflict) || !strings.Contains(err.Error(), "v1's vault.yaml has a var MODE") {
		t.Fatalf("a secret named like a var: %v", err)
	}
}
