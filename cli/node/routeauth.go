package node

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vault-runtime/vault/events"
)

// How a hub admits the other hubs' routes.
//
// Each hub presents its cluster certificate, issued by the operator's CA
// for its node key (routecert.go), as the server and as the client of a
// route, and requires one from the other hub. The CA chain is checked
// first, always. Then routeAuth reads the node key the peer proved (TLS
// 1.3's CertificateVerify is its signature) and asks the ledger's keyring:
//
//   - no keyring projected yet (the cluster is forming: the ledger needs a
//     quorum of routed hubs before it can exist): the CA admits it;
//   - a node key the keyring trusts (witness or log, not revoked): admitted;
//   - a key the keyring revoked, or holding no node role: refused, on
//     whichever side of the route this hub is;
//   - a key the keyring does not name: admitted by the CA, with a warning
//     naming it, until the cluster is registered: until the keyring trusts
//     this hub's key and the keys of as many hubs it routed with as it has
//     --routes. From then on such a key is refused (and cut if it was
//     admitted before). Refusing those from the start would cut the hubs
//     of a new cluster apart the moment its keyring is projected, before
//     an admin could add their keys (which takes a quorum of them), and
//     the cluster would never get a writable ledger again. Counting only
//     hubs this hub routed with, whose keys the keyring trusts, keeps
//     edges' keys and unknown keys from ending the registration early: a
//     registered hub keeps routes with a quorum of trusted hubs.
//
// sweep (routecut.go) closes the routes of a key the keyring stops
// trusting.

// routeAuth admits route peers by their node keys, and remembers which
// keys it admitted so that sweep can cut them.
type routeAuth struct {
	trust   func() *events.Keyring // the projected keyring; nil while bootstrapping
	self    string                 // this hub's key ID
	hubs    int                    // the other hubs: its --routes
	log     *slog.Logger
	refusal *logThrottle // a refused hub redials every second

	mu         sync.Mutex
	peers      map[string]*routePeer // by key ID
	registered bool                  // the keyring names the cluster's hubs: see above
}

// routePeer is a key some route proved.
type routePeer struct {
	spki   []byte // its SubjectPublicKeyInfo, what nats-server pins
	logged string // the verdict last logged for it, to log each change once
}

// newRouteAuth admits routes for hub self, which has hubs other hubs in
// its --routes, against trust.
func newRouteAuth(trust func() *events.Keyring, self string, hubs int, log *slog.Logger) *routeAuth {
	return &routeAuth{trust: trust, self: self, hubs: hubs, log: log, refusal: newLogThrottle(time.Minute), peers: map[string]*routePeer{}}
}

// refuses says why the keyring kr refuses key id a route, or "": a key
// it does not name only once the cluster is registered. a.mu is held.
func (a *routeAuth) refuses(kr *events.Keyring, id string) string {
	why := untrusted(kr, id)
	if why == notInKeyring && !a.registeredIn(kr) {
		return ""
	}
	return why
}

// registeredIn says whether kr trusts this hub and as many of the hubs
// it routed with as it has routes, and once it does, says so for good.
// a.mu is held.
func (a *routeAuth) registeredIn(kr *events.Keyring) bool {
	if a.registered {
		return true
	}
	if untrusted(kr, a.self) != "" {
		return false
	}
	trusted := 0
	for id := range a.peers {
		if untrusted(kr, id) == "" {
			trusted++
		}
	}
	if trusted < a.hubs {
		return false
	}
	a.registered = true
	a.log.Info("the ledger's keyring trusts this hub and the hubs it routes with: from now on a route whose node key it does not name is refused", "trusted_hubs", trusted)
	return true
}

// refusedKey starts the error admit returns for a key it refuses, which
// NATS logs again (hubNATSLogger drops that copy).
const refusedKey = "node key "

// verdicts logged when a route is admitted.
const (
	admittedByCA      = "admitted by the cluster CA (the ledger's keyring is not projected yet)"
	admittedUnknown   = "admitted by the cluster CA: the ledger's keyring does not name its node key yet (an admin adds it with 'vault keys add PUBLIC-KEY --role log')"
	admittedByKeyring = "admitted: the ledger trusts its node key"
)

// admit is VerifyConnection on both sides of a route: the CA verified the
// chain already; the peer's key must be a node key the keyring does not
// distrust. remote names the peer for the log.
func (a *routeAuth) admit(cs tls.ConnectionState, remote string) error {
	if len(cs.PeerCertificates) == 0 {
		a.log.Warn("hub route refused: no cluster certificate", "remote", remote)
		return errors.New("a hub's route presents its cluster certificate")
	}
	cert := cs.PeerCertificates[0]
	pub, ok := cert.PublicKey.(ed25519.PublicKey)
	if !ok {
		// A hub still presenting a cluster certificate of its own key
		// (before node keys) redials every second too.
		if a.refusal.due("not ed25519 " + cert.Subject.String()) {
			a.log.Warn("hub route refused: its cluster certificate's key is not an ed25519 node key (issue it from 'vault keys csr')", "remote", remote, "subject", cert.Subject.String(), "repeats", "at most once a minute")
		}
		return errors.New("a hub's cluster certificate is issued for its ed25519 node key")
	}
	id := events.KeyID(pub)
	a.mu.Lock()
	defer a.mu.Unlock()
	verdict := admittedByCA
	if kr := a.trust(); kr != nil {
		if why := a.refuses(kr, id); why != "" {
			// Once a minute as listener and once as dialer.
			if a.refusal.due(id + why + fmt.Sprint(strings.HasPrefix(remote, "dialed "))) {
				a.log.Warn("hub route refused: its node key is not trusted", "key", id, "reason", why, "remote", remote, "repeats", "at most once a minute")
			}
			return fmt.Errorf("%s%s: %s", refusedKey, id, why)
		}
		verdict = admittedByKeyring
		if untrusted(kr, id) == notInKeyring {
			verdict = admittedUnknown
		}
	}
	p := a.peers[id]
	if p == nil {
		p = &routePeer{spki: cert.RawSubjectPublicKeyInfo}
		a.peers[id] = p
	}
	if p.logged != verdict {
		p.logged = verdict
		if verdict == admittedUnknown {
			a.log.Warn("hub route "+verdict, "key", id, "remote", remote)
		} else {
			a.log.Info("hub route "+verdict, "key", id, "remote", remote)
		}
	}
	return nil
}

// clusterTLS is a hub's route listener and dialer at once: it presents
// the hub's cluster certificate (its node key) both ways, requires the
// other hub's from the CA, and lets a admit the key it proves. As the
// listener it makes a configuration per connection, to name the peer's
// address in the log; as the dialer it is not told the address it
// dialed, and names the peer by its certificate's (verified) names.
func clusterTLS(certFile string, ca *x509.CertPool, nodeKey *events.Signer, a *routeAuth) (*tls.Config, error) {
	cert, err := loadNodeCertificate(certFile, nodeKey)
	if err != nil {
		return nil, fmt.Errorf("--cluster-cert: %w", err)
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{*cert},
		RootCAs:      ca,
		ClientCAs:    ca,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return a.admit(cs, dialed(cs))
		},
	}
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		remote := hello.Conn.RemoteAddr().String()
		c := cfg.Clone()
		c.GetConfigForClient = nil
		c.VerifyConnection = func(cs tls.ConnectionState) error { return a.admit(cs, remote) }
		return c, nil
	}
	return cfg, nil
}

// dialed names the peer of a route this hub dialed, for the log.
func dialed(cs tls.ConnectionState) string {
	var names []string
	if len(cs.PeerCertificates) > 0 {
		for _, ip := range cs.PeerCertificates[0].IPAddresses {
			names = append(names, ip.String())
		}
		names = append(names, cs.PeerCertificates[0].DNSNames...)
	}
	return "dialed " + strings.Join(names, ",")
}
