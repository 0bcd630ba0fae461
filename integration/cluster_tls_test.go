package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/ledger"
)

// clusterCA is the operator's CA for the hubs' cluster certificates: it
// signs the requests `vault keys csr` prints.
type clusterCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // --nats-ca
	dir  string
}

func newClusterCA(t testing.TB, dir string) *clusterCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vault test cluster CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &clusterCA{cert: cert, key: key, file: filepath.Join(dir, "cluster-ca.pem"), dir: dir}
	ca.write(t, ca.file, der)
	return ca
}

func (ca *clusterCA) write(t testing.TB, file string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// sign issues name's cluster certificate from its PEM request, for the
// names it asks for, with the serverAuth and clientAuth usages; it
// returns the certificate's file.
func (ca *clusterCA) sign(t *testing.T, name, csrPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("vault keys csr printed no PEM certificate request:\n%s", csrPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("%s's certificate request: %v", name, err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: csr.Subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: csr.IPAddresses, DNSNames: csr.DNSNames, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(ca.dir, name+"-cluster.pem")
	ca.write(t, file, der)
	return file
}

// Three hubs route over TLS with cluster certificates the operator's CA
// issued from `vault keys csr`, so each route proves a hub's node key.
// The CA admits them while the cluster forms; an admin then adds the
// joined hubs' keys, which registers the cluster: each hub refuses keys
// the keyring does not name from then on. Revoking hub3's key closes its routes on both other
// hubs, which refuse it from then on (hub3 says so too), and the two go
// on serving deploys.
func TestClusterRoutesProveNodeKeys(t *testing.T) {
	s := newSite(t)
	names := []string{"hub", "hub2", "hub3"}
	_, pub2 := s.join("hub2")
	id3, pub3 := s.join("hub3")
	ca := newClusterCA(t, s.e.root)
	certs := map[string]string{}
	for _, name := range names {
		certs[name] = ca.sign(t, name, s.e.mustVault("", "keys", "csr", "--data", s.dir(name), "--ip", "127.0.0.1"))
	}
	start := time.Now()
	hubs, _ := s.clusterWith(t, names, func(name string) []string {
		return []string{"--cluster-cert", certs[name], "--nats-ca", ca.file}
	})
	t.Logf("three hubs with node-key cluster certificates ready in %v", time.Since(start).Round(time.Millisecond))
	for i, h := range hubs {
		if logLines(h, "embedded NATS ready", "cluster_tls=true") != 1 || logLines(h, "hub route admitted by the cluster CA (the ledger's keyring is not projected yet)") == 0 {
			t.Fatalf("%s did not route over TLS, admitted by the CA:\n%s", names[i], h.stderr)
		}
	}

	vault := func(args ...string) string { return s.e.mustVault(hubs[0].server(), args...) }
	vault("keys", "add", pub2, "--role", "log")
	vault("keys", "add", pub3, "--role", "log")
	for i, h := range hubs {
		waitFor(t, 20*time.Second, names[i]+" to find the hubs registered", func() bool {
			return logLines(h, "from now on a route whose node key it does not name is refused") == 1
		})
	}
	vault("deploy", s.greeter("one"))
	vault("activate", "greet@v1")
	for _, h := range hubs {
		waitServes(t, h, "/greet", "greetings one", 10*time.Second)
	}

	vault("keys", "revoke", id3)
	revoked := time.Now()
	for i, h := range hubs[:2] {
		waitFor(t, 20*time.Second, names[i]+" to close hub3's routes", func() bool {
			return logLines(h, "closed a hub's routes: its node key is no longer trusted", "key="+id3, "reason=revoked") > 0
		})
		t.Logf("%s closed hub3's routes %v after the revocation was acknowledged", names[i], time.Since(revoked).Round(time.Millisecond))
	}
	for i, h := range hubs[:2] {
		waitFor(t, 20*time.Second, names[i]+" to refuse hub3 coming back", func() bool {
			return logLines(h, "hub route refused: its node key is not trusted", "key="+id3, "reason=revoked") > 0
		})
	}
	hubs[2].waitLog(t, "another hub refused this hub's route")

	// The streams hub3 led elect new leaders among the other two.
	waitLeaders(t, hubs[0], "vault-"+id3, ledger.StreamName, "OBJ_"+ledger.ArtifactBucket)
	vault("deploy", s.greeter("two"))
	vault("activate", "greet@v2")
	for _, h := range hubs[:2] {
		waitServes(t, h, "/greet", "greetings two", 10*time.Second)
	}
}

// Hubs on two machines: the genesis hub in one network namespace, hub2
// and hub3 in another, joined by a veth pair, so every route between the
// genesis hub and the others crosses a real (virtual) link, over TLS,
// with certificates for the hubs' veth addresses. Revoking hub3's key
// cuts it off on both sides of the link; a deploy on the genesis hub is
// served by hub2 across it.
func TestHubsAcrossNetworkNamespaces(t *testing.T) {
	s := newSite(t)
	hubNS, otherNS := netnsPair(t)
	s.netns = map[string]string{"hub": hubNS, "hub2": otherNS, "hub3": otherNS}
	_, pub2 := s.join("hub2")
	id3, pub3 := s.join("hub3")
	ca := newClusterCA(t, s.e.root)
	type hub struct{ name, ip, cluster, h2c, nats string }
	hubs := []hub{
		{"hub", netnsHubIP, netnsHubIP + ":6222", "127.0.0.1:8080", "127.0.0.1:4222"},
		{"hub2", netnsEdgeIP, netnsEdgeIP + ":6222", "127.0.0.1:8082", "127.0.0.1:4223"},
		{"hub3", netnsEdgeIP, netnsEdgeIP + ":6223", "127.0.0.1:8083", "127.0.0.1:4224"},
	}
	var starting []*launching
	for _, h := range hubs {
		cert := ca.sign(t, h.name, s.e.mustVault("", "keys", "csr", "--data", s.dir(h.name), "--ip", h.ip))
		var routes []string
		for _, o := range hubs {
			if o.name != h.name {
				routes = append(routes, "nats-route://"+o.cluster)
			}
		}
		starting = append(starting, s.launch(h.name, h.h2c, h.nats, "--cluster-listen", h.cluster, "--routes", strings.Join(routes, ","),
			"--cluster-name", "vault", "--cluster-cert", cert, "--nats-ca", ca.file))
	}
	var nodes []*node
	for _, l := range starting {
		nodes = append(nodes, l.wait(t, 90*time.Second))
	}
	hubVault := func(args ...string) string { return s.e.mustVaultIn(hubNS, nodes[0].server(), args...) }
	hubVault("keys", "add", pub2, "--role", "log")
	hubVault("keys", "add", pub3, "--role", "log")
	waitFor(t, 20*time.Second, "the genesis hub to admit hub2 by its key from "+netnsEdgeIP, func() bool {
		return logLines(nodes[0], "from now on a route whose node key it does not name is refused") == 1
	})

	hubVault("keys", "revoke", id3)
	for i, n := range nodes[:2] {
		waitFor(t, 20*time.Second, hubs[i].name+" to close hub3's routes", func() bool {
			return logLines(n, "closed a hub's routes: its node key is no longer trusted", "key="+id3) > 0
		})
	}
	waitFor(t, 20*time.Second, "the genesis hub to refuse hub3 from across the link", func() bool {
		return logLines(nodes[0], "hub route refused: its node key is not trusted", "key="+id3, "remote="+netnsEdgeIP+":") > 0
	})
	nodes[2].waitLog(t, "another hub refused this hub's route")

	nc, err := nats.Connect(nodes[0].server(), nats.Timeout(5*time.Second), nats.MaxReconnects(0), nats.SetCustomDialer(netnsDialer(hubNS)))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	waitLeadersOn(t, nc, "vault-"+id3, ledger.StreamName, "OBJ_"+ledger.ArtifactBucket)
	hubVault("deploy", s.greeter("one"))
	hubVault("activate", "greet@v1")
	waitAnswer(t, netnsH2CClient(otherNS), "http://"+hubs[1].h2c+"/greet", "greetings one", "hub2 to serve greet@v1 deployed across the link")
}

// netnsDialer dials NATS from inside network namespace ns.
type netnsDialer string

func (ns netnsDialer) Dial(network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return netnsDial(ctx, string(ns), network, addr)
}
