package cli

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/events"
)

// testNode is a node started in-process by 'vault serve', with an
// operator whose config directory and passphrase are the test's
// ($VAULT_CONFIG, $VAULT_PASSPHRASE).
type testNode struct {
	nats, h2c string
	data      string
}

// startTestNode runs 'vault init' and 'vault serve' in-process; the node
// stops when the test ends.
func startTestNode(t *testing.T) *testNode {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a node: skipped with -short")
	}
	root := t.TempDir()
	t.Setenv("VAULT_CONFIG", filepath.Join(root, "config"))
	t.Setenv(passphraseEnv, "test passphrase")
	n := &testNode{nats: freeLoopbackAddr(t), h2c: freeLoopbackAddr(t), data: filepath.Join(root, "data")}
	mustRun(t, "init", "--data", n.data, "--key-work-factor", "10")

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr strings.Builder
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, []string{"serve", "--data", n.data, "--listen", n.h2c, "--nats-listen", n.nats, "--admin-listen", ""}, pw, &stderr)
		pw.Close()
	}()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "vault node ready") && !found {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("vault serve exited before it was ready: %s", stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("vault serve not ready in 60s: %s", stderr.String())
	}
	return n
}

// mustRun runs a vault command line in-process; it must succeed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb strings.Builder
	if code := Run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("vault %v: exit %d\nstdout: %s\nstderr: %s", args, code, out.String(), errb.String())
	}
	return out.String()
}

// addKey makes a key, trusts it with roles (signed by the operator key)
// and returns it.
func (n *testNode) addKey(t *testing.T, roles string) *events.Signer {
	t.Helper()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "keys", "add", base64.StdEncoding.EncodeToString(s.Public()), "--role", roles, "--server", "nats://"+n.nats)
	return s
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
