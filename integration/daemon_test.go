package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDaemon starts a node in the background, uses it, asks its status,
// stops it, and checks that it released the data directory.
func TestDaemon(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	h2c, nats := freeAddr(t), freeAddr(t)
	srv := "nats://" + nats

	out := e.mustVault("", "daemon", "start", "--data", e.data, "--listen", h2c, "--nats-listen", nats, "--admin-listen", freeAddr(t), "--log-level", "info")
	m := regexp.MustCompile(`pid (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("daemon start printed no pid:\n%s", out)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() {
		// The node is not this test's child: if the test failed before
		// stopping it, kill it by its pid.
		if syscall.Kill(pid, 0) == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	logPath := filepath.Join(e.data, "vault.log")
	for _, want := range []string{"h2c  http://" + h2c + "/", "nats " + srv, logPath} {
		if !strings.Contains(out, want) {
			t.Errorf("daemon start printed:\n%s\nwant %q", out, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(e.data, "vault.pid")); err != nil || strings.TrimSpace(string(b)) != m[1] {
		t.Errorf("vault.pid = %q, %v; want %s", b, err, m[1])
	}
	// The passphrase reaches the node in its environment only.
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.Contains(string(cmdline), e.passphrase) {
		t.Errorf("the passphrase is on the node's command line: %q", cmdline)
	}

	e.mustVault(srv, "deploy", helloVersion(e, "daemon v1"))
	e.mustVault(srv, "activate", "hello@v1")
	if r := get(t, h2cClient(), "http://"+h2c+"/hello"); r.status != 200 || r.body != "daemon v1" {
		t.Fatalf("GET /hello from the daemon: %d %q", r.status, r.body)
	}
	if st := e.status(srv); st.PID != pid || st.Server != "serving" || !st.LockHeld {
		t.Fatalf("vault status of the daemon: %+v, want pid %d serving with the lock", st, pid)
	}

	out, errs, code := e.vault("", "daemon", "status", "--data", e.data)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("running, pid %d", pid)) || !strings.Contains(out, "log "+filepath.Join(e.data, "vault.log")) {
		t.Fatalf("daemon status: exit %d\n%s%s", code, out, errs)
	}
	t.Run("ErrAlreadyRunning", func(t *testing.T) {
		out, errs, code := e.vault("", "daemon", "start", "--data", e.data, "--listen", freeAddr(t), "--nats-listen", freeAddr(t), "--admin-listen", freeAddr(t))
		if code == 0 || !strings.Contains(errs, "already runs") || !strings.Contains(errs, m[1]) {
			t.Fatalf("second daemon start: exit %d\n%s%s", code, out, errs)
		}
	})

	out = e.mustVault("", "daemon", "stop", "--data", e.data)
	if !strings.Contains(out, fmt.Sprintf("stopped vault node pid %d", pid)) {
		t.Fatalf("daemon stop printed:\n%s", out)
	}
	out, errs, code = e.vault("", "daemon", "status", "--data", e.data)
	if code != 3 || !strings.Contains(out, "stopped") {
		t.Fatalf("daemon status after stop: exit %d (want 3)\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(e.data, "vault.pid")); !os.IsNotExist(err) {
		t.Errorf("vault.pid after stop: %v", err)
	}
	if out := e.mustVault("", "daemon", "stop", "--data", e.data); !strings.Contains(out, "not running") {
		t.Errorf("stop of a stopped node printed %q", out)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"vault node ready", "draining in-flight requests", "msg=stopped"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the node's log lacks %q:\n%s", want, log)
		}
	}

	// The lock is released: a node starts on the same directory and ports.
	n := e.serveOn(h2c, nats, 60*time.Second)
	if r := get(t, h2cClient(), "http://"+h2c+"/hello"); r.status != 200 || r.body != "daemon v1" {
		t.Fatalf("GET /hello after restart: %d %q", r.status, r.body)
	}
	n.stop()
}

// TestDaemonStatusOfANodeStartedByHand: daemon status of a node started
// with vault serve names no log file, for there is none.
func TestDaemonStatusOfANodeStartedByHand(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	e.serve(nodeOptions{})
	out, errs, code := e.vault("", "daemon", "status", "--data", e.data)
	if code != 0 || strings.Contains(out, "vault.log") || !strings.Contains(out, "no log file") {
		t.Fatalf("daemon status of a node started by hand: exit %d\n%s%s", code, out, errs)
	}
}
