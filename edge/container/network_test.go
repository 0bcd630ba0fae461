package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/testenv"
	"github.com/vault-runtime/vault/schemas"
	"github.com/vault-runtime/vault/schemas/oci"
	"golang.org/x/sys/unix"
)

// TestNetworksConnectAndIsolate runs three busybox httpd containers, two
// on network a and one on network b, each network a bridge in a
// namespace the test made for the "node": the node reaches every
// container at its address, a container reaches its network's other
// container, and not the one on the other network.
func TestNetworksConnectAndIsolate(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "networks need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Missing(t, "iproute2: %v", err)
	}
	rt, err := New("", filepath.Join(t.TempDir(), "runc"), slog.New(slog.DiscardHandler))
	if errors.Is(err, ErrNoRunc) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	node := fmt.Sprintf("vault-test-node-%d", os.Getpid())
	if err := ip(ctx, "", "netns", "add", node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Detach(context.Background(), node) })
	nets := map[string]Network{
		"a": {Name: "a", Bridge: "vaulta", Subnet: netip.MustParsePrefix("10.91.1.0/24"), HostNS: node},
		"b": {Name: "b", Bridge: "vaultb", Subnet: netip.MustParsePrefix("10.91.2.0/24"), HostNS: node},
	}
	rootfs := busyboxRootfs(t)
	m := &schemas.Manifest{Name: "web", Kind: schemas.KindContainer, Image: "busybox", Port: 8080, Container: &schemas.Container{}}
	spec, _, err := oci.Generate(m, oci.ImageConfig{User: "1000:1000", Entrypoint: []string{"/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"},
		Env: []string{"PATH=/bin"}, WorkingDir: "/www"})
	if err != nil {
		t.Fatal(err)
	}
	type box struct {
		id   string
		addr netip.Addr
	}
	var boxes []box
	for i, c := range []struct {
		net  string
		addr string
	}{{"a", "10.91.1.10"}, {"a", "10.91.1.11"}, {"b", "10.91.2.10"}} {
		id := ID("", fmt.Sprintf("net%d", i), 1, fmt.Sprint(os.Getpid()))
		att, err := Attach(ctx, nets[c.net], id, netip.MustParseAddr(c.addr))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { Detach(context.Background(), id) })
		if _, err := rt.Create(ctx, id, filepath.Join(t.TempDir(), id), rootfs, att.NSPath, spec); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.Delete(context.Background(), id, true) })
		if err := rt.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
		boxes = append(boxes, box{id, att.Addr})
	}
	// From the node's namespace, every container answers at its address.
	for _, b := range boxes {
		var out []byte
		if !eventually(20*time.Second, func() bool {
			out, err = getIn(node, netip.AddrPortFrom(b.addr, 8080))
			return err == nil
		}) {
			t.Fatalf("the node cannot reach %s at %s: %v", b.id, b.addr, err)
		}
		if !strings.HasSuffix(string(out), "\r\n\r\nhello from a container\n") {
			t.Fatalf("%s answered %q", b.id, out)
		}
	}
	// busybox-static's wget crashes on -T, and on a failed connection
	// outside a container; the exec's deadline bounds the attempt instead.
	fetch := func(from box, to netip.Addr) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return rt.Exec(ctx, from.id, "/bin/busybox", "wget", "-q", "-O", "-", "http://"+to.String()+":8080/")
	}
	if out, err := fetch(boxes[0], boxes[1].addr); err != nil || string(out) != "hello from a container\n" {
		t.Errorf("a container cannot reach the other one on its network: %q, %v", out, err)
	}
	// The bridges' namespace does not forward between them.
	if out, err := fetch(boxes[0], boxes[2].addr); err == nil {
		t.Errorf("a container on network a reached one on network b: %q", out)
	}
}

// getIn sends GET / to addr from network namespace ns (under /run/netns)
// and returns the whole answer. The socket is made on a thread moved into
// ns, which then ends with its goroutine; the node's other threads stay
// where they are.
func getIn(ns string, addr netip.AddrPort) ([]byte, error) {
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{nil, err}
			return
		}
		conn, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			done <- result{nil, err}
			return
		}
		out, err := io.ReadAll(conn)
		done <- result{out, err}
	}()
	r := <-done
	return r.out, r.err
}
