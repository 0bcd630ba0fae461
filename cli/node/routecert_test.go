package node

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
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

	"github.com/vault-runtime/vault/events"
)

// testCA is an operator's CA for hubs' cluster certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // its certificate, PEM: --nats-ca
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test cluster CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, file: file, pool: pool}
}

// issue writes a cluster certificate for pub at 127.0.0.1 (serverAuth
// and clientAuth) and returns its file.
func (ca *testCA) issue(t *testing.T, pub crypto.PublicKey, ips []net.IP, dns []string) string {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: ips, DNSNames: dns, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cluster.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// signCSR is what the operator's CA does with `vault keys csr`'s output.
func (ca *testCA) signCSR(t *testing.T, csrPEM []byte) string {
	t.Helper()
	block, _ := pem.Decode(csrPEM)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("not a PEM certificate request:\n%s", csrPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("the request's signature: %v", err)
	}
	return ca.issue(t, csr.PublicKey, csr.IPAddresses, csr.DNSNames)
}

var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1)}

// A hub's certificate request is signed by its node key and names its
// addresses; the certificate the CA makes of it pairs with the node key,
// and a certificate for another key is refused at start.
func TestNodeCSRBecomesTheClusterCertificate(t *testing.T) {
	node, _ := events.GenerateSigner()
	csr, err := NodeCSR(node, []net.IP{net.ParseIP("10.0.0.1")}, []string{"hub1.example"})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(csr)
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := req.PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(node.Public()) || req.CheckSignature() != nil {
		t.Fatalf("the request is not for (or not signed by) the node key: %v", req.CheckSignature())
	}
	if len(req.IPAddresses) != 1 || !req.IPAddresses[0].Equal(net.ParseIP("10.0.0.1")) || len(req.DNSNames) != 1 || req.DNSNames[0] != "hub1.example" {
		t.Fatalf("names: %v %v", req.IPAddresses, req.DNSNames)
	}
	ca := newTestCA(t)
	cert, err := loadNodeCertificate(ca.signCSR(t, csr), node)
	if err != nil {
		t.Fatal(err)
	}
	if pub := cert.Leaf.PublicKey.(ed25519.PublicKey); !pub.Equal(node.Public()) {
		t.Fatal("the certificate is not for the node key")
	}
	other, _ := events.GenerateSigner()
	if _, err := loadNodeCertificate(ca.issue(t, other.Public(), loopbackIPs, nil), node); err == nil || !strings.Contains(err.Error(), "not issued for this hub's node key "+node.ID) {
		t.Fatalf("another key's certificate: %v", err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := loadNodeCertificate(ca.issue(t, &ecKey.PublicKey, loopbackIPs, nil), node); err == nil {
		t.Fatal("an ECDSA cluster certificate was paired with the node key")
	}
}
