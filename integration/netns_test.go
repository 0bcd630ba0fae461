package integration

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vault-runtime/vault/edge/testenv"
)

// The hub and the edge run in two network namespaces joined by a veth
// pair (10.99.0.1/30 and 10.99.0.2/30); each namespace has its own
// loopback, so the only way between them is the veth link: a leaf
// connection over a real (virtual) network, with TLS and the edge's node
// key. The hub's leaf certificate comes from a test CA, for 10.99.0.1.
const (
	netnsHubIP  = "10.99.0.1"
	netnsEdgeIP = "10.99.0.2"
)

// Deploy on the hub, served by the edge over its veth address; an edge
// whose node key the ledger does not trust is refused; revoking the
// trusted edge's key closes its link, and the hub refuses it from then on.
func TestEdgeAcrossNetworkNamespaces(t *testing.T) {
	s := newSite(t)
	hubNS, edgeNS := netnsPair(t)
	s.netns = map[string]string{"hub": hubNS, "edge1": edgeNS, "edge2": edgeNS}
	ca, leafCert, leafKey := s.e.leafCertificates(netnsHubIP)
	edge1, edge1Pub := s.join("edge1")
	edge2, _ := s.join("edge2")

	hub := s.launch("hub", "127.0.0.1:8080", "127.0.0.1:4222",
		"--leaf-listen", netnsHubIP+":7422", "--leaf-cert", leafCert, "--leaf-key", leafKey).wait(t, 60*time.Second)
	hubVault := func(args ...string) string { return s.e.mustVaultIn(hubNS, hub.server(), args...) }
	hubVault("keys", "add", edge1Pub, "--role", "witness")

	leafURL := "nats-leaf://" + netnsHubIP + ":7422"
	edge := s.launch("edge1", netnsEdgeIP+":8081", "127.0.0.1:4222",
		"--edge", "--hub", leafURL, "--nats-ca", ca).wait(t, 60*time.Second)
	waitFor(t, 10*time.Second, "the hub to log admitting the edge's key from "+netnsEdgeIP, func() bool {
		return logLines(hub, "edge admitted", "key="+edge1, "remote="+netnsEdgeIP+":") == 1
	})
	if logLines(hub, "embedded NATS ready", "leaf_tls=true") != 1 || logLines(edge, "embedded NATS ready", "leaf_tls=true") != 1 {
		t.Fatalf("the leaf link is not TLS:\n%s\n%s", hub.stderr, edge.stderr)
	}

	hubVault("deploy", s.greeter("one"))
	hubVault("activate", "greet@v1", "--wait")
	// From the hub's namespace to the edge's veth address: the request
	// crosses the link, as the deploy did.
	c := netnsH2CClient(hubNS)
	url := "http://" + netnsEdgeIP + ":8081/greet"
	waitAnswer(t, c, url, "greetings one", "the edge to serve greet@v1 over "+netnsEdgeIP)

	t.Run("UntrustedEdgeRefused", func(t *testing.T) {
		untrusted := s.launch("edge2", netnsEdgeIP+":8082", "127.0.0.1:4223", "--edge", "--hub", leafURL, "--nats-ca", ca)
		waitFor(t, 20*time.Second, "the hub to refuse the untrusted edge "+edge2, func() bool {
			return logLines(hub, "edge refused: its node key is not trusted", "key="+edge2) > 0
		})
		waitFor(t, 20*time.Second, "the untrusted edge to log the refusal", func() bool {
			return logLines(untrusted.n, "the hub refused this edge's node key", "key="+edge2) > 0
		})
		// Its link never comes up, so it never gets the ledger's genesis
		// (and never says it is ready).
		select {
		case ok := <-untrusted.ready:
			t.Fatalf("the untrusted edge became ready (%v):\n%s", ok, untrusted.n.stderr)
		default:
		}
		if strings.Contains(untrusted.n.stderr.String(), "connected to the hub") {
			t.Fatalf("the untrusted edge says it connected:\n%s", untrusted.n.stderr)
		}
		untrusted.n.kill()
	})

	t.Run("RevokedKeyCutsTheLink", func(t *testing.T) {
		hubVault("keys", "revoke", edge1)
		waitFor(t, 20*time.Second, "the hub to close the revoked edge's link", func() bool {
			return logLines(hub, "closed an edge's leaf connection: its node key is no longer trusted", "key="+edge1) > 0
		})
		edge.waitLog(t, "lost the hub")
		// The edge keeps trying (every 500 ms); each attempt is refused.
		waitFor(t, 20*time.Second, "the hub to refuse the revoked edge's reconnection", func() bool {
			return logLines(hub, "edge refused: its node key is not trusted", "key="+edge1, "reason=revoked") > 0
		})
		waitFor(t, 20*time.Second, "the revoked edge to log the refusal", func() bool {
			return logLines(edge, "the hub refused this edge's node key", "key="+edge1) > 0
		})
		if logLines(edge, "connected to the hub") != 1 {
			t.Fatalf("the revoked edge reconnected:\n%s", edge.stderr)
		}
		// Still serving its last verified state, now without a hub.
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "greetings one" {
			t.Fatalf("the cut-off edge answers %q, want its last state", body)
		}
	})
}

// logLines counts the lines of n's log that hold every one of texts.
func logLines(n *node, texts ...string) int {
	count := 0
	for _, line := range strings.Split(n.stderr.String(), "\n") {
		all := true
		for _, text := range texts {
			all = all && strings.Contains(line, text)
		}
		if all {
			count++
		}
	}
	return count
}

// A hub refuses to open a leaf listener beyond loopback without TLS: the
// check runs before the node starts, naming the flags.
func TestHubLeafListenBeyondLoopbackNeedsTLS(t *testing.T) {
	s := newSite(t)
	_, errs, code := s.e.vault("", "serve", "--data", s.dir("hub"), "--leaf-listen", "192.0.2.1:7422")
	if code == 0 || !strings.Contains(errs, "beyond loopback") || !strings.Contains(errs, "--leaf-cert and --leaf-key") {
		t.Fatalf("vault serve --leaf-listen beyond loopback without TLS: exit %d\n%s", code, errs)
	}
}

// netnsPair makes two network namespaces joined by a veth pair, with
// their loopbacks up, and removes them when the test ends (after the
// nodes in them: cleanups run last first). Without root or ip it is a
// skip, or in CI a failure.
func netnsPair(t *testing.T) (hub, edge string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "network namespaces need root (this test runs the hub and the edge in two of them)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Missing(t, "network namespaces need the ip command (iproute2)")
	}
	var b [4]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	hub, edge = "vh"+id, "ve"+id
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", hub)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", hub).Run() })
	ip("netns", "add", edge)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", edge).Run() })
	// Deleting a namespace deletes its end of the pair, and with it the
	// other end.
	ip("link", "add", hub, "type", "veth", "peer", "name", edge)
	ip("link", "set", hub, "netns", hub)
	ip("link", "set", edge, "netns", edge)
	for _, n := range []struct{ ns, addr string }{{hub, netnsHubIP}, {edge, netnsEdgeIP}} {
		ip("-n", n.ns, "addr", "add", n.addr+"/30", "dev", n.ns)
		ip("-n", n.ns, "link", "set", n.ns, "up")
		ip("-n", n.ns, "link", "set", "lo", "up")
	}
	return hub, edge
}

// netnsDial dials addr from inside network namespace ns: the socket is
// made on a thread that joined ns (a thread locked and never unlocked
// ends with its goroutine, so the namespace change goes with it).
func netnsDial(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			ch <- result{nil, err}
			return
		}
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// netnsH2CClient speaks HTTP/2 with prior knowledge from inside network
// namespace ns.
func netnsH2CClient(ns string) *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return netnsDial(ctx, ns, network, addr)
	}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Protocols: &p, DialContext: dial}}
}

// mustVaultIn runs a CLI command inside network namespace ns.
func (e *env) mustVaultIn(ns, server string, args ...string) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, vaultBin}, args...)...)
	cmd.Env = e.environ("VAULT_SERVER=" + server)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("vault %v in %s: %v\nstdout: %s\nstderr: %s", args, ns, err, out.String(), errb.String())
	}
	return out.String()
}

// waitAnswer waits up to 20 s for c's GET of url to answer 200 with want.
func waitAnswer(t *testing.T, c *http.Client, url, want, what string) {
	t.Helper()
	waitFor(t, 20*time.Second, what, func() bool {
		resp, err := c.Get(url)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK && string(body) == want
	})
}

// leafCertificates writes a CA and a leaf-listener certificate it issued
// for ip, and returns the CA's, the certificate's and its key's files.
func (e *env) leafCertificates(ip string) (caFile, certFile, keyFile string) {
	e.t.Helper()
	ca := newClusterCA(e.t, e.root)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "vault test hub"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		e.t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(e.root, "leaf.pem"), filepath.Join(e.root, "leaf-key.pem")
	ca.write(e.t, certFile, der)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return ca.file, certFile, keyFile
}
