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

// DialIn connects to address (TCP) from network namespace ns (a name
// under /run/netns): the node's bridges live there, apart from the host's
// network, so the edge reaches containers by address while the host has
// no route to them and they none to the host. The socket is made on a
// thread moved into ns, which ends with its goroutine (it is never
// unlocked), so no other goroutine ever runs in ns; the connected socket
// works from any thread.
func DialIn(ctx context.Context, ns, address string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- result{nil, fmt.Errorf("dial %s in %s: %w", address, ns, err)}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{nil, fmt.Errorf("dial %s in %s: setns: %w", address, ns, err)}
			return
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", address)
		done <- result{conn, err}
	}()
	r := <-done
	return r.conn, r.err
}

// ListenIn listens on address (TCP) in network namespace ns, the way
// DialIn dials: the socket is made on a thread moved into ns, and accepts
// connections from there whichever thread later serves it.
func ListenIn(ns, address string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- result{nil, fmt.Errorf("listen on %s in %s: %w", address, ns, err)}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{nil, fmt.Errorf("listen on %s in %s: setns: %w", address, ns, err)}
			return
		}
		l, err := net.Listen("tcp", address)
		done <- result{l, err}
	}()
	r := <-done
	return r.l, r.err
}
