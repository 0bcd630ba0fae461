package integration

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// dialAsNode connects with the node's own key (in dataDir), as the node's
// own connection does: full access. Tests that play an attacker who got
// around the append gate use it; no other client has that access.
func dialAsNode(t *testing.T, e *env, dataDir, server string) *nats.Conn {
	t.Helper()
	key, err := events.NewSigner(e.keySeed(filepath.Join(dataDir, "node.key")))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(server, nkeyOpt(t, key), nats.Timeout(5*time.Second), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("connect as the node: %v", err)
	}
	return nc
}

// anonymousWithErrors connects without a key and reports the async errors the
// server sends, so a test can wait for a refused subscription.
func anonymousWithErrors(t *testing.T, server string) (*nats.Conn, <-chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := nats.Connect(server, nats.Timeout(5*time.Second), nats.MaxReconnects(0),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatalf("a client without a key could not connect on loopback: %v", err)
	}
	return nc, errs
}

// TestAnonymousClientIsReadOnly (issue 18, item 3): with default settings
// a local process without a key can read, and call the node's APIs with
// requests the node checks, but cannot delete or write streams, publish to
// the ledger's subjects, upload artifacts or subscribe to node API
// subjects; the CLI still deploys and activates (with the operator key)
// and `ls` still needs no passphrase.
func TestAnonymousClientIsReadOnly(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	fn := e.writeFunction("fn", map[string]string{
		"vault.yaml": "name: fn\nentry: index.js\nroutes: [/fn]\n",
		"index.js":   `export default { fetch() { return new Response("fn") } };`,
	})
	e.mustVault(srv, "deploy", fn)
	e.mustVault(srv, "activate", "fn@v1")
	out, errs, code := e.vaultEnv(srv, []string{"VAULT_PASSPHRASE="}, "ls")
	if code != 0 || !strings.Contains(out, "fn") {
		t.Fatalf("ls without a passphrase: exit %d\n%s\n%s", code, out, errs)
	}

	nc, asyncErrs := anonymousWithErrors(t, srv)
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Reading works.
	var records int
	if err := ledger.ReadRecords(ctx, js, 1, 0, func(ledger.Record) error { records++; return nil }); err != nil || records < 3 {
		t.Fatalf("anonymous read of the ledger: %d records, %v", records, err)
	}
	// Writing and deleting do not.
	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 2*time.Second) }
	c1, done := short()
	if err := js.DeleteStream(c1, ledger.StreamName); err == nil {
		t.Fatal("a client without a key deleted the LEDGER stream")
	}
	done()
	c2, done := short()
	if _, err := js.Publish(c2, ledger.RecordsSubject, []byte("forged")); err == nil {
		t.Fatal("a client without a key published to the ledger subject")
	}
	done()
	c3, done := short()
	if obs, err := ledger.OpenArtifactBucket(c3, js, false); err != nil {
		t.Fatalf("open the artifact bucket read-only: %v", err)
	} else if _, err := obs.PutBytes(c3, "planted", []byte("x")); err == nil {
		t.Fatal("a client without a key uploaded an artifact")
	}
	done()
	// It cannot answer in a node's place or read others' control requests.
	if _, err := nc.Subscribe("vault.api.control", func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-asyncErrs:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("subscribe to vault.api.control: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the server never refused a subscription to vault.api.control")
	}
	// The ledger is whole and the node serves on.
	e.mustVault(srv, "ledger", "verify")
	if r := get(t, h2cClient(), "http://"+n.h2c+"/fn"); r.body != "fn" {
		t.Fatalf("served %q", r.body)
	}
	// A trusted key cannot subscribe to node API subjects either.
	op := e.operator()
	kc, err := nats.Connect(srv, nkeyOpt(t, op), nats.MaxReconnects(0),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatalf("the operator key could not connect: %v", err)
	}
	defer kc.Close()
	if _, err := kc.SubscribeSync("vault.api.ledger.append"); err != nil {
		t.Fatal(err)
	}
	if err := kc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := kc.LastError(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		t.Fatalf("a keyed client subscribed to the append subject: last error %v", err)
	}
}

// TestControlRequestsAreBoundToTheirNode (issue 18, item 6): a control
// request names the node it is for; sent to another node it is refused,
// and once accepted it stays refused after the node restarts.
func TestControlRequestsAreBoundToTheirNode(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	op := e.operator()
	ledgerID := e.snapshot(n.server()).State.Ledger
	nc := dial(t, n.server())
	name := nc.ConnectedServerName()
	if strings.ContainsAny(name, ".*> \t") {
		t.Fatalf("server name %q is not a subject token", name)
	}
	subject := "vault.api.node." + name + ".control"
	call := func(nc *nats.Conn, subject string, req []byte) string {
		t.Helper()
		msg, err := nc.Request(subject, req, 10*time.Second)
		if err != nil {
			t.Fatalf("control request on %s: %v", subject, err)
		}
		var reply struct{ Error string }
		if err := json.Unmarshal(msg.Data, &reply); err != nil {
			t.Fatal(err)
		}
		return reply.Error
	}
	forOther, _ := events.NewControl(ledgerID, "vault-another-node", "status", struct{}{}, op)
	if msg := call(nc, subject, forOther); !strings.Contains(msg, `control request for node "vault-another-node"`) {
		t.Fatalf("a request for another node: %q", msg)
	}
	everyNode, _ := events.NewControl(ledgerID, events.ControlEveryNode, "status", struct{}{}, op)
	if msg := call(nc, subject, everyNode); !strings.Contains(msg, "for node \"*\"") {
		t.Fatalf("a broadcast request sent to one node's subject: %q", msg)
	}
	mine, _ := events.NewControl(ledgerID, name, "status", struct{}{}, op)
	if msg := call(nc, subject, mine); msg != "" {
		t.Fatalf("a request for this node: %q", msg)
	}
	nc.Close()

	n.stop()
	n = e.serve(nodeOptions{})
	nc = dial(t, n.server())
	defer nc.Close()
	if nc.ConnectedServerName() != name {
		t.Fatalf("the node's name changed across a restart: %q, was %q", nc.ConnectedServerName(), name)
	}
	if msg := call(nc, subject, mine); !strings.Contains(msg, "already used") {
		t.Fatalf("the same request after a restart: %q", msg)
	}
}
