package container

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// inNamespace runs fn on a thread moved into network namespace ns (a
// name under /run/netns). The thread ends with its goroutine (it is never
// unlocked), so no other goroutine ever runs in ns; the sockets fn makes
// keep working from any thread.
func inNamespace(ns string, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns: %w", err)
			return
		}
		done <- fn()
	}()
	return <-done
}

// DialIn connects to address (TCP) from network namespace ns: the node's
// bridges live there, apart from the host's network, so the edge reaches
// containers by address while the host has no route to them and they none
// to the host.
func DialIn(ctx context.Context, ns, address string) (net.Conn, error) {
	var conn net.Conn
	err := inNamespace(ns, func() (err error) {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s in %s: %w", address, ns, err)
	}
	return conn, nil
}

// ListenIn listens on address (TCP) in network namespace ns; the listener
// accepts connections from there whichever thread later serves it.
func ListenIn(ns, address string) (net.Listener, error) {
	var l net.Listener
	err := inNamespace(ns, func() (err error) {
		l, err = net.Listen("tcp", address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s in %s: %w", address, ns, err)
	}
	return l, nil
}
