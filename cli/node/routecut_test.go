package node

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/vault-runtime/vault/events"
)

// sha256SPKI is the pinned-certificate ID nats-server compares.
func sha256SPKI(t *testing.T, pub ed25519.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// Revoking a key pins every other admitted key, which makes nats-server
// close that key's routes, then unpins; a sweep with nothing to cut does
// not touch the server.
func TestRouteAuthSweepPinsAllButDistrustedKeys(t *testing.T) {
	ca := newTestCA(t)
	b, _ := events.GenerateSigner()
	c, _ := events.GenerateSigner()
	d, _ := events.GenerateSigner()
	hub := func(s *events.Signer) *events.Key {
		return &events.Key{ID: s.ID, PublicKey: s.Public(), Roles: []events.Role{events.RoleLog}}
	}
	var kr atomic.Pointer[events.Keyring]
	var logs bytes.Buffer
	// Hub "self" is not in the keyring: the cluster is not registered,
	// and d's unknown key is not cut.
	a := newRouteAuth(kr.Load, "self", 2, slog.New(slog.NewTextHandler(&logs, nil)))
	for _, s := range []*events.Signer{b, c, d} {
		if err := a.admit(routeState(t, ca, s.Public()), "x"); err != nil {
			t.Fatal(err)
		}
	}
	var pins []server.PinnedCertSet
	pin := func(set server.PinnedCertSet) error { pins = append(pins, set); return nil }
	a.sweep(pin) // no keyring yet
	kr.Store(keyringWith(hub(b), hub(c)))
	a.sweep(pin) // d is not named: admitted by the CA, not cut
	if len(pins) != 0 {
		t.Fatalf("pinned %v with nothing to cut", pins)
	}
	revoked := kr.Load().Clone()
	revoked.Keys[c.ID].RevokedSeq = 4
	kr.Store(revoked)
	a.sweep(pin)
	if len(pins) != 2 || pins[1] != nil {
		t.Fatalf("pins %v, want the kept keys then none", pins)
	}
	want := server.PinnedCertSet{sha256SPKI(t, b.Public()): {}, sha256SPKI(t, d.Public()): {}}
	if len(pins[0]) != 2 || pins[0] == nil {
		t.Fatalf("pinned %v, want b's and d's keys", pins[0])
	}
	for k := range want {
		if _, ok := pins[0][k]; !ok {
			t.Fatalf("pinned %v, want b's and d's keys %v", pins[0], want)
		}
	}
	if a.peers[c.ID] != nil || !strings.Contains(logs.String(), "closed a hub's routes: its node key is no longer trusted\" key="+c.ID+" reason=revoked") {
		t.Fatalf("c is still remembered (%v) or not logged:\n%s", a.peers[c.ID] != nil, logs.String())
	}
	a.sweep(pin)
	if len(pins) != 2 {
		t.Fatal("a second sweep pinned again")
	}

	// Everyone distrusted: the pinned set is empty but not nil, which
	// nats-server reads as "no key" rather than "no pinning".
	gone := kr.Load().Clone()
	gone.Keys[b.ID].RevokedSeq = 5
	kr.Store(gone)
	delete(a.peers, d.ID)
	pins = nil
	a.sweep(pin)
	if len(pins) != 2 || pins[0] == nil || len(pins[0]) != 0 {
		t.Fatalf("pins %v, want an empty set, then none", pins)
	}

	failing := func(server.PinnedCertSet) error { return errors.New("reload refused") }
	e, _ := events.GenerateSigner()
	a.admit(routeState(t, ca, e.Public()), "x")
	gone = kr.Load().Clone()
	gone.Keys[e.ID] = &events.Key{ID: e.ID, PublicKey: e.Public(), RevokedSeq: 6}
	kr.Store(gone)
	a.sweep(failing)
	if a.peers[e.ID] == nil || !strings.Contains(logs.String(), "reload refused") {
		t.Fatal("a failed cut must be retried at the next sweep, and logged")
	}
}
