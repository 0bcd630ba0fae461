package cli

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPListen runs 'vault mcp --listen' on loopback and lists its tools
// over Streamable HTTP with the SDK's client.
func TestMCPListen(t *testing.T) {
	n := startTestNode(t)
	addr := freeLoopbackAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, []string{"mcp", "--listen", addr, "--read-only", "--server", "nats://" + n.nats}, io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("vault mcp --listen exited %d", code)
		}
	})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Streamable HTTP on") {
				listening <- sc.Text()
			}
		}
		close(listening)
	}()
	select {
	case line, ok := <-listening:
		if !ok {
			t.Fatal("vault mcp --listen exited before it listened")
		}
		if !strings.Contains(line, "http://"+addr+"/") {
			t.Errorf("it says %q, want it to name http://%s/", line, addr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("vault mcp --listen did not listen in 30s")
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).
		Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: "http://" + addr + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) == 0 {
		t.Fatal("no tools listed")
	}
	for _, tl := range res.Tools {
		if !tl.Annotations.ReadOnlyHint {
			t.Errorf("--read-only over HTTP lists %s", tl.Name)
		}
	}
}

// TestMCPListenRefusesRemote: a non-loopback --listen needs --allow-remote.
func TestMCPListenRefusesRemote(t *testing.T) {
	var out, errb strings.Builder
	code := Run(context.Background(), []string{"mcp", "--listen", "0.0.0.0:0"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "not a loopback address") {
		t.Errorf("vault mcp --listen 0.0.0.0:0: exit %d, %q", code, errb.String())
	}
}

// TestMCPPassphraseFromEnvironment: vault mcp takes the key's passphrase
// from $VAULT_PASSPHRASE only; without it, it refuses to start rather than
// read stdin, which is the protocol's.
func TestMCPPassphraseFromEnvironment(t *testing.T) {
	root := t.TempDir()
	t.Setenv("VAULT_CONFIG", root+"/config")
	t.Setenv(passphraseEnv, "test passphrase")
	mustRun(t, "init", "--data", root+"/data", "--key-work-factor", "10")
	t.Setenv(passphraseEnv, "")
	var out, errb strings.Builder
	code := Run(context.Background(), []string{"mcp", "--key", root + "/data/node.key"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "set VAULT_PASSPHRASE") {
		t.Errorf("vault mcp without a passphrase: exit %d, %q", code, errb.String())
	}
}
