package node

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/vault-runtime/vault/events"
)

// testHubCert writes a self-signed certificate for 127.0.0.1 (its own CA)
// and returns its files and a pool holding it.
func testHubCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// handshake runs a TLS handshake over a pipe and returns what the server
// saw and each side's error.
func handshake(t *testing.T, srv, cli *tls.Config) (tls.ConnectionState, error, error) {
	t.Helper()
	// TCP, not net.Pipe: a side that fails mid-flight writes an alert
	// while the other is still writing, which an unbuffered pipe deadlocks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cli = cli.Clone()
	cli.ServerName = "127.0.0.1"
	s, c := tls.Server(a, srv), tls.Client(b, cli)
	cerr := make(chan error, 1)
	go func() {
		err := c.Handshake()
		if err == nil {
			// TLS 1.3 sends the server's verdict on the client
			// certificate after the client's Finished: read it.
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = c.Read(make([]byte, 1))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = nil
			}
		}
		cerr <- err
		b.Close()
	}()
	serr := s.Handshake()
	if serr != nil {
		a.Close()
	}
	st := s.ConnectionState()
	return st, serr, <-cerr
}

// An edge's leaf TLS: the hub sees the edge's node key as its peer's
// certificate key (TLS 1.3 proved possession), the edge verifies the hub
// with the CA; without a node certificate, or with a CA that did not
// issue the hub's, there is no connection.
func TestLeafTLSProvesTheNodeKey(t *testing.T) {
	certFile, keyFile, pool := testHubCert(t)
	srv, err := leafServerTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	node, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := leafClientTLS(pool, node)
	if err != nil {
		t.Fatal(err)
	}
	st, serr, cerr := handshake(t, srv, cli)
	if serr != nil || cerr != nil {
		t.Fatalf("handshake: server %v, client %v", serr, cerr)
	}
	if st.Version != tls.VersionTLS13 {
		t.Fatalf("TLS version %x, want 1.3", st.Version)
	}
	pub, ok := st.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok || !pub.Equal(node.Public()) {
		t.Fatalf("the hub saw key %v, want the node key %x", st.PeerCertificates[0].PublicKey, node.Public())
	}

	t.Run("NoNodeCertificate", func(t *testing.T) {
		plain := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool}
		if _, serr, cerr := handshake(t, srv, plain); serr == nil || cerr == nil {
			t.Fatalf("a client without a certificate got through: server %v, client %v", serr, cerr)
		}
	})
	t.Run("NotAnEd25519Key", func(t *testing.T) {
		// The hub's own (ECDSA) certificate as a client certificate.
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		other := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool, Certificates: []tls.Certificate{pair}}
		if _, serr, _ := handshake(t, srv, other); serr == nil || !strings.Contains(serr.Error(), "ed25519") {
			t.Fatalf("a client certificate without an ed25519 key: server error %v", serr)
		}
	})
	t.Run("HubNotFromTheCA", func(t *testing.T) {
		_, _, otherPool := testHubCert(t)
		wrong, err := leafClientTLS(otherPool, node)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, cerr := handshake(t, srv, wrong); cerr == nil || !strings.Contains(cerr.Error(), "certificate") {
			t.Fatalf("the edge accepted a hub its CA did not issue: %v", cerr)
		}
	})
}

// fakeConn is what nats-server hands an authenticator.
type fakeConn struct {
	kind int
	id   uint64
	tls  *tls.ConnectionState
}

func (c *fakeConn) GetOpts() *server.ClientOpts                 { return &server.ClientOpts{} }
func (c *fakeConn) GetTLSConnectionState() *tls.ConnectionState { return c.tls }
func (c *fakeConn) RegisterUser(*server.User)                   {}
func (c *fakeConn) RemoteAddress() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(10, 99, 0, 2), Port: 40000}
}
func (c *fakeConn) GetNonce() []byte { return nil }
func (c *fakeConn) Kind() int        { return c.kind }
func (c *fakeConn) GetID() uint64    { return c.id }

// leafConn is a leaf connection whose TLS peer presented s's node key.
func leafConn(t *testing.T, id uint64, s *events.Signer) *fakeConn {
	t.Helper()
	cert, err := nodeCertificate(s)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeConn{kind: server.LEAF, id: id, tls: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert.Leaf}}}
}

func keyringWith(keys ...*events.Key) *events.Keyring {
	kr := &events.Keyring{Keys: map[string]*events.Key{}}
	for _, k := range keys {
		kr.Keys[k.ID] = k
	}
	return kr
}

func TestLeafAuthAdmitsNodeKeysTheLedgerTrusts(t *testing.T) {
	node, _ := events.GenerateSigner()
	key := func(roles []events.Role, revoked uint64) *events.Key {
		return &events.Key{ID: node.ID, PublicKey: node.Public(), Roles: roles, RevokedSeq: revoked}
	}
	for _, tc := range []struct {
		name   string
		kr     *events.Keyring
		conn   *fakeConn
		admit  bool
		reason string
	}{
		{"Witness", keyringWith(key([]events.Role{events.RoleWitness}, 0)), nil, true, ""},
		{"Log", keyringWith(key([]events.Role{events.RoleLog, events.RoleDeploy}, 0)), nil, true, ""},
		{"OperatorRolesOnly", keyringWith(key([]events.Role{events.RoleDeploy, events.RoleAdmin}, 0)), nil, false, "holds no node role"},
		{"Revoked", keyringWith(key([]events.Role{events.RoleWitness}, 7)), nil, false, "reason=revoked"},
		{"Unknown", keyringWith(), nil, false, "not in the ledger's keyring"},
		{"NoTLS", keyringWith(key([]events.Role{events.RoleWitness}, 0)), &fakeConn{kind: server.LEAF, id: 1}, false, "no node certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			a := newLeafAuth(func() *events.Keyring { return tc.kr }, slog.New(slog.NewTextHandler(&logs, nil)))
			conn := tc.conn
			if conn == nil {
				conn = leafConn(t, 1, node)
			}
			if got := a.Check(conn); got != tc.admit {
				t.Fatalf("Check = %v, want %v; log:\n%s", got, tc.admit, logs.String())
			}
			if !tc.admit && !strings.Contains(logs.String(), tc.reason) {
				t.Fatalf("the refusal does not say %q:\n%s", tc.reason, logs.String())
			}
			if _, held := a.links[1]; held != tc.admit {
				t.Fatalf("link remembered = %v, want %v", held, tc.admit)
			}
		})
	}
}

// fakeLeafServer records what sweep closes.
type fakeLeafServer struct {
	closed []uint64
	known  map[uint64]bool
}

func (s *fakeLeafServer) DisconnectClientByID(id uint64) error {
	if !s.known[id] {
		return errors.New("no such client or leafnode id")
	}
	s.closed = append(s.closed, id)
	delete(s.known, id)
	return nil
}

// Revoking a key closes the leaf connections that proved it, once, and
// no other; a connection that ended is forgotten.
func TestLeafAuthSweepClosesRevokedLinks(t *testing.T) {
	a1, _ := events.GenerateSigner()
	a2, _ := events.GenerateSigner()
	a3, _ := events.GenerateSigner()
	witness := func(s *events.Signer) *events.Key {
		return &events.Key{ID: s.ID, PublicKey: s.Public(), Roles: []events.Role{events.RoleWitness}}
	}
	kr := keyringWith(witness(a1), witness(a2), witness(a3))
	var logs bytes.Buffer
	a := newLeafAuth(func() *events.Keyring { return kr }, slog.New(slog.NewTextHandler(&logs, nil)))
	for i, s := range []*events.Signer{a1, a2, a3} {
		if !a.Check(leafConn(t, uint64(i+1), s)) {
			t.Fatalf("edge %d refused", i+1)
		}
	}
	ns := &fakeLeafServer{known: map[uint64]bool{1: true, 2: true, 3: true}}
	listed := func(cid uint64) bool { return ns.known[cid] }
	a.sweep(ns, listed)
	if len(ns.closed) != 0 {
		t.Fatalf("closed %v while every key is trusted", ns.closed)
	}
	delete(ns.known, 3) // edge 3 went away by itself
	a.sweep(ns, listed)

	kr = kr.Clone()
	kr.Keys[a1.ID].RevokedSeq = 9
	kr.Keys[a3.ID].RevokedSeq = 9
	a.sweep(ns, listed)
	a.sweep(ns, listed)
	if len(ns.closed) != 1 || ns.closed[0] != 1 {
		t.Fatalf("closed %v, want [1] (edge 2 is trusted, edge 3 had gone)", ns.closed)
	}
	if !strings.Contains(logs.String(), "key="+a1.ID) || strings.Contains(logs.String(), "no longer trusted\" key="+a3.ID) {
		t.Fatalf("log:\n%s", logs.String())
	}
	if len(a.links) != 1 || a.links[2] == nil {
		t.Fatalf("links left: %v, want edge 2's", a.links)
	}
}

// nats-server sends accepted leaf connections through the client
// authentication: linkAuth gives them to leafAuth, clients to the
// keyring's authenticator; without leafAuth (no leaf TLS) leaves pass.
func TestLinkAuthSendsLeavesToLeafAuth(t *testing.T) {
	node, _ := events.GenerateSigner()
	var clients int
	la := newLeafAuth(func() *events.Keyring { return keyringWith() }, slog.New(slog.DiscardHandler))
	auth := linkAuth{clients: countingAuth{&clients}, leaf: la}
	if auth.Check(leafConn(t, 1, node)) {
		t.Fatal("an untrusted leaf passed linkAuth")
	}
	if !auth.Check(&fakeConn{kind: server.CLIENT}) || clients != 1 {
		t.Fatalf("a client did not go to the client authentication (%d calls)", clients)
	}
	if clients != 1 {
		t.Fatalf("the leaf went to the client authentication too")
	}
	if !(linkAuth{clients: countingAuth{&clients}}).Check(leafConn(t, 2, node)) || clients != 1 {
		t.Fatal("without leaf TLS, a leaf should pass as before (loopback only)")
	}
}

type countingAuth struct{ n *int }

func (c countingAuth) Check(server.ClientAuthentication) bool { *c.n++; return true }

func TestTopologyTLSValidate(t *testing.T) {
	t.Setenv("VAULT_NATS_CA", "")
	hub := "nats-leaf://10.0.0.1:7422"
	for _, tc := range []struct {
		name string
		t    Topology
		want string // "" for no error
	}{
		{"LeafLoopbackPlain", Topology{LeafListen: "127.0.0.1:7422"}, ""},
		{"LeafBeyondLoopbackPlain", Topology{LeafListen: "10.0.0.1:7422"}, "--leaf-listen 10.0.0.1:7422 is beyond loopback: refusing to accept edges without TLS and node-key authentication (add --leaf-cert and --leaf-key)"},
		{"LeafBeyondLoopbackTLS", Topology{LeafListen: "10.0.0.1:7422", LeafCert: "c", LeafKey: "k"}, ""},
		{"LeafCertWithoutKey", Topology{LeafListen: "10.0.0.1:7422", LeafCert: "c"}, "--leaf-cert and --leaf-key go together"},
		{"LeafCertWithoutListener", Topology{LeafCert: "c", LeafKey: "k"}, "are for a hub's --leaf-listen"},
		{"ClusterBeyondLoopbackPlain", Topology{ClusterListen: "10.0.0.1:6222", Routes: []string{"nats-route://10.0.0.2:6222"}}, "--cluster-listen 10.0.0.1:6222 is beyond loopback: refusing to join hubs without mutual TLS and node keys (add --cluster-cert and --nats-ca)"},
		{"RouteBeyondLoopbackPlain", Topology{ClusterListen: "127.0.0.1:6222", Routes: []string{"nats-route://10.0.0.2:6222"}}, "--routes nats-route://10.0.0.2:6222 is beyond loopback"},
		{"ClusterTLSWithoutCA", Topology{ClusterListen: "10.0.0.1:6222", Routes: []string{"nats-route://10.0.0.2:6222"}, ClusterCert: "c"}, "--cluster-cert needs --nats-ca"},
		{"ClusterKeyRefused", Topology{ClusterListen: "10.0.0.1:6222", Routes: []string{"nats-route://10.0.0.2:6222"}, ClusterCert: "c", ClusterKey: "k", CA: "ca"}, "--cluster-key is not used any more"},
		{"ClusterCertWithoutListener", Topology{ClusterCert: "c", CA: "ca"}, "--cluster-cert is for a hub's --cluster-listen"},
		{"ClusterTLS", Topology{ClusterListen: "10.0.0.1:6222", Routes: []string{"nats-route://10.0.0.2:6222"}, ClusterCert: "c", CA: "ca"}, ""},
		{"EdgeToRemoteHub", Topology{Edge: true, Hubs: []string{hub}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.t.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("validate: %v, want %q", err, tc.want)
			}
		})
	}
	if !(Topology{Edge: true, Hubs: []string{hub}}).edgeTLS() {
		t.Error("an edge whose hub is beyond loopback must dial it over TLS")
	}
	if (Topology{Edge: true, Hubs: []string{"nats-leaf://127.0.0.1:7422"}}).edgeTLS() {
		t.Error("an edge of a loopback hub without --nats-ca dials in plain TCP, as before")
	}
	if !(Topology{Edge: true, Hubs: []string{"nats-leaf://127.0.0.1:7422"}, CA: "ca.pem"}).edgeTLS() {
		t.Error("an edge with --nats-ca dials over TLS")
	}
	t.Setenv("VAULT_NATS_CA", "client-ca.pem")
	loopEdge := Topology{Edge: true, Hubs: []string{"nats-leaf://127.0.0.1:7422"}}
	if loopEdge.edgeTLS() || loopEdge.caFile() != "client-ca.pem" {
		t.Errorf("$VAULT_NATS_CA supplies the CA (%q) but must not turn TLS on for a loopback hub (%v)", loopEdge.caFile(), loopEdge.edgeTLS())
	}
	shared := Topology{ClusterListen: "10.0.0.1:6222", Routes: []string{"nats-route://10.0.0.1:6222", "nats-route://10.0.0.2:6222", "nats-route://10.0.0.3:6222"}}
	if n := shared.otherHubs(); n != 2 {
		t.Errorf("routes shared by every hub, this one's included: %d other hubs, want 2", n)
	}
	clustered := Topology{ClusterListen: "10.0.0.1:6222", Routes: []string{"nats-route://10.0.0.2:6222"}, ClusterCert: "c"}
	if err := clustered.Validate(); err != nil {
		t.Errorf("cluster TLS with $VAULT_NATS_CA as its CA: %v", err)
	}
}

// natsServer runs an embedded NATS server on loopback for a test.
func natsServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	opts.Host, opts.Port, opts.NoLog, opts.NoSigs = "127.0.0.1", server.RANDOM_PORT, true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	return ns
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Through nats-server itself: an edge's leaf connection over TLS is
// admitted for its trusted node key, closed when the key is revoked, and
// refused when it comes back.
func TestLeafLinkThroughNATSServer(t *testing.T) {
	certFile, keyFile, _ := testHubCert(t)
	node, _ := events.GenerateSigner()
	var kr atomic.Pointer[events.Keyring]
	kr.Store(keyringWith(&events.Key{ID: node.ID, PublicKey: node.Public(), Roles: []events.Role{events.RoleWitness}}))
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	leafAddr := freePort(t)
	hubTopo := Topology{LeafListen: leafAddr, LeafCert: certFile, LeafKey: keyFile}
	hubOpts := &server.Options{}
	if err := hubTopo.apply(hubOpts, "hub"); err != nil {
		t.Fatal(err)
	}
	hubKey, _ := events.GenerateSigner()
	g, err := hubTopo.applyTLS(hubOpts, hubKey, kr.Load, kr.Load, log)
	la := g.leaf
	if err != nil || la == nil || g.routes != nil {
		t.Fatalf("applyTLS: %+v, %v", g, err)
	}
	hubOpts.CustomClientAuthentication = linkAuth{leaf: la}
	hub := natsServer(t, hubOpts)
	stop := make(chan struct{})
	defer close(stop)
	go la.watch(hub, stop)

	edgeTopo := Topology{Edge: true, Hubs: []string{"nats-leaf://" + leafAddr}, CA: certFile}
	edgeOpts := &server.Options{}
	if err := edgeTopo.apply(edgeOpts, node.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := edgeTopo.applyTLS(edgeOpts, node, nil, nil, log); err != nil {
		t.Fatal(err)
	}
	linking := time.Now()
	natsServer(t, edgeOpts)
	waitUntil(t, "the edge's leaf connection", func() bool { return hub.NumLeafNodes() == 1 })
	t.Logf("edge start to admitted leaf link (TLS 1.3, node key checked): %v", time.Since(linking).Round(time.Millisecond))
	if !strings.Contains(logs.String(), "edge admitted") {
		t.Fatalf("log:\n%s", logs.String())
	}

	revoked := kr.Load().Clone()
	revoked.Keys[node.ID].RevokedSeq = 5
	kr.Store(revoked)
	start := time.Now()
	waitUntil(t, "the revoked edge's link to close", func() bool { return hub.NumLeafNodes() == 0 })
	t.Logf("revocation to closed link: %v (sweeps every 200 ms)", time.Since(start).Round(time.Millisecond))
	waitUntil(t, "the revoked edge's reconnection to be refused", func() bool {
		return strings.Contains(logs.String(), "edge refused: its node key is not trusted")
	})
	if hub.NumLeafNodes() != 0 {
		t.Fatal("the revoked edge is linked again")
	}
}

// errorLog keeps a NATS server's errors.
type errorLog struct{ w io.Writer }

func (l errorLog) Noticef(string, ...any) {}
func (l errorLog) Warnf(string, ...any)   {}
func (l errorLog) Fatalf(f string, a ...any) {
	fmt.Fprintf(l.w, f+"\n", a...)
}
func (l errorLog) Errorf(f string, a ...any) {
	fmt.Fprintf(l.w, f+"\n", a...)
}
func (l errorLog) Debugf(string, ...any) {}
func (l errorLog) Tracef(string, ...any) {}

// freePort reserves a loopback port and releases it: NATS needs a
// concrete cluster or leaf port to dial.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// An edge's log says what to do when the hub refuses its key, and only then.
func TestEdgeNATSLoggerExplainsARefusal(t *testing.T) {
	var logs bytes.Buffer
	l := edgeNATSLogger{natsLogger{slog.New(slog.NewTextHandler(&logs, nil))}, "0123456789abcdef"}
	l.Errorf("%s - lid:%d - Leafnode Error %q", "10.99.0.1:7422", 6, "Authorization Violation")
	if !strings.Contains(logs.String(), "the hub refused this edge's node key") || !strings.Contains(logs.String(), "key=0123456789abcdef") ||
		!strings.Contains(logs.String(), "Authorization Violation") {
		t.Fatalf("log:\n%s", logs.String())
	}
	logs.Reset()
	l.Errorf("%s - lid:%d - Leafnode Error %q", "10.99.0.1:7422", 6, "Stale Connection")
	if strings.Contains(logs.String(), "refused this edge") {
		t.Fatalf("a stale connection is not a refusal:\n%s", logs.String())
	}
}

// Leaf and cluster TLS check node keys against the keyring: without it
// (--nats-auth none) a hub refuses to start, naming the flag.
func TestLinkTLSNeedsTheKeyring(t *testing.T) {
	certFile, keyFile, _ := testHubCert(t)
	node, _ := events.GenerateSigner()
	for _, tc := range []struct {
		t    Topology
		want string
	}{
		{Topology{LeafListen: "127.0.0.1:7422", LeafCert: certFile, LeafKey: keyFile}, "--leaf-cert: edges prove node keys"},
		{Topology{ClusterListen: "127.0.0.1:6222", Routes: []string{"nats-route://127.0.0.1:6223"}, ClusterCert: certFile, CA: certFile}, "--cluster-cert: hubs prove node keys"},
	} {
		if _, err := tc.t.applyTLS(&server.Options{}, node, nil, nil, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v without a keyring: %v, want %q", tc.t, err, tc.want)
		}
	}
}

// $VAULT_NATS_CA is read only by a node that needs a CA: set for the CLI
// to a file the node cannot read, it does not stop a plain loopback hub.
func TestApplyTLSReadsTheCAOnlyWhenNeeded(t *testing.T) {
	t.Setenv("VAULT_NATS_CA", filepath.Join(t.TempDir(), "missing.pem"))
	hub := Topology{LeafListen: "127.0.0.1:7422"}
	if g, err := hub.applyTLS(&server.Options{}, nil, nil, nil, slog.New(slog.DiscardHandler)); err != nil || g.leaf != nil || g.routes != nil {
		t.Fatalf("plain loopback hub: %+v, %v", g, err)
	}
	node, _ := events.GenerateSigner()
	edge := Topology{Edge: true, Hubs: []string{"nats-leaf://10.0.0.1:7422"}}
	opts := &server.Options{}
	if err := edge.apply(opts, node.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := edge.applyTLS(opts, node, nil, nil, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("an edge of a remote hub with an unreadable CA: %v", err)
	}
}
