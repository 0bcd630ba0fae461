package listener

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// sockopt reads an integer socket option of a listener back from the kernel.
func sockopt(t *testing.T, ln net.Listener, level, opt int) int {
	t.Helper()
	rc, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

func listen(t *testing.T, addr string, opts Options) net.Listener {
	t.Helper()
	ln, err := Listen(addr, opts)
	if err != nil {
		t.Fatalf("Listen(%s, %+v): %v", addr, opts, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestListenSetsOptions(t *testing.T) {
	t.Run("DefaultOptions", func(t *testing.T) {
		ln := listen(t, "127.0.0.1:0", DefaultOptions())
		if v := sockopt(t, ln, unix.SOL_SOCKET, unix.SO_REUSEPORT); v != 1 {
			t.Errorf("SO_REUSEPORT = %d, want 1", v)
		}
		// The kernel keeps the timeout as a number of SYN-ACK
		// retransmissions and rounds it up when it reads it back.
		if v := sockopt(t, ln, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT); v < 5 {
			t.Errorf("TCP_DEFER_ACCEPT = %d s, want at least 5", v)
		}
		if v := sockopt(t, ln, unix.IPPROTO_TCP, unix.TCP_FASTOPEN); v != 256 {
			t.Errorf("TCP_FASTOPEN queue = %d, want 256", v)
		}
	})
	t.Run("Zero", func(t *testing.T) {
		ln := listen(t, "127.0.0.1:0", Options{})
		for _, o := range []struct {
			name       string
			level, opt int
		}{
			{"SO_REUSEPORT", unix.SOL_SOCKET, unix.SO_REUSEPORT},
			{"TCP_DEFER_ACCEPT", unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT},
			{"TCP_FASTOPEN", unix.IPPROTO_TCP, unix.TCP_FASTOPEN},
		} {
			if v := sockopt(t, ln, o.level, o.opt); v != 0 {
				t.Errorf("%s = %d, want 0 (not set)", o.name, v)
			}
		}
	})
	t.Run("FastOpenQueue", func(t *testing.T) {
		ln := listen(t, "127.0.0.1:0", Options{FastOpen: true, FastOpenQueue: 17})
		if v := sockopt(t, ln, unix.IPPROTO_TCP, unix.TCP_FASTOPEN); v != 17 {
			t.Errorf("TCP_FASTOPEN queue = %d, want 17", v)
		}
	})
}

func TestListenSharesPort(t *testing.T) {
	t.Run("BothReusePort", func(t *testing.T) {
		first := listen(t, "127.0.0.1:0", DefaultOptions())
		second := listen(t, first.Addr().String(), DefaultOptions())
		if first.Addr().String() != second.Addr().String() {
			t.Fatalf("bound %s and %s", first.Addr(), second.Addr())
		}
		// Both accept: connections spread over the two queues, and one
		// closing leaves the other serving.
		first.Close()
		go func() {
			c, err := net.Dial("tcp", second.Addr().String())
			if err == nil {
				c.Write([]byte("hello")) // DEFER_ACCEPT waits for data
				c.Close()
			}
		}()
		c, err := second.Accept()
		if err != nil {
			t.Fatalf("accept on the remaining listener: %v", err)
		}
		c.Close()
	})
	for _, tc := range []struct {
		name          string
		first, second Options
	}{
		{"ErrInUseWithoutReusePort", Options{}, Options{}},
		{"ErrInUseFirstWithout", Options{}, DefaultOptions()},
		{"ErrInUseSecondWithout", DefaultOptions(), Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := listen(t, "127.0.0.1:0", tc.first)
			ln, err := Listen(first.Addr().String(), tc.second)
			if err == nil {
				ln.Close()
				t.Fatal("second listener bound the port")
			}
			if !errors.Is(err, syscall.EADDRINUSE) {
				t.Fatalf("err = %v, want EADDRINUSE", err)
			}
		})
	}
}

func TestCheckFree(t *testing.T) {
	t.Run("Free", func(t *testing.T) {
		if err := CheckFree("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		ln := listen(t, "127.0.0.1:0", Options{})
		addr := ln.Addr().String()
		ln.Close()
		if err := CheckFree(addr); err != nil {
			t.Fatalf("closed listener's port: %v", err)
		}
	})
	t.Run("ErrInUse", func(t *testing.T) {
		ln := listen(t, "127.0.0.1:0", DefaultOptions())
		if err := CheckFree(ln.Addr().String()); !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("CheckFree of a port bound with SO_REUSEPORT = %v, want EADDRINUSE", err)
		}
	})
}

// An option the kernel refuses is named in the error.
func TestApplyErrorNamesOption(t *testing.T) {
	for name, opts := range map[string]Options{
		"SO_REUSEPORT":     {ReusePort: true},
		"TCP_DEFER_ACCEPT": {DeferAccept: true},
		"TCP_FASTOPEN":     {FastOpen: true},
	} {
		t.Run(name, func(t *testing.T) {
			err := opts.apply(-1) // not a socket: EBADF
			if err == nil || !strings.Contains(err.Error(), name) || !errors.Is(err, syscall.EBADF) {
				t.Fatalf("apply = %v, want an EBADF naming %s", err, name)
			}
		})
	}
}
