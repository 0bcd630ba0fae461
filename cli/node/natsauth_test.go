package node

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/vault-runtime/vault/events"
)

// fakeClient is a connecting NATS client as keyringAuth sees it.
type fakeClient struct {
	opts  server.ClientOpts
	nonce []byte
	user  *server.User
}

func (c *fakeClient) GetOpts() *server.ClientOpts                 { return &c.opts }
func (c *fakeClient) GetTLSConnectionState() *tls.ConnectionState { return nil }
func (c *fakeClient) RegisterUser(u *server.User)                 { c.user = u }
func (c *fakeClient) RemoteAddress() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}
}
func (c *fakeClient) GetNonce() []byte { return c.nonce }
func (c *fakeClient) Kind() int        { return server.CLIENT }
func (c *fakeClient) GetID() uint64    { return 1 }
func (c *fakeClient) signedBy(t *testing.T, s *events.Signer) *fakeClient {
	t.Helper()
	pub, err := nkeys.Encode(nkeys.PrefixByteUser, s.Public())
	if err != nil {
		t.Fatal(err)
	}
	c.opts.Nkey = string(pub)
	c.opts.Sig = base64.RawURLEncoding.EncodeToString(s.Sign(c.nonce))
	return c
}

func TestKeyringAuth(t *testing.T) {
	nodeKey, _ := events.GenerateSigner()
	trusted, _ := events.GenerateSigner()
	stranger, _ := events.GenerateSigner()
	kr := &events.Keyring{Keys: map[string]*events.Key{trusted.ID: {ID: trusted.ID, PublicKey: trusted.Public(), Roles: []events.Role{events.RoleDeploy}}}}
	auth := func(anonymous bool) *keyringAuth {
		return &keyringAuth{genesis: kr, node: nodeKey.Public(), anonymous: anonymous, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	}
	client := func() *fakeClient { return &fakeClient{nonce: []byte("server nonce")} }

	t.Run("NodeHasFullAccess", func(t *testing.T) {
		c := client().signedBy(t, nodeKey)
		if !auth(false).Check(c) || c.user == nil || c.user.Permissions != nil {
			t.Fatalf("node: user %+v", c.user)
		}
	})
	t.Run("TrustedKeyGetsClientPermissions", func(t *testing.T) {
		c := client().signedBy(t, trusted)
		if !auth(false).Check(c) || c.user.Permissions != clientPermissions {
			t.Fatalf("trusted key: user %+v", c.user)
		}
	})
	t.Run("ErrUntrustedKey", func(t *testing.T) {
		if auth(true).Check(client().signedBy(t, stranger)) {
			t.Fatal("a key the ledger does not trust was admitted")
		}
	})
	t.Run("ErrBadSignature", func(t *testing.T) {
		c := client().signedBy(t, trusted)
		c.nonce = []byte("another nonce")
		if auth(true).Check(c) {
			t.Fatal("a signature over another nonce was accepted")
		}
	})
	t.Run("AnonymousIsReadOnlyOnLoopback", func(t *testing.T) {
		c := client()
		if !auth(true).Check(c) || c.user.Permissions != anonymousPermissions {
			t.Fatalf("anonymous on loopback: user %+v", c.user)
		}
	})
	t.Run("ErrAnonymousBeyondLoopback", func(t *testing.T) {
		if auth(false).Check(client()) {
			t.Fatal("a client without a key was admitted on a listener beyond loopback")
		}
	})
	t.Run("RevokedKeyRefused", func(t *testing.T) {
		kr.Keys[trusted.ID].RevokedSeq = 7
		defer func() { kr.Keys[trusted.ID].RevokedSeq = 0 }()
		if auth(true).Check(client().signedBy(t, trusted)) {
			t.Fatal("a revoked key was admitted")
		}
	})
}

// TestClientPermissions pins what clients may do: nothing that changes a
// stream or answers for a node.
func TestClientPermissions(t *testing.T) {
	for _, p := range []*server.Permissions{clientPermissions, anonymousPermissions} {
		for _, subj := range p.Publish.Allow {
			for _, forbidden := range []string{"ledger.records", "$JS.API.STREAM.DELETE.LEDGER", "$JS.API.STREAM.UPDATE.LEDGER",
				"$JS.API.STREAM.PURGE.LEDGER", "vault.nodes.applied", "vault.logs.fn"} {
				if subjectMatches(subj, forbidden) {
					t.Errorf("publish allow %q lets clients publish to %s", subj, forbidden)
				}
			}
		}
		for _, subj := range p.Subscribe.Allow {
			for _, forbidden := range []string{"vault.api.control", "vault.api.ledger.append", "vault.api.node.vault-x.state"} {
				if subjectMatches(subj, forbidden) {
					t.Errorf("subscribe allow %q lets clients take %s", subj, forbidden)
				}
			}
		}
	}
	// Not even a trusted key writes the artifact store: it uploads
	// through the node, which never replaces an object.
	for name, p := range map[string]*server.Permissions{"trusted key": clientPermissions, "anonymous": anonymousPermissions} {
		for _, subj := range p.Publish.Allow {
			for _, forbidden := range []string{"$O.ARTIFACTS.M.x", "$O.ARTIFACTS.C.x", "$JS.API.STREAM.PURGE.OBJ_ARTIFACTS",
				"$JS.hub.API.STREAM.PURGE.OBJ_ARTIFACTS", "$JS.API.STREAM.MSG.DELETE.OBJ_ARTIFACTS"} {
				if subjectMatches(subj, forbidden) {
					t.Errorf("%s: publish allow %q lets it write the artifact store (%s)", name, subj, forbidden)
				}
			}
		}
	}
}

// subjectMatches reports whether NATS subject pattern p covers the
// literal subject s.
func subjectMatches(p, s string) bool { return server.SubjectsCollide(p, s) }
