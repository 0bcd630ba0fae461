package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/listener"
)

// flock locks belong to an open file, so one process can play both nodes.
func TestLockDataDir(t *testing.T) {
	data := t.TempDir()
	first, err := lockDataDir(data)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if pid := ReadPIDFile(filepath.Join(data, LockFile)); pid != os.Getpid() {
		t.Fatalf("LOCK names pid %d, want %d", pid, os.Getpid())
	}
	t.Run("ErrDataInUse", func(t *testing.T) {
		_, err := lockDataDir(data)
		var inUse *errDataInUse
		if !errors.As(err, &inUse) || inUse.PID != os.Getpid() {
			t.Fatalf("second lock: %v, want errDataInUse naming pid %d", err, os.Getpid())
		}
		for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), "--takeover", "vault daemon stop"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
	t.Run("Holder", func(t *testing.T) {
		pid, err := LockHolder(data)
		if err != nil || pid != os.Getpid() {
			t.Fatalf("lockHolder = %d, %v; want %d", pid, err, os.Getpid())
		}
		// The probe must not take the lock or break the holder's.
		if err := first.check(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Check", func(t *testing.T) {
		if err := first.check(); err != nil {
			t.Fatalf("check of a held lock: %v", err)
		}
	})
	t.Run("WaitLock", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := waitLock(ctx, data); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waitLock on a held lock = %v, want the deadline", err)
		}
		go func() {
			time.Sleep(50 * time.Millisecond)
			first.Close()
		}()
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		second, err := waitLock(ctx, data)
		if err != nil {
			t.Fatalf("waitLock after the holder let go: %v", err)
		}
		second.Close()
	})
	t.Run("Free", func(t *testing.T) {
		if pid, err := LockHolder(data); err != nil || pid != 0 {
			t.Fatalf("lockHolder of a free directory = %d, %v; want 0", pid, err)
		}
		if pid, err := LockHolder(t.TempDir()); err != nil || pid != 0 {
			t.Fatalf("lockHolder without a LOCK file = %d, %v; want 0", pid, err)
		}
	})
}

func TestLockCheckReplaced(t *testing.T) {
	data := t.TempDir()
	l, err := lockDataDir(data)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Remove(filepath.Join(data, LockFile))
	if err := l.check(); err == nil {
		t.Fatal("check passed with the LOCK file removed")
	}
	// A second node can now lock a new file: check is how the first finds out.
	other, err := lockDataDir(data)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := l.check(); err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Fatalf("check = %v, want replaced", err)
	}
}

func TestTakeOverRefuses(t *testing.T) {
	cfg := Config{Data: t.TempDir(), Takeover: true, TakeoverTimeout: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.Run("ErrNoPID", func(t *testing.T) {
		if _, err := takeOver(context.Background(), cfg, 0, &edgeSockets{}); err == nil || !strings.Contains(err.Error(), "no pid") {
			t.Fatalf("takeOver(pid 0) = %v", err)
		}
	})
	t.Run("ErrNotVaultServe", func(t *testing.T) {
		// This test binary is not a vault serve: it must not be signalled.
		_, err := takeOver(context.Background(), cfg, os.Getpid(), &edgeSockets{})
		if err == nil || !strings.Contains(err.Error(), "not a 'vault serve'") {
			t.Fatalf("takeOver(own pid) = %v", err)
		}
	})
}

func TestEdgeSockets(t *testing.T) {
	s := &edgeSockets{opts: listener.DefaultOptions()}
	t.Run("ErrInUse", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		if ln, err := s.listen(busy.Addr().String()); err == nil {
			ln.Close()
			t.Fatal("listen shared a port that another socket holds")
		}
	})
	t.Run("AheadShares", func(t *testing.T) {
		old, err := listener.Listen("127.0.0.1:0", listener.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		addr := old.Addr().String()
		if err := s.bindAhead([]string{addr}); err != nil {
			t.Fatalf("bindAhead next to a SO_REUSEPORT listener: %v", err)
		}
		ln, err := s.listen(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if ln.Addr().String() != addr {
			t.Fatalf("listen got %s, want the socket bound ahead on %s", ln.Addr(), addr)
		}
		s.Close() // the edge owns it now: Close leaves it alone
		if _, err := ln.(*net.TCPListener).SyscallConn(); err != nil {
			t.Fatal(err)
		}
		if err := ln.(*net.TCPListener).SetDeadline(time.Now()); err != nil {
			t.Fatalf("the listener the edge took was closed: %v", err)
		}
	})
	t.Run("ErrAheadWithoutReusePort", func(t *testing.T) {
		old, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		if err := s.bindAhead([]string{old.Addr().String()}); err == nil {
			s.Close()
			t.Fatal("bindAhead shared a port bound without SO_REUSEPORT")
		}
	})
}
