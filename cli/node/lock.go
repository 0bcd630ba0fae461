package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vault-runtime/vault/edge/listener"
)

// A data directory belongs to one node at a time: the node holds an
// exclusive flock on DATA/LOCK for as long as it runs (the kernel drops it
// when the process dies, however it dies) and writes its pid into the
// file, so that whoever finds the lock taken can name the holder.
//
// A node handing the directory to its successor (vault serve --takeover)
// follows the order in takeOver: the successor binds the edge ports first,
// then asks the holder to stop, then waits for the lock.

// LockFile is the name of the lock in a data directory.
const LockFile = "LOCK"

// errDataInUse is the error of a node that finds its data directory
// locked by another process.
type errDataInUse struct {
	Data string
	PID  int // 0 if the holder wrote no pid yet
}

func (e *errDataInUse) Error() string {
	pid := "unknown"
	if e.PID > 0 {
		pid = strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("data directory %s is in use by another vault serve (pid %s): stop it first (vault daemon stop --data %s, or SIGTERM), or replace it without dropping connections: vault serve --takeover",
		e.Data, pid, e.Data)
}

// dataLock is a held lock on a data directory.
type dataLock struct {
	f    *os.File
	path string
}

// lockDataDir takes the exclusive lock of data without waiting; a lock
// held by another process is an *errDataInUse.
func lockDataDir(data string) (*dataLock, error) {
	path := filepath.Join(data, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &errDataInUse{Data: data, PID: ReadPIDFile(path)}
		}
		return nil, fmt.Errorf("lock data directory %s: %w", data, err)
	}
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write pid to %s: %w", path, err)
	}
	return &dataLock{f: f, path: path}, nil
}

// Close releases the lock.
func (l *dataLock) Close() error { return l.f.Close() }

// check reports whether l is still the lock of its directory: a LOCK file
// removed or replaced (by hand, or by a restore) no longer keeps a second
// node out.
func (l *dataLock) check() error {
	var held, now unix.Stat_t
	if err := unix.Fstat(int(l.f.Fd()), &held); err != nil {
		return fmt.Errorf("lock %s: %w", l.path, err)
	}
	if err := unix.Stat(l.path, &now); err != nil {
		return fmt.Errorf("lock %s: %w (another node may start on this data directory)", l.path, err)
	}
	if held.Dev != now.Dev || held.Ino != now.Ino {
		return fmt.Errorf("lock %s was replaced: another node may start on this data directory", l.path)
	}
	return nil
}

// ReadPIDFile returns the pid in a lock or pid file, 0 if there is none.
func ReadPIDFile(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// LockHolder returns the pid of the node that holds data's lock: 0 if no
// process holds it, -1 if one does but wrote no pid. It probes with a
// shared lock that it drops at once; a node starting in that instant
// would find the directory in use and say so.
func LockHolder(data string) (int, error) {
	path := filepath.Join(data, LockFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	if err == nil {
		return 0, nil // closing f drops it
	}
	if !errors.Is(err, unix.EWOULDBLOCK) {
		return 0, fmt.Errorf("probe %s: %w", path, err)
	}
	if pid := ReadPIDFile(path); pid > 0 {
		return pid, nil
	}
	return -1, nil
}

// waitLock takes data's lock as soon as its holder lets go of it.
func waitLock(ctx context.Context, data string) (*dataLock, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		l, err := lockDataDir(data)
		var inUse *errDataInUse
		if !errors.As(err, &inUse) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-tick.C:
		}
	}
}

// acquireDataDir locks cfg.Data for a starting node. With cfg.Takeover a
// directory in use is taken over: see takeOver.
func acquireDataDir(ctx context.Context, cfg Config, sockets *edgeSockets) (*dataLock, error) {
	l, err := lockDataDir(cfg.Data)
	var inUse *errDataInUse
	if !cfg.Takeover || !errors.As(err, &inUse) {
		return l, err
	}
	return takeOver(ctx, cfg, inUse.PID, sockets)
}

// takeOver replaces the node pid on cfg.Data without refusing a
// connection:
//
//  1. bind the edge addresses with SO_REUSEPORT next to the old node's
//     listeners (the old node bound them so too). From now on the kernel
//     queues new connections in either process's backlog, and in ours
//     alone once the old one closes its listeners;
//  2. SIGTERM the old node: it closes its listeners, tells its clients to
//     go away (GOAWAY), finishes the requests in flight, closes NATS and
//     pebble, and releases the lock;
//  3. take the lock, bounded by cfg.TakeoverTimeout. The caller then
//     starts NATS and the projector and serves once the routes are
//     loaded; the queued connections are accepted then.
//
// The limit: a connection sitting in the old node's accept queue at the
// instant it closes its listener is reset by Linux, unless
// net.ipv4.tcp_migrate_req is 1 (Linux 5.14 and later), which moves it to
// our listener. The node reads that setting and warns if it is off; it
// does not change it (it is system-wide).
func takeOver(ctx context.Context, cfg Config, pid int, sockets *edgeSockets) (*dataLock, error) {
	log := cfg.Log.With("component", "takeover")
	if pid <= 0 {
		return nil, fmt.Errorf("take over %s: the node holding it wrote no pid to %s yet; try again", cfg.Data, filepath.Join(cfg.Data, LockFile))
	}
	if err := checkVaultServe(pid); err != nil {
		return nil, fmt.Errorf("take over %s: %w", cfg.Data, err)
	}
	var addrs []string
	for _, a := range []string{cfg.Edge.Listen, cfg.Edge.TLSListen} {
		if a != "" {
			addrs = append(addrs, a)
		}
	}
	if err := sockets.bindAhead(addrs); err != nil {
		return nil, fmt.Errorf("take over %s from pid %d: %w (did the running node bind with SO_REUSEPORT? nodes before takeover support did not)", cfg.Data, pid, err)
	}
	warnMigrateReq(log)
	log.Info("takeover: edge listeners bound; asking the running node to hand over", "pid", pid, "addrs", addrs)
	start := time.Now()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		sockets.Close()
		return nil, fmt.Errorf("take over %s: signal pid %d: %w", cfg.Data, pid, err)
	}
	wctx, cancel := context.WithTimeoutCause(ctx, cfg.TakeoverTimeout,
		fmt.Errorf("node pid %d did not release %s within %v (it drains its in-flight requests first); it may still be running", pid, cfg.Data, cfg.TakeoverTimeout))
	defer cancel()
	l, err := waitLock(wctx, cfg.Data)
	if err != nil {
		sockets.Close()
		return nil, fmt.Errorf("take over: %w", err)
	}
	log.Info("takeover: data directory handed over", "from", pid, "waited", time.Since(start).Round(time.Millisecond))
	return l, nil
}

// migrateReqPath is the sysctl that lets Linux move queued connections
// from a closing SO_REUSEPORT listener to another one.
const migrateReqPath = "/proc/sys/net/ipv4/tcp_migrate_req"

func warnMigrateReq(log *slog.Logger) {
	b, err := os.ReadFile(migrateReqPath)
	switch {
	case err != nil:
		log.Warn("takeover: cannot read net.ipv4.tcp_migrate_req (Linux before 5.14?): connections queued at the old node when it closes its listeners will be reset", "err", err)
	case string(bytes.TrimSpace(b)) != "1":
		log.Warn("takeover: net.ipv4.tcp_migrate_req is 0: connections queued at the old node when it closes its listeners will be reset; set it to 1 to have Linux move them here")
	default:
		log.Info("takeover: net.ipv4.tcp_migrate_req is 1: connections queued at the old node move here")
	}
}

// checkVaultServe refuses to signal a process that is not a vault node:
// the pid in a lock file could be stale for an instant while its new
// holder writes it.
func checkVaultServe(pid int) error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("pid %d holds the lock but does not exist in this pid namespace", pid)
		}
		return nil // no /proc to ask: trust the lock file
	}
	for _, arg := range bytes.Split(b, []byte{0}) {
		if string(arg) == "serve" {
			return nil
		}
	}
	return fmt.Errorf("pid %d is not a 'vault serve' (%q); not signalling it", pid, bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
}

// edgeSockets binds the edge's listeners with the socket options of the
// edge config (by default SO_REUSEPORT, TCP_DEFER_ACCEPT, TCP_FASTOPEN). A takeover binds them
// ahead, before the node owns its data directory; the edge server gets
// those when it binds. Any other bind first checks that the port is free:
// SO_REUSEPORT must never let two nodes share a port by mistake.
type edgeSockets struct {
	opts  listener.Options
	mu    sync.Mutex
	ahead map[string]net.Listener // by address
}

// listen is the edge server's Listen.
func (s *edgeSockets) listen(addr string) (net.Listener, error) {
	s.mu.Lock()
	ln := s.ahead[addr]
	delete(s.ahead, addr)
	s.mu.Unlock()
	if ln != nil {
		return ln, nil
	}
	if err := listener.CheckFree(addr); err != nil {
		return nil, err
	}
	return listener.Listen(addr, s.opts)
}

// bindAhead binds addrs now, sharing them with the node being replaced.
func (s *edgeSockets) bindAhead(addrs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ahead == nil {
		s.ahead = map[string]net.Listener{}
	}
	for _, a := range addrs {
		ln, err := listener.Listen(a, s.opts)
		if err != nil {
			s.closeLocked()
			return fmt.Errorf("bind %s: %w", a, err)
		}
		s.ahead[a] = ln
	}
	return nil
}

// Close closes the listeners bound ahead that the edge did not take.
func (s *edgeSockets) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked()
}

func (s *edgeSockets) closeLocked() {
	for a, ln := range s.ahead {
		ln.Close()
		delete(s.ahead, a)
	}
}
