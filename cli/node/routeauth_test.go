package node

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/vault-runtime/vault/events"
)

// Both sides of a route present their node keys' certificates and see
// the other's node key; a certificate from another CA, or none, does not
// get through.
func TestClusterTLSProvesNodeKeysBothWays(t *testing.T) {
	ca := newTestCA(t)
	a, _ := events.GenerateSigner()
	b, _ := events.GenerateSigner()
	var logs syncBuffer
	ra := newRouteAuth(func() *events.Keyring { return nil }, a.ID, 1, slog.New(slog.NewTextHandler(&logs, nil)))
	srv, err := clusterTLS(ca.issue(t, a.Public(), loopbackIPs, nil), ca.pool, a, ra)
	if err != nil {
		t.Fatal(err)
	}
	rb := newRouteAuth(func() *events.Keyring { return nil }, b.ID, 1, slog.New(slog.DiscardHandler))
	cli, err := clusterTLS(ca.issue(t, b.Public(), loopbackIPs, nil), ca.pool, b, rb)
	if err != nil {
		t.Fatal(err)
	}
	st, serr, cerr := handshake(t, srv, cli)
	if serr != nil || cerr != nil {
		t.Fatalf("handshake: server %v, client %v", serr, cerr)
	}
	if pub := st.PeerCertificates[0].PublicKey.(ed25519.PublicKey); !pub.Equal(b.Public()) || st.Version != tls.VersionTLS13 {
		t.Fatalf("the listener saw %x over %x, want b's node key over TLS 1.3", pub, st.Version)
	}
	if ra.peers[b.ID] == nil || rb.peers[a.ID] == nil {
		t.Fatalf("each side records the other's key: %v %v", ra.peers, rb.peers)
	}
	if !strings.Contains(logs.String(), "key="+b.ID) || !strings.Contains(logs.String(), "remote=127.0.0.1:") {
		t.Fatalf("the listener's log names the key and the peer's address:\n%s", logs.String())
	}

	otherCA := newTestCA(t)
	stranger, err := clusterTLS(otherCA.issue(t, b.Public(), loopbackIPs, nil), otherCA.pool, b, rb)
	if err != nil {
		t.Fatal(err)
	}
	if _, serr, cerr := handshake(t, srv, stranger); serr == nil || cerr == nil {
		t.Fatalf("a hub from another CA got through: server %v, client %v", serr, cerr)
	}
	plain := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: ca.pool}
	if _, serr, _ := handshake(t, srv, plain); serr == nil {
		t.Fatal("a route without a certificate got through")
	}
}

// routeState is a TLS state whose peer presented cert.
func routeState(t *testing.T, ca *testCA, pub crypto.PublicKey) tls.ConnectionState {
	t.Helper()
	file := ca.issue(t, pub, loopbackIPs, nil)
	data, _ := os.ReadFile(file)
	block, _ := pem.Decode(data)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
}

func TestRouteAuthAdmitsNodeKeysTheLedgerTrusts(t *testing.T) {
	ca := newTestCA(t)
	hub, _ := events.GenerateSigner()
	key := func(roles []events.Role, revoked uint64) *events.Key {
		return &events.Key{ID: hub.ID, PublicKey: hub.Public(), Roles: roles, RevokedSeq: revoked}
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name  string
		kr    *events.Keyring
		state tls.ConnectionState
		admit bool
		log   string
	}{
		{"Bootstrapping", nil, routeState(t, ca, hub.Public()), true, "hub route admitted by the cluster CA (the ledger's keyring is not projected yet)"},
		{"Log", keyringWith(key([]events.Role{events.RoleLog}, 0)), routeState(t, ca, hub.Public()), true, "hub route admitted: the ledger trusts its node key"},
		{"Witness", keyringWith(key([]events.Role{events.RoleWitness}, 0)), routeState(t, ca, hub.Public()), true, "hub route admitted: the ledger trusts its node key"},
		{"NotNamedYet", keyringWith(), routeState(t, ca, hub.Public()), true, "level=WARN msg=\"hub route admitted by the cluster CA: the ledger's keyring does not name its node key yet"},
		{"Revoked", keyringWith(key([]events.Role{events.RoleLog}, 9)), routeState(t, ca, hub.Public()), false, "hub route refused: its node key is not trusted\" key=" + hub.ID + " reason=revoked"},
		{"OperatorRolesOnly", keyringWith(key([]events.Role{events.RoleDeploy, events.RoleAdmin}, 0)), routeState(t, ca, hub.Public()), false, "reason=\"holds no node role"},
		{"NotANodeKey", nil, routeState(t, ca, &ecKey.PublicKey), false, "not an ed25519 node key"},
		{"NoCertificate", nil, tls.ConnectionState{}, false, "no cluster certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			a := newRouteAuth(func() *events.Keyring { return tc.kr }, "self", 2, slog.New(slog.NewTextHandler(&logs, nil)))
			err := a.admit(tc.state, "10.99.0.2:40000")
			if (err == nil) != tc.admit {
				t.Fatalf("admit: %v, want admitted %v; log:\n%s", err, tc.admit, logs.String())
			}
			if !strings.Contains(logs.String(), tc.log) || !strings.Contains(logs.String(), "remote=10.99.0.2:40000") {
				t.Fatalf("the log does not say %q:\n%s", tc.log, logs.String())
			}
			if _, held := a.peers[hub.ID]; held != (tc.admit && tc.name != "NotANodeKey") {
				t.Fatalf("peer remembered = %v", held)
			}
		})
	}
}

// A key the keyring does not name is admitted while the hubs register,
// and refused, and cut, once the keyring trusts this hub and as many hubs
// it routed with as it has routes. Edges' keys and unknown keys do not
// count towards that.
func TestRouteAuthRefusesUnknownKeysOnceTheHubsAreRegistered(t *testing.T) {
	ca := newTestCA(t)
	self, _ := events.GenerateSigner()
	b, _ := events.GenerateSigner()
	c, _ := events.GenerateSigner()
	early, _ := events.GenerateSigner() // admitted while registering
	late, _ := events.GenerateSigner()  // arrives once registered
	edge, _ := events.GenerateSigner()
	key := func(s *events.Signer, r events.Role) *events.Key {
		return &events.Key{ID: s.ID, PublicKey: s.Public(), Roles: []events.Role{r}}
	}
	var kr atomic.Pointer[events.Keyring]
	kr.Store(keyringWith(key(self, events.RoleLog), key(b, events.RoleLog), key(edge, events.RoleWitness)))
	var logs bytes.Buffer
	a := newRouteAuth(kr.Load, self.ID, 2, slog.New(slog.NewTextHandler(&logs, nil)))
	for _, s := range []*events.Signer{b, early} {
		if err := a.admit(routeState(t, ca, s.Public()), "x"); err != nil {
			t.Fatalf("while registering: %v", err)
		}
	}
	var pins []server.PinnedCertSet
	pin := func(set server.PinnedCertSet) error { pins = append(pins, set); return nil }
	a.sweep(pin)
	if len(pins) != 0 || a.registered {
		t.Fatalf("one trusted hub of two, and an edge's key in the keyring: registered %v, pins %v", a.registered, pins)
	}
	// The admin adds c's key, and c routes.
	next := kr.Load().Clone()
	next.Keys[c.ID] = key(c, events.RoleLog)
	kr.Store(next)
	if err := a.admit(routeState(t, ca, c.Public()), "x"); err != nil {
		t.Fatal(err)
	}
	a.sweep(pin)
	if !a.registered || !strings.Contains(logs.String(), "from now on a route whose node key it does not name is refused") {
		t.Fatalf("registered %v:\n%s", a.registered, logs.String())
	}
	if len(pins) != 2 || len(pins[0]) != 2 || a.peers[early.ID] != nil {
		t.Fatalf("the early unknown key is cut once registered: pins %v, remembered %v", pins, a.peers[early.ID] != nil)
	}
	if err := a.admit(routeState(t, ca, late.Public()), "10.0.0.9:1234"); err == nil ||
		!strings.Contains(logs.String(), "key="+late.ID+" reason=\"not in the ledger's keyring\"") {
		t.Fatalf("an unknown key once registered: %v\n%s", err, logs.String())
	}
	// Registered for good: b's revocation does not reopen the door.
	next = kr.Load().Clone()
	next.Keys[b.ID].RevokedSeq = 12
	kr.Store(next)
	a.sweep(pin)
	if err := a.admit(routeState(t, ca, late.Public()), "x"); err == nil {
		t.Fatal("an unknown key admitted after a revocation")
	}
}

// routeHub runs a hub's NATS with cluster TLS for key's certificate from
// ca, routed to routes, admitting hubs against kr; its routeAuth sweeps.
// leaf, if given, is a leaf listener for edges, its certificate and key.
func routeHub(t *testing.T, ca *testCA, key *events.Signer, listen string, routes []string, kr *atomic.Pointer[events.Keyring], logs *syncBuffer, leaf ...string) *server.Server {
	t.Helper()
	tp := Topology{ClusterListen: listen, ClusterName: "c", ClusterCert: ca.issue(t, key.Public(), loopbackIPs, nil), CA: ca.file}
	if len(leaf) == 3 {
		tp.LeafListen, tp.LeafCert, tp.LeafKey = leaf[0], leaf[1], leaf[2]
	}
	for _, r := range routes {
		tp.Routes = append(tp.Routes, "nats-route://"+r)
	}
	if err := tp.Validate(); err != nil {
		t.Fatal(err)
	}
	opts := &server.Options{}
	if err := tp.apply(opts, key.ID); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(logs, nil)).With("hub", key.ID)
	g, err := tp.applyTLS(opts, key, kr.Load, kr.Load, log)
	if err != nil || g.routes == nil {
		t.Fatalf("applyTLS: %+v, %v", g, err)
	}
	if g.leaf != nil {
		opts.CustomClientAuthentication = linkAuth{leaf: g.leaf}
	}
	ns := natsServer(t, opts)
	ns.SetLogger(newHubNATSLogger(log, key.ID), false, false)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go g.routes.watch(ns, opts, stop)
	if g.leaf != nil {
		go g.leaf.watch(ns, stop)
	}
	return ns
}

// logHas says whether a line of logs holds every one of parts.
func logHas(logs *syncBuffer, parts ...string) bool {
	for _, line := range strings.Split(logs.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// leafIDs lists ns's leaf connections' IDs.
func leafIDs(t *testing.T, ns *server.Server) string {
	t.Helper()
	lz, err := ns.Leafz(nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range lz.Leafs {
		ids = append(ids, fmt.Sprint(l.ID))
	}
	return strings.Join(ids, ",")
}

// routedTo says whether ns has a route to the hub with key s.
func routedTo(t *testing.T, ns *server.Server, s *events.Signer) bool {
	t.Helper()
	rz, err := ns.Routez(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rz.Routes {
		if r.RemoteName == "vault-"+s.ID {
			return true
		}
	}
	return false
}

// Through nats-server: three hubs route over TLS with their node keys,
// admitted by the CA before there is a keyring. Hub a then sees c's key
// revoked (c, and b, do not: c is compromised and b lags): a closes its
// routes with c, whichever of them dialed, keeps b, and refuses c from
// then on as listener and as dialer. Once a has found the keyring
// trusting its hubs, a hub whose key the keyring does not name is
// refused, as is one whose key it names without a node role.
func TestRoutesProveNodeKeysThroughNATSServer(t *testing.T) {
	ca := newTestCA(t)
	a, _ := events.GenerateSigner()
	b, _ := events.GenerateSigner()
	c, _ := events.GenerateSigner()
	var aTrust, others atomic.Pointer[events.Keyring] // nil: no keyring projected yet
	var logs syncBuffer
	addrs := []string{freePort(t), freePort(t), freePort(t)}
	leafAddr := freePort(t)
	leafCert, leafKey, _ := testHubCert(t)
	hubA := routeHub(t, ca, a, addrs[0], []string{addrs[1], addrs[2]}, &aTrust, &logs, leafAddr, leafCert, leafKey)
	hubB := routeHub(t, ca, b, addrs[1], []string{addrs[0], addrs[2]}, &others, &logs)
	hubC := routeHub(t, ca, c, addrs[2], []string{addrs[0], addrs[1]}, &others, &logs)
	waitUntil(t, "the three hubs' routes", func() bool {
		return routedTo(t, hubA, b) && routedTo(t, hubA, c) && routedTo(t, hubB, c)
	})
	if !logHas(&logs, "admitted by the cluster CA (the ledger's keyring is not projected yet)", "hub="+a.ID, "key="+b.ID) {
		t.Fatalf("log:\n%s", logs.String())
	}

	node := func(s *events.Signer) *events.Key {
		return &events.Key{ID: s.ID, PublicKey: s.Public(), Roles: []events.Role{events.RoleLog}}
	}
	edge, _ := events.GenerateSigner()
	kr := keyringWith(node(a), node(b), node(c), &events.Key{ID: edge.ID, PublicKey: edge.Public(), Roles: []events.Role{events.RoleWitness}})
	others.Store(kr)
	aTrust.Store(kr)
	// An edge on hub a: cutting c's routes reloads a's options, which
	// must leave the edge's link alone.
	edgeTopo := Topology{Edge: true, Hubs: []string{"nats-leaf://" + leafAddr}, CA: leafCert}
	edgeOpts := &server.Options{}
	if err := edgeTopo.apply(edgeOpts, edge.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := edgeTopo.applyTLS(edgeOpts, edge, nil, nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	natsServer(t, edgeOpts)
	waitUntil(t, "the edge's link to hub a", func() bool { return hubA.NumLeafNodes() == 1 })
	leafID := leafIDs(t, hubA)
	waitUntil(t, "hub a to find the cluster's hubs registered", func() bool {
		return logHas(&logs, "from now on a route whose node key it does not name is refused", "hub="+a.ID)
	})

	revoked := kr.Clone()
	revoked.Keys[c.ID].RevokedSeq = 7
	start := time.Now()
	aTrust.Store(revoked)
	waitUntil(t, "hub a to close its routes with c", func() bool { return !routedTo(t, hubA, c) && !routedTo(t, hubC, a) })
	t.Logf("revocation to closed routes: %v (sweeps every 200 ms)", time.Since(start).Round(time.Millisecond))
	if !logHas(&logs, "closed a hub's routes: its node key is no longer trusted", "hub="+a.ID, "key="+c.ID, "reason=revoked") {
		t.Fatalf("log:\n%s", logs.String())
	}
	// c keeps dialing a, and a keeps dialing c (both are configured
	// routes): a refuses it both ways.
	refused := []string{"hub route refused: its node key is not trusted", "hub=" + a.ID, "key=" + c.ID, "reason=revoked"}
	waitUntil(t, "hub a to refuse c as listener and as dialer", func() bool {
		return logHas(&logs, append(refused, "remote=127.0.0.1:")...) && logHas(&logs, append(refused, "remote=\"dialed 127.0.0.1\"")...)
	})
	waitUntil(t, "hub c to log that a refused its node key", func() bool {
		return logHas(&logs, "another hub refused this hub's route", "hub="+c.ID, "key="+c.ID)
	})
	if routedTo(t, hubA, c) || routedTo(t, hubC, a) {
		t.Fatal("c is routed to a again")
	}
	if !routedTo(t, hubA, b) || !routedTo(t, hubB, c) {
		t.Fatal("a trusted route was cut with c's")
	}
	if got := leafIDs(t, hubA); got != leafID {
		t.Fatalf("the edge's link changed from %q to %q when c's routes were cut", leafID, got)
	}

	t.Run("NoTLS", func(t *testing.T) {
		var errs syncBuffer
		hubA.SetLogger(errorLog{&errs}, false, false)
		plain := &server.Options{ServerName: "plain", Cluster: server.ClusterOpts{Name: "c", Host: "127.0.0.1", Port: server.RANDOM_PORT}}
		u, _ := parseNATSURL("nats-route://"+addrs[0], "nats-route")
		plain.Routes = append(plain.Routes, u)
		natsServer(t, plain)
		waitUntil(t, "hub a to refuse a route without TLS", func() bool { return strings.Contains(errs.String(), "TLS") })
		rz, err := hubA.Routez(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rz.Routes {
			if r.RemoteName == "plain" {
				t.Fatalf("hub a routes to the server without TLS: %+v", r)
			}
		}
	})
	t.Run("TrustedHubRestarts", func(t *testing.T) {
		hubB.Shutdown()
		waitUntil(t, "b's routes to end", func() bool { return !routedTo(t, hubA, b) })
		hubB = routeHub(t, ca, b, addrs[1], []string{addrs[0], addrs[2]}, &others, &logs)
		waitUntil(t, "hub a to admit b back by its key", func() bool { return routedTo(t, hubA, b) && routedTo(t, hubB, a) })
		if routedTo(t, hubA, c) {
			t.Fatal("c came back with b")
		}
	})
	t.Run("NotInKeyring", func(t *testing.T) {
		e, _ := events.GenerateSigner()
		routeHub(t, ca, e, freePort(t), []string{addrs[0]}, &others, &logs)
		waitUntil(t, "hub a to refuse e", func() bool {
			return logHas(&logs, "hub route refused: its node key is not trusted", "hub="+a.ID, "key="+e.ID, "reason=\"not in the ledger's keyring\"")
		})
		if routedTo(t, hubA, e) {
			t.Fatal("a routes to e")
		}
	})
	t.Run("NoNodeRole", func(t *testing.T) {
		d, _ := events.GenerateSigner()
		withD := aTrust.Load().Clone()
		withD.Keys[d.ID] = &events.Key{ID: d.ID, PublicKey: d.Public(), Roles: []events.Role{events.RoleDeploy}}
		aTrust.Store(withD)
		routeHub(t, ca, d, freePort(t), []string{addrs[0]}, &others, &logs)
		waitUntil(t, "hub a to refuse d", func() bool {
			return logHas(&logs, "hub route refused: its node key is not trusted", "hub="+a.ID, "key="+d.ID, "reason=\"holds no node role")
		})
		if routedTo(t, hubA, d) {
			t.Fatal("a routes to d")
		}
	})
}
