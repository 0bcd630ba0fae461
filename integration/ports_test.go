package integration

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Loopback ports for the nodes a test starts. A port found free with
// bind(":0") and closed again can be handed to the next bind(":0") (the
// kernel gave --listen and --admin-listen the same port once), so ports
// come from below the kernel's ephemeral range instead, where neither
// bind(":0") nor an outgoing connection ever picks one. Each port is handed
// out once per test process and claimed across processes with an flock on
// a file named after it, held until the process exits: two calls, in one
// process or in two, never return the same port.
var ports struct {
	mu    sync.Mutex
	next  int
	limit int
	held  []*os.File // the lock files, open until the process exits
	err   error
}

// portsFirst is the lowest port handed out: above the well-known ports
// and the usual defaults (4222, 8080, 9090).
const portsFirst = 10000

// freeAddr returns a loopback address no other caller gets.
func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := claimPort()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func claimPort() (string, error) {
	ports.mu.Lock()
	defer ports.mu.Unlock()
	if ports.next == 0 && ports.err == nil {
		ports.limit, ports.err = ephemeralLow()
		// Start where another test process is unlikely to be, so that
		// concurrent processes rarely contend for the same lock files.
		ports.next = portsFirst + os.Getpid()%max(1, ports.limit-portsFirst)
	}
	if ports.err != nil {
		return "", ports.err
	}
	dir := filepath.Join(os.TempDir(), "vault-test-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", fmt.Errorf("claim a port: %w", err)
	}
	for range ports.limit - portsFirst {
		p := ports.next
		ports.next++
		if ports.next >= ports.limit {
			ports.next = portsFirst
		}
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(p)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return "", fmt.Errorf("claim a port: %w", err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // another test process holds it
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			f.Close() // something else listens there
			continue
		}
		ln.Close()
		ports.held = append(ports.held, f)
		return addr, nil
	}
	return "", fmt.Errorf("claim a port: every port in %d..%d is taken", portsFirst, ports.limit-1)
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, fmt.Errorf("read the ephemeral port range: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, fmt.Errorf("ip_local_port_range: %q", b)
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, fmt.Errorf("ip_local_port_range: %w", err)
	}
	if lo <= portsFirst+1000 {
		return 0, fmt.Errorf("the ephemeral port range starts at %d: too low to keep test ports out of it", lo)
	}
	return lo, nil
}

func TestFreeAddrNeverRepeats(t *testing.T) {
	low, err := ephemeralLow()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 100 {
		a := freeAddr(t)
		if seen[a] {
			t.Fatalf("freeAddr returned %s twice", a)
		}
		seen[a] = true
		_, p, _ := net.SplitHostPort(a)
		if n, _ := strconv.Atoi(p); n < portsFirst || n >= low {
			t.Fatalf("freeAddr returned %s, outside %d..%d", a, portsFirst, low-1)
		}
	}
}
