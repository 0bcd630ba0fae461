package integration

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// operator loads the operator key the CLI created, to sign events the
// way a second client would.
func (e *env) operator() *events.Signer {
	e.t.Helper()
	s, err := events.NewSigner(e.keySeed(filepath.Join(e.config, "operator.key")))
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// snapshot reads `vault ls --json`.
type snapshot struct {
	State struct {
		Ledger    string `json:"ledger"`
		Seq       uint64 `json:"seq"`
		Functions map[string]struct {
			Versions []struct {
				Artifact string `json:"artifact"`
				Size     int64  `json:"size"`
			} `json:"versions"`
		} `json:"functions"`
	} `json:"state"`
}

func (e *env) snapshot(server string) snapshot {
	e.t.Helper()
	var s snapshot
	if err := json.Unmarshal([]byte(e.mustVault(server, "ls", "--json")), &s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// redeploy seals a function.deployed event that adds a version of fn with
// an artifact already stored: valid whatever came before, so concurrent
// writers can append it over and over.
func redeploy(t testing.TB, signer *events.Signer, ledgerID, fn, artifact string) []byte {
	t.Helper()
	payload, err := events.NewEvent(ledgerID, events.TypeDeployed, fn, events.Deployed{Name: fn, Artifact: artifact, Size: 1, Routes: []string{"/fn"}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Seal(payload, signer)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func dial(t testing.TB, server string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(server, nats.Timeout(5*time.Second), nats.MaxReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

func appendEnvelope(nc *nats.Conn, env []byte) (ledger.Appended, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return ledger.Append(ctx, nc, env, ledger.AppendOptions{})
}
