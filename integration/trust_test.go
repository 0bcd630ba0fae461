package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// colleague is a second operator with a config directory of their own.
func (e *env) colleague(name string) *env {
	return &env{t: e.t, root: e.root, config: filepath.Join(e.root, "config-"+name), data: e.data,
		passphrase: name + " passphrase"}
}

// keyID reads the ID and public key that `vault keys id` prints.
func keyID(t *testing.T, e *env) (id, line string) {
	t.Helper()
	line = strings.TrimSpace(e.mustVault("", "keys", "id", "--key-work-factor", testKeyWorkFactor))
	id, _, _ = strings.Cut(line, " ")
	return id, line
}

func publicKeyArg(s *events.Signer) string { return base64.StdEncoding.EncodeToString(s.Public()) }

// sealFor seals an event for the node's ledger with signer.
func sealFor(t *testing.T, ledgerID string, typ events.Type, subject string, body any, signer *events.Signer) []byte {
	t.Helper()
	payload, err := events.NewEvent(ledgerID, typ, subject, body)
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Seal(payload, signer)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestTwoPersonRuleAndRevocation adopts a two-person rule with a proposal
// signed by both admins, shows one admin alone can no longer change keys,
// and that a revoked deploy key is refused by the node's gate, by its
// projector (when the record reaches the stream around the gate) and by
// `vault ledger verify`, while its earlier deploy stays valid.
func TestTwoPersonRuleAndRevocation(t *testing.T) {
	alice := newEnv(t)
	ln := startLedgerNode(t, alice) // seq 1 genesis, seq 2 deploy of fn
	srv := ln.server()
	bob := alice.colleague("bob")
	bobID, bobKey := keyID(t, bob)
	change := filepath.Join(alice.root, "change.json")

	alice.mustVault(srv, "keys", "add", bobKey, "--role", "admin", "--threshold", "2", "-o", change)
	if _, errs, code := alice.vault(srv, "submit", change); code == 0 || !strings.Contains(errs, "nobody has signed it yet") {
		t.Fatalf("submit of an unsigned proposal: exit %d, %s", code, errs)
	}
	alice.mustVault(srv, "sign", change)
	if _, errs, code := alice.vault(srv, "sign", change); code == 0 || !strings.Contains(errs, "already signed") {
		t.Fatalf("signing twice: exit %d, %s", code, errs)
	}
	if _, errs, code := alice.vault(srv, "submit", change); code == 0 || !strings.Contains(errs, "needs 1 more admin signature") {
		t.Fatalf("submit with one of two signatures: exit %d, %s", code, errs)
	}
	bob.mustVault(srv, "sign", change)
	if out := alice.mustVault(srv, "submit", change); !strings.Contains(out, "(seq 3)") {
		t.Fatalf("submit: %s", out)
	}
	keys := alice.mustVault(srv, "keys", "ls")
	if !strings.Contains(keys, "admin threshold 2 of 2") || !regexp.MustCompile(bobID+`\s+admin\s+seq 3 by`).MatchString(keys) {
		t.Fatalf("keys ls after the two-person rule:\n%s", keys)
	}

	// One admin alone is no longer enough, and nothing is appended.
	carol, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	_, errs, code := alice.vault(srv, "keys", "add", publicKeyArg(carol), "--role", "deploy")
	if code == 0 || !strings.Contains(errs, "needs 1 more admin signature") || !strings.Contains(errs, "-o FILE") {
		t.Fatalf("a single admin adding a key: exit %d, %s", code, errs)
	}
	proposal := func(args ...string) {
		t.Helper()
		alice.mustVault(srv, append(append([]string{"keys"}, args...), "-o", change)...)
		alice.mustVault(srv, "sign", change)
		bob.mustVault(srv, "sign", change)
		alice.mustVault(srv, "submit", change)
	}
	proposal("add", publicKeyArg(carol), "--role", "deploy") // seq 4

	// Carol deploys (seq 5), is revoked (seq 6), deploys again: refused.
	nc := dial(t, srv)
	defer nc.Close()
	deploy := events.Deployed{Name: "fn", Artifact: ln.artifact, Size: artifactSize(t, alice, srv)}
	if res, err := appendEnvelope(nc, sealFor(t, ln.ledgerID, events.TypeDeployed, "fn", deploy, carol)); err != nil || res.Seq != 5 {
		t.Fatalf("carol's deploy: %v %+v", err, res)
	}
	proposal("revoke", carol.ID, "--reason", "left the team") // seq 6
	late := sealFor(t, ln.ledgerID, events.TypeDeployed, "fn", deploy, carol)
	if _, err := appendEnvelope(nc, late); err == nil || !strings.Contains(err.Error(), "revoked at seq 6") {
		t.Fatalf("deploy by a revoked key: %v", err)
	}
	if keys := alice.mustVault(srv, "keys", "ls"); !regexp.MustCompile(carol.ID + `\s+deploy\s+seq 4 by \S+\s+revoked at seq 6 by`).MatchString(keys) {
		t.Fatalf("keys ls after the revocation:\n%s", keys)
	}
	if keys := alice.mustVault(srv, "keys", "ls", "--at", "5"); !regexp.MustCompile(carol.ID + `\s+deploy\s+seq 4 by \S+\s+trusted`).MatchString(keys) {
		t.Fatalf("keys ls --at 5:\n%s", keys)
	}
	alice.mustVault(srv, "ledger", "verify") // everything stored so far is valid

	// Around the gate, straight into the stream: the projector and verify
	// reject it again.
	// (only the node's key may publish there now).
	nodeConn := dialAsNode(t, alice, alice.data, srv)
	defer nodeConn.Close()
	js, _ := jetstream.New(nodeConn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := js.Publish(ctx, ledger.RecordsSubject, late)
	if err != nil {
		t.Fatal(err)
	}
	ln.waitLog(t, "revoked at seq 6")
	if ls := alice.mustVault(srv, "ls"); strings.Contains(ls, "v3") {
		t.Fatalf("the revoked key's deploy became a version:\n%s", ls)
	}
	_, errs, code = alice.vault(srv, "ledger", "verify")
	if code == 0 || !strings.Contains(errs, "revoked at seq 6") || !strings.Contains(errs, "seq "+itoa(ack.Sequence)) {
		t.Fatalf("verify after the stray record: exit %d, %s", code, errs)
	}

	// Replay equals live state: the node's digest, a replay of its stream
	// and a replay of an export agree, key events and rejection included.
	live := alice.mustVault(srv, "state", "--hash")
	replayed := alice.mustVault(srv, "state", "--hash", "--at", itoa(ack.Sequence))
	export := filepath.Join(alice.root, "all.vexp")
	alice.mustVault(srv, "ledger", "export", "-o", export)
	offline := alice.mustVault("nats://127.0.0.1:1", "state", "--hash", "--file", export)
	if live != replayed || live != offline || !strings.HasSuffix(strings.TrimSpace(live), "seq "+itoa(ack.Sequence)) {
		t.Fatalf("state digests differ: live %q, replayed %q, from the export %q", live, replayed, offline)
	}
	if before := alice.mustVault(srv, "state", "--hash", "--at", "5"); before == live {
		t.Fatal("the state after record 5 has the digest of the latest state")
	}
}

func artifactSize(t *testing.T, e *env, srv string) int64 {
	t.Helper()
	return e.snapshot(srv).State.Functions["fn"].Versions[0].Size
}

// control sends a raw control request and returns the node's error text.
func control(t *testing.T, nc *nats.Conn, req []byte) string {
	t.Helper()
	msg, err := nc.Request("vault.api.control", req, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		t.Fatal(err)
	}
	return reply.Error
}

func controlAt(t *testing.T, ledgerID, method string, at time.Time, nonce string, s *events.Signer) []byte {
	t.Helper()
	payload, _ := json.Marshal(events.Control{Ledger: ledgerID, Node: events.ControlEveryNode, Method: method, Time: at, Nonce: nonce})
	req, err := events.SealAs(events.ControlPayloadType, payload, s)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestControlRequestsAreAuthenticated: status answers a trusted key once
// per nonce, and refuses stale, replayed, unknown and revoked signers.
func TestControlRequestsAreAuthenticated(t *testing.T) {
	e := newEnv(t)
	ln := startLedgerNode(t, e)
	srv := ln.server()
	if out := e.mustVault(srv, "status"); !strings.Contains(out, "applied   seq 2") || !strings.Contains(out, "listen    h2c") {
		t.Fatalf("vault status:\n%s", out)
	}
	dave, _ := events.GenerateSigner()
	e.mustVault(srv, "keys", "add", publicKeyArg(dave), "--role", "deploy")
	nc := dial(t, srv)
	defer nc.Close()

	fresh, err := events.NewControl(ln.ledgerID, events.ControlEveryNode, "status", struct{}{}, dave)
	if err != nil {
		t.Fatal(err)
	}
	if msg := control(t, nc, fresh); msg != "" {
		t.Fatalf("fresh status request refused: %s", msg)
	}
	if msg := control(t, nc, fresh); !strings.Contains(msg, "already used") {
		t.Fatalf("replayed request: %q", msg)
	}
	stale := controlAt(t, ln.ledgerID, "status", time.Now().Add(-5*time.Minute), "0123456789abcdef0123", dave)
	if msg := control(t, nc, stale); !strings.Contains(msg, "away from the node's clock") {
		t.Fatalf("stale request: %q", msg)
	}
	stranger, _ := events.GenerateSigner()
	unknown, _ := events.NewControl(ln.ledgerID, events.ControlEveryNode, "status", struct{}{}, stranger)
	if msg := control(t, nc, unknown); !strings.Contains(msg, "unknown key") {
		t.Fatalf("unknown key: %q", msg)
	}
	stop, _ := events.NewControl(ln.ledgerID, events.ControlEveryNode, "server.stop", struct{}{}, dave)
	if msg := control(t, nc, stop); !strings.Contains(msg, "holds none of the roles") {
		t.Fatalf("a deploy key stopping the server: %q", msg)
	}
	e.mustVault(srv, "keys", "revoke", dave.ID)
	again, _ := events.NewControl(ln.ledgerID, events.ControlEveryNode, "status", struct{}{}, dave)
	if msg := control(t, nc, again); !strings.Contains(msg, "revoked at seq") {
		t.Fatalf("revoked key: %q", msg)
	}
}

// TestNATSExposure: beyond loopback the node refuses to start without TLS
// and keyring authentication; with them, only keys the ledger trusts may
// connect, the CLI signs in with the operator key, and no client but the
// node may publish to the ledger's subject.
func TestNATSExposure(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	_, errs, code := e.vault("", "serve", "--data", e.data, "--nats-listen", "0.0.0.0:0", "--listen", freeAddr(t))
	if code == 0 || !strings.Contains(errs, "refusing to expose the embedded NATS without TLS (--nats-cert and --nats-key)") {
		t.Fatalf("serve on 0.0.0.0 without TLS: exit %d, %s", code, errs)
	}
	_, errs, code = e.vault("", "serve", "--data", e.data, "--nats-listen", "0.0.0.0:0", "--listen", freeAddr(t), "--nats-auth", "none")
	if code == 0 || !strings.Contains(errs, "refusing to expose the embedded NATS without TLS (--nats-cert and --nats-key) and authentication (--nats-auth keyring)") {
		t.Fatalf("serve on 0.0.0.0 without TLS or auth: exit %d, %s", code, errs)
	}
	cert, key := e.certificate()
	n := e.serve(nodeOptions{args: []string{"--nats-cert", cert, "--nats-key", key, "--nats-auth", "keyring"}})
	srv := "tls://" + n.nats
	// On this loopback listener a client without a key is read-only
	// (cli's TestKeyringAuth: beyond loopback it is refused).
	if nc, err := nats.Connect(srv, nats.RootCAs(cert), nats.Timeout(5*time.Second), nats.MaxReconnects(0)); err != nil {
		t.Fatalf("a client without a key could not read over TLS on loopback: %v", err)
	} else {
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if _, err := js.Publish(ctx, ledger.RecordsSubject, []byte("x")); err == nil {
			t.Fatal("a client without a key published to the ledger subject")
		}
		cancel()
		nc.Close()
	}
	stranger, _ := events.GenerateSigner()
	if nc, err := nats.Connect(srv, nats.RootCAs(cert), nkeyOpt(t, stranger), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a key the ledger does not trust connected")
	}
	ca := "VAULT_NATS_CA=" + cert
	run := func(args ...string) string {
		t.Helper()
		out, errs, code := e.vaultEnv(srv, []string{ca}, args...)
		if code != 0 {
			t.Fatalf("vault %v: exit %d\n%s\n%s", args, code, out, errs)
		}
		return out
	}
	fn := e.writeFunction("fn", map[string]string{
		"vault.yaml": "name: fn\nentry: index.js\nroutes: [/fn]\n",
		"index.js":   `export default { fetch() { return new Response("over tls") } };`,
	})
	run("deploy", fn)
	run("activate", "fn@v1")
	if out := run("status"); !strings.Contains(out, "function  fn: serving v1 100%") {
		t.Fatalf("status over TLS:\n%s", out)
	}
	if r := get(t, h2cClient(), "http://"+n.h2c+"/fn"); r.body != "over tls" {
		t.Fatalf("served %q", r.body)
	}
	// A trusted key may read and call the APIs, but not write the stream.
	dave, _ := events.GenerateSigner()
	run("keys", "add", publicKeyArg(dave), "--role", "deploy")
	nc, err := nats.Connect(srv, nats.RootCAs(cert), nkeyOpt(t, dave), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("a trusted key could not connect: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, ledger.RecordsSubject, []byte("x")); err == nil {
		t.Fatal("a client published to the ledger subject")
	}
}

func nkeyOpt(t *testing.T, s *events.Signer) nats.Option {
	t.Helper()
	pub, err := nkeys.Encode(nkeys.PrefixByteUser, s.Public())
	if err != nil {
		t.Fatal(err)
	}
	return nats.Nkey(string(pub), func(nonce []byte) ([]byte, error) { return s.Sign(nonce), nil })
}
