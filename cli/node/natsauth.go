package node

import (
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector"
)

// natsSecurity is how the embedded NATS protects its client port.
type natsSecurity struct {
	TLS  *tls.Config           // nil: plain TCP
	Auth server.Authentication // nil: no authentication
}

// keyringAuth admits a NATS client that proves, by signing the server's
// nonce, that it holds a key the ledger trusts now (nkey = the key's
// ed25519 public key), and the node's own key. Trusted keys may use the
// node's APIs and read streams, but not publish to the ledger's subjects,
// write the artifact object store or change streams: appends and uploads
// go through the node's checks. On a loopback listener a client without a
// key is admitted too, read-only (anonymous), so `vault ls` needs no
// passphrase; its appends and control requests (an upload starts with
// one) still need a trusted signature, which the node checks.
type keyringAuth struct {
	genesis   *events.Keyring // until the projector runs
	proj      atomic.Pointer[projector.Projector]
	node      ed25519.PublicKey
	anonymous bool
	log       *slog.Logger
}

// keyring is the trust state now.
func (a *keyringAuth) keyring() *events.Keyring {
	if kr := a.projected(); kr != nil {
		return kr
	}
	return a.genesis
}

// projected is the keyring the projector holds, nil until it has
// projected one: a cluster's hubs route before their ledger exists, and
// until then their CA, not the genesis, vouches for them (routeAuth).
func (a *keyringAuth) projected() *events.Keyring {
	if p := a.proj.Load(); p != nil {
		if snap := p.Current(); snap != nil && snap.State != nil && snap.State.Keys != nil {
			return snap.State.Keys
		}
	}
	return nil
}

// natsSecurityFor checks what cfg asks of the NATS client port: beyond
// loopback, TLS and keyring authentication are required. Keyring
// authentication is the default; "none" leaves every local process free
// to delete streams and publish to the ledger's subjects, and says so.
func natsSecurityFor(cfg Config, genesis []byte, nodeKey *events.Signer, log *slog.Logger) (natsSecurity, *keyringAuth, error) {
	var sec natsSecurity
	host, _, err := net.SplitHostPort(cfg.NATSListen)
	if err != nil {
		return sec, nil, fmt.Errorf("--nats-listen %q: %w", cfg.NATSListen, err)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if !loopback {
		var missing []string
		if cfg.NATSCert == "" {
			missing = append(missing, "TLS (--nats-cert and --nats-key)")
		}
		if cfg.NATSAuth != "keyring" {
			missing = append(missing, "authentication (--nats-auth keyring)")
		}
		if len(missing) > 0 {
			return sec, nil, fmt.Errorf("--nats-listen %s is beyond loopback: refusing to expose the embedded NATS without %s",
				cfg.NATSListen, strings.Join(missing, " and "))
		}
	}
	if cfg.NATSCert != "" {
		if sec.TLS, err = serverTLS(cfg.NATSCert, cfg.NATSKey); err != nil {
			return sec, nil, err
		}
	}
	if cfg.NATSAuth == "none" {
		log.Warn("NATS client authentication is off (--nats-auth none): any local process can delete the ledger's streams or publish to its subjects")
		return sec, nil, nil
	}
	env, err := events.DecodeEnvelope(genesis)
	if err != nil {
		return sec, nil, fmt.Errorf("genesis: %w", err)
	}
	_, kr, err := events.VerifyGenesis(env)
	if err != nil {
		return sec, nil, fmt.Errorf("genesis: %w", err)
	}
	auth := &keyringAuth{genesis: kr, node: nodeKey.Public(), anonymous: loopback, log: log}
	sec.Auth = auth
	return sec, auth, nil
}

// readSubjects are what every client may publish to: requests to the
// node's APIs (appends and control requests carry their own signatures,
// which the node checks), its inbox, and JetStream's read APIs (stream
// info, consumer create/info/next, direct gets), in the node's own
// JetStream domain and in a hub's (an edge's clients read there). No
// stream's subjects, no stream changes.
var readSubjects = []string{"vault.api.>", "_INBOX.>", "$JS.ACK.>", "$JS.FC.>",
	"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
	"$JS.API.STREAM.MSG.GET.>", "$JS.API.DIRECT.GET.>", "$JS.API.CONSUMER.>",
	"$JS.*.API.INFO", "$JS.*.API.STREAM.INFO.>", "$JS.*.API.STREAM.NAMES", "$JS.*.API.STREAM.LIST",
	"$JS.*.API.STREAM.MSG.GET.>", "$JS.*.API.DIRECT.GET.>", "$JS.*.API.CONSUMER.>"}

// clientSubscribe is what a client may subscribe to: its inboxes and the
// nodes' announcements (activate --wait). Not the node APIs' subjects, so
// no client can answer a request in a node's place or read another
// client's control requests.
var clientSubscribe = &server.SubjectPermission{Allow: []string{"_INBOX.>", AppliedSubject}}

// clientPermissions are those of every trusted key but the node's: the
// read subjects, as for a client without a key (what a key may do beyond
// that, the node decides per signed request). Not the artifact object
// store's subjects ($O.ARTIFACTS.>): a client could replace an object
// there, so artifacts are uploaded through the node (artifact_serve.go),
// which writes an object only if it is absent.
var clientPermissions = &server.Permissions{
	Publish:   &server.SubjectPermission{Allow: slices.Clone(readSubjects)},
	Subscribe: clientSubscribe,
}

// anonymousPermissions are those of a client without a key on a loopback
// listener: reading, and requests whose signatures the node checks.
var anonymousPermissions = &server.Permissions{
	Publish:   &server.SubjectPermission{Allow: readSubjects},
	Subscribe: clientSubscribe,
}

func (a *keyringAuth) Check(c server.ClientAuthentication) bool {
	opts := c.GetOpts()
	if c.Kind() == server.LEAF {
		// An edge's leaf connection (the leaf listener is loopback-only
		// unless it has its own TLS and authentication): as before.
		c.RegisterUser(&server.User{Username: "leaf"})
		return true
	}
	if opts.Nkey == "" && a.anonymous {
		c.RegisterUser(&server.User{Username: "anonymous", Permissions: anonymousPermissions})
		return true
	}
	pub, err := nkeys.Decode(nkeys.PrefixByteUser, []byte(opts.Nkey))
	if err != nil {
		a.log.Warn("NATS client without a key refused", "remote", c.RemoteAddress())
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(opts.Sig)
	if err != nil {
		sig, err = base64.StdEncoding.DecodeString(opts.Sig)
	}
	if err != nil || !ed25519.Verify(pub, c.GetNonce(), sig) {
		a.log.Warn("NATS client with a bad nonce signature refused", "remote", c.RemoteAddress())
		return false
	}
	if ed25519.PublicKey(pub).Equal(a.node) {
		c.RegisterUser(&server.User{Username: "node"})
		return true
	}
	id := events.KeyID(pub)
	k := a.keyring().Keys[id]
	if k == nil || k.Revoked() {
		a.log.Warn("NATS client key not trusted by the ledger", "key", id, "remote", c.RemoteAddress())
		return false
	}
	c.RegisterUser(&server.User{Username: id, Permissions: clientPermissions})
	return true
}

// serverTLS loads the NATS listener's certificate; TLS 1.3 only.
func serverTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("NATS TLS: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}, nil
}

// NkeyOption signs the server's nonce with s.
func NkeyOption(s *events.Signer) (nats.Option, error) {
	pub, err := nkeys.Encode(nkeys.PrefixByteUser, s.Public())
	if err != nil {
		return nil, err
	}
	return nats.Nkey(string(pub), func(nonce []byte) ([]byte, error) { return s.Sign(nonce), nil }), nil
}
