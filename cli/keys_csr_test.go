package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
)

// `vault keys csr` prints a request for the data directory's node key,
// signed by it, for the names given; without a name it says what it needs.
func TestKeysCSR(t *testing.T) {
	data := t.TempDir()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(filepath.Join(data, nodeKeyFile), s, keyProtection{Plaintext: true}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) {
		cmd := keysCSRCommand()
		var out, errs bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errs)
		cmd.SetArgs(append([]string{"--data", data}, args...))
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		return out.String(), errs.String(), err
	}
	if _, _, err := run(); err == nil || !strings.Contains(err.Error(), "--ip or --dns") {
		t.Fatalf("no names: %v", err)
	}
	if _, _, err := run("--ip", "hub1"); err == nil || !strings.Contains(err.Error(), `--ip "hub1" is not an IP address`) {
		t.Fatalf("a host name as --ip: %v", err)
	}
	out, errs, err := run("--ip", "10.0.0.1", "--dns", "hub1.example")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errs, "node key "+s.ID) {
		t.Fatalf("stderr does not name the node key:\n%s", errs)
	}
	block, _ := pem.Decode([]byte(out))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("stdout is not a PEM certificate request:\n%s", out)
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || req.CheckSignature() != nil {
		t.Fatalf("request: %v", err)
	}
	if pub, ok := req.PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(s.Public()) ||
		len(req.IPAddresses) != 1 || !req.IPAddresses[0].Equal(net.ParseIP("10.0.0.1")) || len(req.DNSNames) != 1 {
		t.Fatalf("request for %v at %v %v", req.PublicKey, req.IPAddresses, req.DNSNames)
	}
}
