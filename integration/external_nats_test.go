package integration

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// natsServer builds nats-server (the module vault embeds) and runs it with
// JetStream on a free loopback port, until the test ends; it returns the
// address.
func natsServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "-js", "-sd", filepath.Join(dir, "store"), "-a", host, "-p", port)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	listening := eventually(10*time.Second, func() bool {
		select {
		case <-exited:
			t.Fatalf("nats-server exited:\n%s", logs)
		default:
		}
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if !listening {
		t.Fatalf("nats-server not listening on %s:\n%s", addr, logs)
	}
	return addr
}

// A node on a NATS server it does not run (--nats): the ledger lives in
// that server's JetStream, a deploy is served, and the node killed with
// SIGKILL restarts from its pebble state and serves again.
func TestNodeOnExternalNATS(t *testing.T) {
	s := newSite(t)
	ext := natsServer(t)
	url := "nats://" + ext
	// The node's NATS address is the external server's: CLI commands go
	// there, and the --nats-listen the harness passes is unused.
	n := s.nodeOn("hub", freeAddr(t), ext, "--nats", url)
	n.waitLog(t, "running on an external NATS") // it warns
	s.e.mustVault(n.server(), "deploy", s.greeter("one"))
	s.e.mustVault(n.server(), "activate", "greet@v1", "--wait")
	waitServes(t, n, "/greet", "greetings one", 10*time.Second)
	st := s.status(n)
	if st.Role != "hub" || st.Applied != 3 || st.Head != 3 {
		t.Fatalf("status %+v: want a hub at seq 3 (genesis, deploy, activate)", st)
	}

	nc := dial(t, url)
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, ledger.StreamName)
	if err != nil {
		t.Fatalf("the external server has no %s stream: %v", ledger.StreamName, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 || info.State.LastSeq != 3 || info.Config.Mirror != nil {
		t.Fatalf("%s on the external server: %d records up to seq %d (mirror %v), want 3 up to 3, its own",
			ledger.StreamName, info.State.Msgs, info.State.LastSeq, info.Config.Mirror)
	}
	_, hash := s.state(n)

	n.kill()
	n = s.nodeOn("hub", n.h2c, ext, "--nats", url)
	waitServes(t, n, "/greet", "greetings one", 10*time.Second)
	if applied, h := s.state(n); applied != 3 || h != hash {
		t.Fatalf("after kill -9 and restart: seq %d, state hash %s; want 3, %s", applied, h, hash)
	}
	if out := s.e.mustVault(n.server(), "ledger", "verify"); !strings.Contains(out, "records      3:") {
		t.Fatalf("vault ledger verify after the restart:\n%s", out)
	}
	info, err = stream.Info(ctx)
	if err != nil || info.State.Msgs != 3 {
		t.Fatalf("after the restart the stream holds %v records (%v), want 3: a second genesis?", info.State.Msgs, err)
	}
}
