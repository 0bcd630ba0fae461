package node

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/vault-runtime/vault/events"
)

// How an edge proves its node key to a hub.
//
// nats-server offers two places for it: the leaf CONNECT's nkey and nonce
// signature (RemoteLeafOpts.Nkey/SignatureCB), or a TLS client
// certificate. An edge presents a certificate whose public key is its
// ed25519 node key, so TLS 1.3's CertificateVerify proves possession
// inside the handshake that also authenticates the hub: the proof is bound
// to the encrypted session (a nonce signature is a second exchange inside
// it), TLS is required beyond loopback anyway, and a client without the
// certificate is turned away before it sends a byte of NATS protocol.
// (Routes carry no nkey at all; hubs prove theirs the same way: see
// routeauth.go.) The hub checks the key against
// the ledger's keyring when the leaf's CONNECT arrives (nats-server routes
// leaf connections through CustomClientAuthentication, so linkAuth sends
// them here by kind), and leafAuth.watch closes an admitted leaf whose
// key the ledger revokes.

// nodeRoles are the roles that mark a node key in the keyring: the
// events package has no role for nodes as such, and `vault keys add`
// needs one. A hub's key signs checkpoints (log); an edge's key verifies
// and cosigns them (witness). A key with only operator roles (deploy,
// activate, admin) may not run a leaf: a leaf connection is not bound by
// the client permissions (see keyringAuth), so it must be a node.
var nodeRoles = []events.Role{events.RoleWitness, events.RoleLog}

// nodeKeySigner lets crypto/x509 and crypto/tls sign with a node key
// without copying its private key out of the Signer's locked memory.
type nodeKeySigner struct{ s *events.Signer }

func (k nodeKeySigner) Public() crypto.PublicKey { return k.s.Public() }

func (k nodeKeySigner) Sign(_ io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != 0 {
		return nil, errors.New("node key: ed25519 signs the message itself, not a digest")
	}
	return k.s.Sign(msg), nil
}

// nodeCertificate is a self-signed certificate for the node key: what an
// edge presents to a hub's leaf listener. The hub trusts it for its key,
// which the ledger names, not for an issuer.
func nodeCertificate(s *events.Signer) (*tls.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "vault node " + s.ID},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	signer := nodeKeySigner{s}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: signer, Leaf: leaf}, nil
}

// loadCA reads the PEM certificates that issued the hubs' leaf and
// cluster certificates; "" means the system's roots.
func loadCA(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--nats-ca ($VAULT_NATS_CA): %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--nats-ca ($VAULT_NATS_CA) %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// leafServerTLS is a hub's leaf listener: its certificate, TLS 1.3, and
// a client certificate required of every edge, whose ed25519 key (not its
// issuer) leafAuth checks against the keyring.
func leafServerTLS(certFile, keyFile string) (*tls.Config, error) {
	cfg, err := serverTLS(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--leaf-cert/--leaf-key: %w", err)
	}
	cfg.ClientAuth = tls.RequireAnyClientCert
	cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		cert, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		if _, ok := cert.PublicKey.(ed25519.PublicKey); !ok {
			return errors.New("an edge presents its ed25519 node key as its certificate")
		}
		return nil
	}
	return cfg, nil
}

// leafClientTLS is an edge's side: it verifies the hub's certificate
// with the CA (the system's roots if none) and presents its node key.
func leafClientTLS(ca *x509.CertPool, nodeKey *events.Signer) (*tls.Config, error) {
	cert, err := nodeCertificate(nodeKey)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		RootCAs:    ca,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return cert, nil
		},
	}, nil
}

// linkAuth is the embedded server's one CustomClientAuthentication:
// nats-server sends both clients and accepted leaf connections through
// it. Leaf connections are the edges', which leafAuth checks; nil means
// the leaf listener has no TLS (loopback only), and they are admitted as
// before.
type linkAuth struct {
	clients server.Authentication // nil: clients are not authenticated
	leaf    *leafAuth
}

func (a linkAuth) Check(c server.ClientAuthentication) bool {
	if c.Kind() == server.LEAF {
		return a.leaf == nil || a.leaf.Check(c)
	}
	return a.clients == nil || a.clients.Check(c)
}

// leafAuth admits an edge whose TLS client certificate carries a node key
// the ledger trusts now, and remembers which key each leaf connection
// proved so that watch can close it when that key is revoked.
type leafAuth struct {
	trust func() *events.Keyring
	log   *slog.Logger

	mu    sync.Mutex
	links map[uint64]*leafLink // by NATS connection ID
}

type leafLink struct {
	key    string
	remote string
	// seen is set once the server lists the connection; sweeps counts
	// how long it has not, for a connection that failed after Check.
	seen   bool
	sweeps int
}

func newLeafAuth(trust func() *events.Keyring, log *slog.Logger) *leafAuth {
	return &leafAuth{trust: trust, log: log, links: map[uint64]*leafLink{}}
}

// notInKeyring is untrusted's reason for a key the keyring does not name.
const notInKeyring = "not in the ledger's keyring"

// untrusted says why the keyring does not admit key id as a node, or "".
func untrusted(kr *events.Keyring, id string) string {
	if kr == nil {
		return "no keyring yet"
	}
	k := kr.Keys[id]
	switch {
	case k == nil:
		return notInKeyring
	case k.Revoked():
		return "revoked"
	}
	for _, r := range nodeRoles {
		if k.Has(r) {
			return ""
		}
	}
	return "holds no node role (witness or log)"
}

func (a *leafAuth) Check(c server.ClientAuthentication) bool {
	remote := ""
	if addr := c.RemoteAddress(); addr != nil {
		remote = addr.String()
	}
	st := c.GetTLSConnectionState()
	if st == nil || len(st.PeerCertificates) == 0 {
		a.log.Warn("edge refused: no node certificate (leaf connections need TLS)", "remote", remote)
		return false
	}
	pub, ok := st.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		a.log.Warn("edge refused: its certificate's key is not an ed25519 node key", "remote", remote)
		return false
	}
	id := events.KeyID(pub)
	if why := untrusted(a.trust(), id); why != "" {
		a.log.Warn("edge refused: its node key is not trusted", "key", id, "reason", why, "remote", remote)
		return false
	}
	a.mu.Lock()
	a.links[c.GetID()] = &leafLink{key: id, remote: remote}
	a.mu.Unlock()
	a.log.Info("edge admitted", "key", id, "remote", remote)
	return true
}

// leafServer is what sweep needs of the NATS server.
type leafServer interface {
	DisconnectClientByID(id uint64) error
}

// sweep closes every admitted leaf connection whose key the keyring no
// longer trusts, and forgets the connections that ended. listed reports
// whether the server still holds connection cid.
func (a *leafAuth) sweep(ns leafServer, listed func(cid uint64) bool) {
	kr := a.trust()
	a.mu.Lock()
	defer a.mu.Unlock()
	for cid, l := range a.links {
		if why := untrusted(kr, l.key); why != "" {
			switch err := ns.DisconnectClientByID(cid); {
			case err == nil:
				a.log.Warn("closed an edge's leaf connection: its node key is no longer trusted", "key", l.key, "reason", why, "remote", l.remote)
				delete(a.links, cid)
			case l.seen || l.sweeps > 600:
				delete(a.links, cid) // it ended by itself
			default:
				l.sweeps++ // admitted but not registered yet: next sweep
			}
			continue
		}
		switch {
		case listed(cid):
			l.seen = true
		case l.seen, l.sweeps > 600: // ended, or never registered (2 minutes)
			delete(a.links, cid)
		default:
			l.sweeps++
		}
	}
}

// watch sweeps until stop is closed. The keyring changes when the
// projector applies a key event; a sweep is a map walk, so it runs
// every 200 ms rather than wiring a notification through the projector.
func (a *leafAuth) watch(ns *server.Server, stop <-chan struct{}) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	listed := func(cid uint64) bool { return ns.GetLeafNode(cid) != nil }
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			a.sweep(ns, listed)
		}
	}
}

// edgeNATSLogger is an edge's NATS log: a hub's refusal of the leaf
// connection, which NATS reports as an authorization violation, also
// says what the operator can do about it.
type edgeNATSLogger struct {
	natsLogger
	nodeKey string
}

func (l edgeNATSLogger) Errorf(format string, v ...any) {
	l.natsLogger.Errorf(format, v...)
	if msg := fmt.Sprintf(format, v...); strings.Contains(msg, "Leafnode Error") && strings.Contains(msg, "Authorization Violation") {
		l.log.Error("the hub refused this edge's node key: an admin trusts it with 'vault keys add PUBLIC-KEY --role witness' (the public key 'vault init --join' printed)", "key", l.nodeKey)
	}
}
