package node

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/vault-runtime/vault/events"
)

// A hub's cluster certificate is issued by the operator's CA for the
// hub's ed25519 node key: the hub signs a certificate request with its
// node key (NodeCSR, `vault keys csr`), the CA signs it, and the hub
// presents it on its routes both ways, signing the TLS 1.3 handshake
// with the node key itself. So each route proves a node key, which the
// other hub checks against the ledger's keyring (routeAuth), and the CA
// vouches for it while there is no keyring yet: the hubs of a new
// cluster must form it before the ledger can exist.

// NodeCSR is a PEM certificate request for the node key, signed by it,
// naming the addresses (IPs) and host names the hub's routes are dialed
// at: what the operator's CA turns into the hub's --cluster-cert.
func NodeCSR(s *events.Signer, ips []net.IP, dnsNames []string) ([]byte, error) {
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "vault node " + s.ID},
		IPAddresses: ips,
		DNSNames:    dnsNames,
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, nodeKeySigner{s})
	if err != nil {
		return nil, fmt.Errorf("certificate request: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// loadNodeCertificate reads a PEM certificate (and any intermediates
// after it) issued for the node key, and pairs it with the key: the
// private key stays in the Signer's locked memory.
func loadNodeCertificate(certFile string, s *events.Signer) (*tls.Certificate, error) {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	var chain [][]byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			chain = append(chain, block.Bytes)
		}
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate in it", certFile)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	if s == nil {
		return nil, errors.New("no node key to pair it with")
	}
	if pub, ok := leaf.PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(s.Public()) {
		return nil, fmt.Errorf("%s is not issued for this hub's node key %s: make its request with 'vault keys csr --data DIR' and have the CA sign that", certFile, s.ID)
	}
	return &tls.Certificate{Certificate: chain, PrivateKey: nodeKeySigner{s}, Leaf: leaf}, nil
}
