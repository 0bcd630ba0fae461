// Package listener binds the edge's TCP listeners with the socket options
// the standard library does not set: SO_REUSEPORT, so a new process can
// bind a port its predecessor still serves (a zero-downtime takeover);
// TCP_DEFER_ACCEPT, so a connection reaches accept only once the client
// sent its first bytes; and TCP_FASTOPEN, so a returning client's first
// request rides in its SYN.
//
// SO_REUSEPORT lets every socket of the same user bind the port, and the
// kernel spreads new connections over all of them. A node therefore checks
// that a port is free before it binds it (see Options.ReusePort), unless it
// is taking the port over on purpose.
package listener

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Options are the socket options of a listener. The zero value is a plain
// listener, as net.Listen makes.
type Options struct {
	// ReusePort sets SO_REUSEPORT: another socket with it, of the same
	// user, may bind the same address, and the kernel balances new
	// connections between them. Every process that is to share a port,
	// the old one included, must bind with it.
	ReusePort bool
	// DeferAccept sets TCP_DEFER_ACCEPT: the kernel completes the
	// handshake but queues the connection for accept only once data
	// arrived (HTTP/2 and TLS clients speak first), for at most
	// DeferAcceptTimeout; after it the connection is accepted anyway.
	DeferAccept        bool
	DeferAcceptTimeout time.Duration
	// FastOpen sets TCP_FASTOPEN with a queue of FastOpenQueue pending
	// fast-open requests. The kernel uses it only if the server bit (2)
	// of net.ipv4.tcp_fastopen is set.
	FastOpen      bool
	FastOpenQueue int
}

// DefaultOptions turns every option on.
func DefaultOptions() Options {
	return Options{ReusePort: true, DeferAccept: true, DeferAcceptTimeout: 5 * time.Second,
		FastOpen: true, FastOpenQueue: 256}
}

// Listen binds a TCP listener on addr with opts. An error names the
// option the kernel refused.
func Listen(addr string, opts Options) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = opts.apply(int(fd)) }); cerr != nil {
			return cerr
		}
		return err
	}}
	return lc.Listen(context.Background(), "tcp", addr)
}

// apply sets the options on a socket before it is bound.
func (o Options) apply(fd int) error {
	if o.ReusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fmt.Errorf("listener: set SO_REUSEPORT: %w", err)
		}
	}
	if o.DeferAccept {
		secs := int(o.DeferAcceptTimeout / time.Second)
		if secs < 1 {
			secs = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, secs); err != nil {
			return fmt.Errorf("listener: set TCP_DEFER_ACCEPT: %w", err)
		}
	}
	if o.FastOpen {
		q := o.FastOpenQueue
		if q < 1 {
			q = DefaultOptions().FastOpenQueue
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN, q); err != nil {
			return fmt.Errorf("listener: set TCP_FASTOPEN: %w", err)
		}
	}
	return nil
}

// CheckFree reports an error if some socket is bound to addr already, with
// SO_REUSEPORT or not: a node that binds with ReusePort calls it first, so
// that it never shares a port by accident. Port 0 is always free.
func CheckFree(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listener: %s is in use: %w", addr, err)
	}
	return ln.Close()
}
