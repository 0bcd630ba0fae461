package edge

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/edge/secret"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// nodeKey is a node key: its recipient and the identity a node opens
// secrets with.
func nodeKey(t *testing.T) (secret.Recipient, *secret.Identity) {
	t.Helper()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	id, err := secret.NewIdentity(s.ID, ed25519.PrivateKey(s.Memory()))
	if err != nil {
		t.Fatal(err)
	}
	return secret.Recipient{ID: s.ID, PublicKey: s.Public()}, id
}

func sealed(t *testing.T, seq uint64, value string, to ...secret.Recipient) fold.Secret {
	t.Helper()
	ct, err := secret.Seal([]byte(value), to)
	if err != nil {
		t.Fatal(err)
	}
	sec := fold.Secret{Seq: seq, Ciphertext: ct}
	for _, r := range to {
		sec.Recipients = append(sec.Recipients, r.ID)
	}
	return sec
}

func TestSecretsEnv(t *testing.T) {
	node, id := nodeKey(t)
	later, laterID := nodeKey(t)
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{Secrets: id})
	vars := map[string]string{"MODE": "prod"}
	env, err := f.env("shop", vars, map[string]fold.Secret{"TOKEN": sealed(t, 4, "hunter2", node)})
	if err != nil {
		t.Fatal(err)
	}
	if env["TOKEN"] != "hunter2" || env["MODE"] != "prod" || len(vars) != 1 {
		t.Fatalf("env = %v (vars now %v), want MODE and TOKEN, vars unchanged", env, vars)
	}

	t.Run("ErrNotRecipient", func(t *testing.T) {
		// The secret was put before this node's key was trusted.
		g := NewFunctions(slog.New(slog.DiscardHandler), Options{Secrets: laterID})
		_, err := g.env("shop", nil, map[string]fold.Secret{"TOKEN": sealed(t, 4, "hunter2", node)})
		if !errors.Is(err, secret.ErrNotRecipient) || !strings.Contains(err.Error(), "vault secret rekey shop") ||
			!strings.Contains(err.Error(), "TOKEN") || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("env = %v, want ErrNotRecipient naming the key and vault secret rekey, not the value", err)
		}
		// A recipients list that names the node but a ciphertext that
		// is not encrypted to it gives the same advice.
		lying := sealed(t, 4, "hunter2", node)
		lying.Recipients = append(lying.Recipients, later.ID)
		if _, err := g.env("shop", nil, map[string]fold.Secret{"TOKEN": lying}); !errors.Is(err, secret.ErrNotRecipient) ||
			!strings.Contains(err.Error(), "vault secret rekey shop") {
			t.Fatalf("env = %v, want ErrNotRecipient naming vault secret rekey", err)
		}
	})
	t.Run("ErrSecretClash", func(t *testing.T) {
		_, err := f.env("shop", vars, map[string]fold.Secret{"MODE": sealed(t, 4, "test", node)})
		if !errors.Is(err, ErrSecretClash) || !strings.Contains(err.Error(), "vault secret rm shop MODE") {
			t.Fatalf("env = %v, want ErrSecretClash naming the way out", err)
		}
	})
	t.Run("NoIdentity", func(t *testing.T) {
		g := NewFunctions(slog.New(slog.DiscardHandler), Options{})
		if _, err := g.env("shop", nil, map[string]fold.Secret{"TOKEN": sealed(t, 4, "x", node)}); err == nil {
			t.Fatal("a node without a key opened a secret")
		}
	})
}

// TestWarmSecrets: a node that cannot open a function's secret does not
// compile the version, and says how to fix it; a new secrets revision is
// a new program.
func TestWarmSecrets(t *testing.T) {
	node, id := nodeKey(t)
	other, _ := nodeKey(t)
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{Secrets: id})
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"shop","entry":"i.js"}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(`var ` + schemas.BundleGlobal + `={default:{fetch(r,env){return new Response(env.TOKEN)}}};`)})
	if err != nil {
		t.Fatal(err)
	}
	v := fold.ServedVersion{Version: 1, Artifact: "a1", Percent: 100, Routes: []string{"/"}, Secrets: 3}
	err = f.Warm(context.Background(), "shop", v, blob, map[string]fold.Secret{"TOKEN": sealed(t, 3, "one", other)})
	if !errors.Is(err, secret.ErrNotRecipient) || !strings.Contains(err.Error(), "vault secret rekey shop") {
		t.Fatalf("Warm = %v, want the rekey advice", err)
	}
	v.Secrets = 5
	if err := f.Warm(context.Background(), "shop", v, blob, map[string]fold.Secret{"TOKEN": sealed(t, 5, "two", node, other)}); err != nil {
		t.Fatalf("Warm after the rekey: %v", err)
	}
	if _, ok := f.programs[programKey("shop", v)]; !ok || programKey("shop", v) == programKey("shop", fold.ServedVersion{Version: 1, Artifact: "a1", Secrets: 3}) {
		t.Fatalf("programs %v: want one per secrets revision", f.programs)
	}
}

// TestSecretsRevisionKeepsMetrics: a version compiled again with new
// secrets replaces the old program but keeps the version's series.
func TestSecretsRevisionKeepsMetrics(t *testing.T) {
	node, id := nodeKey(t)
	m := metrics.New()
	f := NewFunctions(slog.New(slog.DiscardHandler), Options{Secrets: id, Metrics: m})
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"shop","entry":"i.js"}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(`var ` + schemas.BundleGlobal + `={default:{fetch(r,env){return new Response(env.TOKEN)}}};`)})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(rev uint64) fold.ServedVersion {
		t.Helper()
		v := fold.ServedVersion{Version: 1, Artifact: "a1", Percent: 100, Routes: []string{"/"}, Secrets: rev}
		if err := f.Warm(context.Background(), "shop", v, blob, map[string]fold.Secret{"TOKEN": sealed(t, rev, "x", node)}); err != nil {
			t.Fatal(err)
		}
		f.Publish(&fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{
			"shop": {Function: "shop", Versions: []fold.ServedVersion{v}, ActivatedSeq: 2},
		}})
		return v
	}
	publish(3)
	v := publish(5)
	if len(f.programs) != 1 || f.programs[programKey("shop", v)] == nil {
		t.Fatalf("programs %v, want only revision 5", f.programs)
	}
	tag := f.classes[programKey("shop", v)].Tag
	if tag == nil || tag.(*metrics.FnHandles) != m.Function("shop", 1) {
		t.Fatal("the version's series were forgotten when its old program was dropped")
	}
}
