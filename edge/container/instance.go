package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// States of a supervised container.
const (
	StateStarting   = "starting"
	StateRunning    = "running"
	StatePaused     = "paused"
	StateRestarting = "restarting" // its process exited; it is started again after a backoff
	StateCrashLoop  = "crashloop"  // restarting, and it exited crashLoopAfter times in a row soon after starting
	StateStopped    = "stopped"
)

// Restart backoff: doubling from minBackoff to maxBackoff; a process that
// ran stableAfter resets it.
const (
	minBackoff     = 100 * time.Millisecond
	maxBackoff     = 30 * time.Second
	stableAfter    = 10 * time.Second
	crashLoopAfter = 5
)

// Instance is one supervised container.
type Instance struct {
	s      *Supervisor
	ID     string
	Spec   Spec
	Addr   netip.AddrPort // where the edge reaches it, in the bridge namespace
	bundle string

	spec    *specs.Spec // as runc runs it: node-local fields filled in
	rootfs  string
	overlay bool // rootfs is an overlay mounted in the bundle (a writable root)

	stop    chan struct{} // closed to end supervision
	done    chan struct{} // closed when supervision ended
	healthy chan struct{} // closed once it answered
	once    sync.Once

	stopOnce  sync.Once
	pipeOnce  sync.Once
	closeOnce sync.Once
	pipe      [2]int
	pipeErr   error

	mu        sync.Mutex
	state     string
	pid       int
	started   time.Time
	restarts  int
	streak    int // exits in a row that came before stableAfter
	lastExit  string
	healthErr error
}

// Status is what ps shows of a container.
type Status struct {
	ID       string    `json:"id"`
	Function string    `json:"function"`
	Version  int       `json:"version"`
	State    string    `json:"state"`
	Pid      int       `json:"pid,omitempty"`
	Addr     string    `json:"addr,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Restarts int       `json:"restarts"`
	LastExit string    `json:"lastExit,omitempty"`
}

// Status reports the container's state now.
func (in *Instance) Status() Status {
	in.mu.Lock()
	defer in.mu.Unlock()
	st := Status{ID: in.ID, Function: in.Spec.Function, Version: in.Spec.Version, State: in.state, Pid: in.pid,
		Started: in.started, Restarts: in.restarts, LastExit: in.lastExit}
	if in.Addr.IsValid() {
		st.Addr = in.Addr.String()
	}
	return st
}

func (in *Instance) setState(state string) {
	in.mu.Lock()
	in.state = state
	in.mu.Unlock()
}

// launch adopts the container a previous node process left running, or
// creates and starts it.
func (in *Instance) launch(ctx context.Context) error {
	s := in.s
	spec, err := in.prepare(ctx)
	if err != nil {
		return err
	}
	in.spec = spec
	if st, err := s.cfg.Runtime.State(ctx, in.ID); err == nil {
		if addr, ok := in.adoptable(st); ok {
			if !addr.IsValid() || in.Spec.Network == "host" || s.claim(in.ID, addr.Addr()) == nil {
				in.Addr = addr
				if addr.IsValid() && in.Spec.Network != "host" {
					in.spec = withNetNS(in.spec, filepath.Join("/run/netns", in.ID))
					if in.Spec.Egress != nil && s.cfg.Proxy != nil {
						// As launched: the proxy on its first network's
						// gateway, in the config a restart uses too.
						first := NetworkRef{Name: DefaultNetwork}
						if len(in.Spec.Networks) > 0 {
							first = in.Spec.Networks[0]
						}
						n, err := s.network(ctx, first)
						if err != nil {
							return err
						}
						in.spec = withProxy(in.spec, fmt.Sprintf("http://%s:%d", n.Gateway(), ProxyPort))
						s.cfg.Proxy.Allow(addr.Addr(), in.Spec.Egress)
					}
				}
				in.mu.Lock()
				in.pid, in.started, in.state = st.Pid, time.Now(), StateRunning
				if st.Status == "paused" {
					in.state = StatePaused
				}
				in.mu.Unlock()
				s.log.Info("adopted a running container", "container", in.ID, "pid", st.Pid, "addr", addr, "status", st.Status)
				in.tailOutput(true)
				return nil
			}
		}
		s.log.Info("replacing a container left in an unusable state", "container", in.ID, "status", st.Status)
		if err := s.cfg.Runtime.Delete(ctx, in.ID, true); err != nil {
			return err
		}
	}
	_ = Detach(ctx, in.ID) // a namespace an earlier process left behind
	netns := ""
	var gateway netip.Addr
	var others []string // addresses on networks after the first
	switch in.Spec.Network {
	case "none":
	case "host":
		in.Addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(in.Spec.Port))
	default:
		refs := in.Spec.Networks
		if len(refs) == 0 {
			refs = []NetworkRef{{Name: DefaultNetwork}}
		}
		for i, ref := range refs {
			n, err := s.network(ctx, ref)
			if err != nil {
				return err
			}
			a, err := s.allocate(in.ID, n)
			if err != nil {
				return err
			}
			att, err := Attach(ctx, n, in.ID, fmt.Sprintf("eth%d", i), a, i == 0)
			if err != nil {
				return err
			}
			if i == 0 { // the edge reaches it on its first network
				netns, in.Addr = att.NSPath, netip.AddrPortFrom(a, uint16(in.Spec.Port))
				gateway = n.Gateway()
			} else {
				others = append(others, a.String())
			}
		}
		// The first address, then the others: a node that adopts the
		// container claims them all.
		record := strings.Join(append([]string{in.Addr.String()}, others...), "\n")
		if err := os.WriteFile(filepath.Join(in.bundle, "addr"), []byte(record), 0o600); err != nil {
			return err
		}
	}
	if netns != "" {
		in.spec = withNetNS(in.spec, netns)
	}
	if in.Spec.Egress != nil && s.cfg.Proxy != nil && gateway.IsValid() {
		in.spec = withProxy(in.spec, fmt.Sprintf("http://%s:%d", gateway, ProxyPort))
		s.cfg.Proxy.Allow(in.Addr.Addr(), in.Spec.Egress)
	}
	if err := in.create(ctx); err != nil {
		return err
	}
	in.tailOutput(false)
	return nil
}

// adoptable says whether runc's container st is one this instance can
// take over as it is, and its address.
func (in *Instance) adoptable(st State) (netip.AddrPort, bool) {
	if st.Status != "running" && st.Status != "paused" {
		return netip.AddrPort{}, false
	}
	switch in.Spec.Network {
	case "none":
		return netip.AddrPort{}, true
	case "host":
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(in.Spec.Port)), true
	}
	b, err := os.ReadFile(filepath.Join(in.bundle, "addr"))
	if err != nil {
		return netip.AddrPort{}, false
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return netip.AddrPort{}, false
	}
	for _, l := range lines[1:] {
		if a, err := netip.ParseAddr(l); err != nil || in.s.claim(in.ID, a) != nil {
			return netip.AddrPort{}, false
		}
	}
	addr, err := netip.ParseAddrPort(lines[0])
	return addr, err == nil && addr.Port() == uint16(in.Spec.Port)
}

// prepare reads the admitted config and fills in the node-local parts:
// the image's tree (under an overlay when the root is writable) and the
// volumes' directories.
func (in *Instance) prepare(ctx context.Context) (*specs.Spec, error) {
	var spec specs.Spec
	if err := json.Unmarshal(in.Spec.Runtime, &spec); err != nil {
		return nil, fmt.Errorf("runtime config: %w", err)
	}
	if spec.Root == nil || spec.Process == nil || spec.Linux == nil {
		return nil, errors.New("runtime config: no root, process or linux section")
	}
	if err := os.MkdirAll(in.bundle, 0o700); err != nil {
		return nil, err
	}
	tree, err := in.s.cfg.Rootfs(ctx, in.Spec.Image)
	if err == nil {
		tree, err = filepath.Abs(tree)
	}
	if err != nil {
		return nil, err
	}
	in.rootfs = tree
	if !spec.Root.Readonly {
		// The unpacked image is shared by every container of it: a
		// writable root writes to an upper layer of its own.
		if in.rootfs, err = mountOverlay(in.bundle, tree); err != nil {
			return nil, err
		}
		in.overlay = true
	}
	for i, m := range spec.Mounts {
		name, ok := strings.CutPrefix(m.Source, "volume:")
		if !ok || m.Type != "bind" {
			continue
		}
		dir, err := in.s.volumeDir(name, hostUser(&spec))
		if err != nil {
			return nil, err
		}
		spec.Mounts[i].Source = dir
	}
	return &spec, nil
}

// hostUser is the host's view of the container's user: through the user
// namespace's mappings when it has one.
func hostUser(spec *specs.Spec) specs.User {
	u := spec.Process.User
	mapID := func(id uint32, maps []specs.LinuxIDMapping) uint32 {
		for _, m := range maps {
			if id >= m.ContainerID && id-m.ContainerID < m.Size {
				return m.HostID + id - m.ContainerID
			}
		}
		return id
	}
	return specs.User{UID: mapID(u.UID, spec.Linux.UIDMappings), GID: mapID(u.GID, spec.Linux.GIDMappings)}
}

// mountOverlay mounts tree under a writable layer kept in bundle.
func mountOverlay(bundle, tree string) (string, error) {
	root := filepath.Join(bundle, "rootfs")
	upper, work := filepath.Join(bundle, "upper"), filepath.Join(bundle, "work")
	for _, d := range []string{root, upper, work} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", err
		}
	}
	var st, parent unix.Stat_t
	if unix.Stat(root, &st) == nil && unix.Stat(bundle, &parent) == nil && st.Dev != parent.Dev {
		return root, nil // still mounted from an earlier start
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", tree, upper, work)
	if err := unix.Mount("overlay", root, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("writable root: mount overlay: %w", err)
	}
	return root, nil
}

// withProxy sets the proxy variables programs read (curl, wget, Go,
// Python, Node's undici with them) to the egress proxy: a node-local
// part, like the namespace; it grants nothing the policy does not.
func withProxy(spec *specs.Spec, url string) *specs.Spec {
	s := *spec
	proc := *spec.Process
	proc.Env = append(slices.Clone(proc.Env), "HTTP_PROXY="+url, "HTTPS_PROXY="+url, "http_proxy="+url, "https_proxy="+url)
	s.Process = &proc
	return &s
}

func withNetNS(spec *specs.Spec, path string) *specs.Spec {
	s := *spec
	linux := *spec.Linux
	linux.Namespaces = append([]specs.LinuxNamespace(nil), linux.Namespaces...)
	for i, ns := range linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			linux.Namespaces[i].Path = path
		}
	}
	s.Linux = &linux
	return &s
}

// create has runc create and start the container.
func (in *Instance) create(ctx context.Context) error {
	rt := in.s.cfg.Runtime
	if _, err := rt.Create(ctx, in.ID, in.bundle, in.rootfs, "", in.spec); err != nil {
		return err
	}
	if err := rt.Start(ctx, in.ID); err != nil {
		_ = rt.Delete(context.WithoutCancel(ctx), in.ID, true)
		return err
	}
	// runc's pid file, not its state: a program that already ended has
	// no pid in the state, and its exit status is still to be collected.
	b, err := os.ReadFile(filepath.Join(in.bundle, "pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("%s: pid file: %w", in.ID, err)
	}
	in.mu.Lock()
	in.pid, in.started, in.state = pid, time.Now(), StateRunning
	in.mu.Unlock()
	return nil
}

// supervise waits for the container's process to exit and starts it
// again, until stop.
func (in *Instance) supervise() {
	defer close(in.done)
	for {
		in.mu.Lock()
		pid := in.pid
		in.mu.Unlock()
		code, stopped := in.wait(pid)
		if stopped {
			return
		}
		in.mu.Lock()
		ran := time.Since(in.started)
		if ran >= stableAfter {
			in.streak = 0
		}
		in.streak++
		in.restarts++
		in.lastExit = code
		in.state = StateRestarting
		if in.streak >= crashLoopAfter {
			in.state = StateCrashLoop
		}
		backoff := min(minBackoff<<min(in.streak-1, 20), maxBackoff)
		state, restarts := in.state, in.restarts
		in.mu.Unlock()
		in.s.log.Warn("container exited; restarting it", "container", in.ID, "exit", code, "ran", ran.Round(time.Millisecond),
			"restarts", restarts, "backoff", backoff, "state", state)
		select {
		case <-in.stop:
			return
		case <-time.After(backoff):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := in.s.cfg.Runtime.Delete(ctx, in.ID, true)
		if err == nil || errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), "does not exist") {
			err = in.create(ctx)
		}
		cancel()
		if err != nil {
			in.s.log.Error("container not restarted", "container", in.ID, "err", err)
			in.mu.Lock()
			in.pid = 0 // wait returns at once: the next attempt after a longer backoff
			in.mu.Unlock()
		}
	}
}

// wait blocks until process pid ends, or stop. It reaps the process when
// it is the node's child (the node is the containers' subreaper) and
// says how it ended.
func (in *Instance) wait(pid int) (exit string, stopped bool) {
	if pid <= 0 {
		in.mu.Lock()
		defer in.mu.Unlock()
		return in.lastExit, false // its restart failed; the next one comes after a longer backoff
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return "gone", false
	}
	defer unix.Close(fd)
	// The stop pipe's read end becomes readable (EOF) when stop closes.
	wake, err := in.stopPipe()
	if err != nil {
		return "unknown: " + err.Error(), false
	}
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
		_, err := unix.Poll(fds, -1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return "unknown: " + err.Error(), false
		}
		if fds[1].Revents != 0 {
			return "", true
		}
		if fds[0].Revents != 0 {
			break
		}
	}
	var ws unix.WaitStatus
	if got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err != nil || got != pid {
		return "exited (not the node's child: no status)", false
	}
	switch {
	case ws.Signaled():
		return "killed by " + unix.SignalName(ws.Signal()), false
	default:
		return fmt.Sprintf("exit code %d", ws.ExitStatus()), false
	}
}

// waitHealthy waits until the container first answered, or failed to.
func (in *Instance) waitHealthy(ctx context.Context) error {
	in.once.Do(func() { go in.probe() })
	select {
	case <-ctx.Done():
		in.mu.Lock()
		err := in.healthErr
		in.mu.Unlock()
		if err != nil {
			return fmt.Errorf("not healthy before the deadline: %w", err)
		}
		return fmt.Errorf("not healthy before the deadline: %w", ctx.Err())
	case <-in.healthy:
		return nil
	}
}

// Pause freezes the container's processes (cgroup freezer).
func (in *Instance) Pause(ctx context.Context) error {
	if err := in.s.cfg.Runtime.run(ctx, "pause", in.ID); err != nil {
		return err
	}
	in.setState(StatePaused)
	return nil
}

// Resume thaws them.
func (in *Instance) Resume(ctx context.Context) error {
	if err := in.s.cfg.Runtime.run(ctx, "resume", in.ID); err != nil {
		return err
	}
	in.setState(StateRunning)
	return nil
}

// Signal sends sig to the container's program; one that ends is
// restarted.
func (in *Instance) Signal(ctx context.Context, sig syscall.Signal) error {
	return in.s.cfg.Runtime.Kill(ctx, in.ID, sig)
}

// stopPipe is the read end of a pipe whose write end is closed when
// supervision ends, for poll.
func (in *Instance) stopPipe() (int, error) {
	in.pipeOnce.Do(func() {
		var p [2]int
		if in.pipeErr = unix.Pipe2(p[:], unix.O_CLOEXEC); in.pipeErr != nil {
			return
		}
		in.pipe = p
		go func() {
			<-in.stop
			unix.Close(p[1])
		}()
	})
	return in.pipe[0], in.pipeErr
}

// detachSupervision ends supervision, leaving the container running.
func (in *Instance) detachSupervision() {
	in.stopOnce.Do(func() { close(in.stop) })
	<-in.done
	in.pipeOnce.Do(func() { in.pipeErr = ErrStopped }) // no pipe after this
	in.closeOnce.Do(func() {
		if in.pipeErr == nil {
			unix.Close(in.pipe[0])
		}
	})
}

// remove ends supervision, stops and deletes the container and releases
// its namespace, overlay and bundle.
func (in *Instance) remove(ctx context.Context, grace time.Duration) error {
	defer in.s.removed(in.ID)
	in.detachSupervision()
	if in.Spec.StopGrace > 0 {
		grace = in.Spec.StopGrace
	}
	return in.release(ctx, grace)
}

// release stops and deletes the container and its namespace, overlay and
// bundle; nothing supervises it.
func (in *Instance) release(ctx context.Context, grace time.Duration) error {
	if in.s.cfg.Proxy != nil && in.Addr.IsValid() {
		in.s.cfg.Proxy.Forget(in.Addr.Addr())
	}
	rt := in.s.cfg.Runtime
	var errs []error
	if st, err := rt.State(ctx, in.ID); err == nil {
		if st.Status == "paused" {
			_ = rt.run(ctx, "resume", in.ID)
		}
		if st.Status == "running" || st.Status == "paused" {
			// Nothing supervises it now: when it is the node's child (the
			// node is the subreaper), collect it as it ends, or it stays a
			// zombie that runc reports as running.
			go unix.Wait4(st.Pid, nil, 0, nil)
			if err := rt.StopOrHurry(ctx, in.ID, grace, in.s.hurryOf(in.ID)); err != nil {
				errs = append(errs, err)
			}
		}
		if err := rt.Delete(ctx, in.ID, true); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := os.Stat(filepath.Join("/run/netns", in.ID)); err == nil {
		errs = append(errs, Detach(ctx, in.ID))
	}
	root := filepath.Join(in.bundle, "rootfs")
	if err := unix.Unmount(root, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("unmount %s: %w", root, err))
	}
	if err := os.RemoveAll(in.bundle); err != nil {
		errs = append(errs, err)
	}
	in.setState(StateStopped)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove %s: %w", in.ID, err)
	}
	return nil
}

// Exec runs args in the container, as the container's own process runs
// (its user, capabilities, no_new_privileges, seccomp profile: runc exec
// starts from the container's config), writing its output to stdout and
// stderr, and returns its exit code. ctx's end stops it (SIGTERM, which
// runc passes on, then SIGKILL).
func (in *Instance) Exec(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	cmd := in.s.cfg.Runtime.command(ctx, append([]string{"exec", in.ID}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && ctx.Err() == nil:
		return exit.ExitCode(), nil
	}
	return -1, fmt.Errorf("exec in %s: %w", in.ID, err)
}
