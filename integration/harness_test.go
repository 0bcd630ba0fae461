package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// env is one operator's world: a config directory and a data directory.
type env struct {
	t      testing.TB
	root   string
	config string
	data   string
	// passphrase is the key files' VAULT_PASSPHRASE for every command.
	passphrase string
}

// testKeyWorkFactor keeps scrypt cheap: every command opens a key file.
const testKeyWorkFactor = "10"

func newEnv(t testing.TB) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	root := t.TempDir()
	e := &env{t: t, root: root, config: filepath.Join(root, "config"), data: filepath.Join(root, "data"),
		passphrase: "integration test passphrase"}
	// Containers outlive their node by design; the test's go with it
	// (after its nodes, whose cleanups run first).
	t.Cleanup(func() { removeContainers(e.data) })
	return e
}

// environ is the environment of every vault child process.
func (e *env) environ(extra ...string) []string {
	return append(os.Environ(), append([]string{"VAULT_CONFIG=" + e.config, "VAULT_PASSPHRASE=" + e.passphrase}, extra...)...)
}

// vault runs one CLI command to completion; `vault init` gets a cheap
// --key-work-factor unless the test chose one.
func (e *env) vault(server string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	return e.vaultEnv(server, nil, args...)
}

// vaultEnv is vault with more environment variables.
func (e *env) vaultEnv(server string, extra []string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if len(args) > 0 && args[0] == "init" && !slices.Contains(args, "--key-work-factor") {
		args = append(slices.Clone(args), "--key-work-factor", testKeyWorkFactor)
	}
	cmd := exec.CommandContext(ctx, vaultBin, args...)
	cmd.Env = e.environ(append([]string{"VAULT_SERVER=" + server}, extra...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code == -1 {
		e.t.Fatalf("vault %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// mustVault runs a command that must succeed.
func (e *env) mustVault(server string, args ...string) string {
	e.t.Helper()
	out, errs, code := e.vault(server, args...)
	if code != 0 {
		e.t.Fatalf("vault %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errs)
	}
	return out
}

// node is a running `vault serve`.
type node struct {
	t       testing.TB
	cmd     *exec.Cmd
	h2c     string
	tls     string
	nats    string
	admin   string // the admin listener: /metrics and the health probes
	stderr  *lockedBuffer
	exited  chan struct{}
	exitErr error
}

type nodeOptions struct {
	tls bool
	// args are more `vault serve` flags.
	args []string
}

func (e *env) serve(opts nodeOptions) *node {
	e.t.Helper()
	n := &node{t: e.t, h2c: freeAddr(e.t), nats: freeAddr(e.t), admin: freeAddr(e.t), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	// Each node its own admin port: tests run several nodes at once.
	args := []string{"serve", "--data", e.data, "--listen", n.h2c, "--nats-listen", n.nats, "--admin-listen", n.admin}
	if opts.tls {
		cert, key := e.certificate()
		n.tls = freeAddr(e.t)
		args = append(args, "--tls-listen", n.tls, "--cert", cert, "--key", key)
	}
	args = append(args, opts.args...)
	return e.start(n, args, 60*time.Second)
}

// serveOn runs `vault serve` with more flags on given h2c and NATS
// addresses, waiting up to ready for it to serve: a takeover runs a second
// node on the ports of the first.
func (e *env) serveOn(h2c, nats string, ready time.Duration, more ...string) *node {
	e.t.Helper()
	n := &node{t: e.t, h2c: h2c, nats: nats, admin: freeAddr(e.t), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	args := append([]string{"serve", "--data", e.data, "--listen", h2c, "--nats-listen", nats, "--admin-listen", n.admin}, more...)
	return e.start(n, args, ready)
}

// start runs the vault command line args as node n and waits up to ready
// for it to print that it is ready.
func (e *env) start(n *node, args []string, ready time.Duration) *node {
	e.t.Helper()
	n.cmd = exec.Command(vaultBin, args...)
	n.cmd.Env = e.environ()
	n.cmd.Stderr = n.stderr
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	readyc := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.HasPrefix(sc.Text(), "vault node ready") {
				readyc <- true
				signalled = true
			}
		}
		if !signalled {
			readyc <- false
		}
	}()
	go func() { n.exitErr = n.cmd.Wait(); close(n.exited) }()
	e.t.Cleanup(func() {
		n.kill()
		if e.t.Failed() {
			e.t.Logf("log of vault %s (pid %d):\n%s", strings.Join(args, " "), n.cmd.Process.Pid, n.stderr)
		}
	})
	select {
	case ok := <-readyc:
		if !ok {
			<-n.exited
			e.t.Fatalf("vault serve exited before it was ready: %v\n%s", n.exitErr, n.stderr)
		}
	case <-time.After(ready):
		e.t.Fatalf("vault serve not ready after %v\n%s", ready, n.stderr)
	}
	return n
}

func (n *node) server() string { return "nats://" + n.nats }

// stop sends SIGTERM and requires a clean exit.
func (n *node) stop() {
	n.t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
		if n.exitErr != nil {
			n.t.Fatalf("vault serve did not exit cleanly: %v\n%s", n.exitErr, n.stderr)
		}
	case <-time.After(30 * time.Second):
		n.t.Fatalf("vault serve did not stop within 30s\n%s", n.stderr)
	}
}

func (n *node) kill() {
	select {
	case <-n.exited:
	default:
		n.cmd.Process.Kill()
		<-n.exited
	}
}

// certificate writes a self-signed certificate for 127.0.0.1.
func (e *env) certificate() (certFile, keyFile string) {
	e.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vault test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		e.t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(e.root, "cert.pem"), filepath.Join(e.root, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

// h2cClient speaks HTTP/2 with prior knowledge over cleartext.
func h2cClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Protocols: &p}}
}

// tlsClient speaks HTTP/2 over TLS, trusting only certFile.
func (e *env) tlsClient() *http.Client {
	e.t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(e.root, "cert.pem"))
	if err != nil {
		e.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	var p http.Protocols
	p.SetHTTP2(true)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Protocols: &p, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13},
	}}
}

type reply struct {
	status int
	proto  string
	body   string
	header http.Header
	tls    *tls.ConnectionState
}

func get(t *testing.T, c *http.Client, url string) reply {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return reply{status: resp.StatusCode, proto: resp.Proto, body: string(body), header: resp.Header, tls: resp.TLS}
}

// writeFunction writes a function directory with a manifest and files.
func (e *env) writeFunction(name string, files map[string]string) string {
	e.t.Helper()
	dir := filepath.Join(e.root, "fn-"+name)
	for file, content := range files {
		path := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
	return dir
}

// lockedBuffer collects a process's output while tests read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
