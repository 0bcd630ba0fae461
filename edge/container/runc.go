package container

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Runtime drives runc for one node.
type Runtime struct {
	runc  string // the runc binary
	state string // runc --root: the node's container state
	log   *slog.Logger
}

// ErrNoRunc says runc is not installed.
var ErrNoRunc = errors.New("container: runc is not installed (apt-get install runc)")

// New finds runc (on PATH unless path is given) and keeps container state
// in stateDir (made 0700).
func New(path, stateDir string, log *slog.Logger) (*Runtime, error) {
	if path == "" {
		p, err := exec.LookPath("runc")
		if err != nil {
			return nil, ErrNoRunc
		}
		path = p
	}
	stateDir, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, fmt.Errorf("container: state directory: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("container: state directory: %w", err)
	}
	return &Runtime{runc: path, state: stateDir, log: log}, nil
}

// ID is the container ID of version v of function fn on node (a short
// tag; "" for none): the same every time, so a restarted node finds its
// containers, and apart from other nodes' on the same host.
func ID(node, fn string, version int, image string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s@v%d %s", fn, version, image)))
	if node != "" {
		node += "-"
	}
	return fmt.Sprintf("vault-%s%s-v%d-%s", node, fn, version, hex.EncodeToString(sum[:4]))
}

// Bundle is where a container's config and output live.
type Bundle struct {
	Dir string
	// Stdout and Stderr are the container's output files.
	Stdout, Stderr string
}

// Create writes spec, with rootfs as its root, into bundle dir (0700)
// and has runc create the container: its process exists, stopped before
// the user's program, until Start. netns, if set, is the network
// namespace the node made for it (Attach); the node-local fields are
// filled in here, after the gatekeeper judged the config without them.
func (r *Runtime) Create(ctx context.Context, id, dir, rootfs, netns string, spec *specs.Spec) (*Bundle, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", id, err)
	}
	s := *spec
	root := *spec.Root
	root.Path = rootfs
	s.Root = &root
	if netns != "" {
		linux := *spec.Linux
		linux.Namespaces = slices.Clone(linux.Namespaces)
		for i, ns := range linux.Namespaces {
			if ns.Type == specs.NetworkNamespace {
				linux.Namespaces[i].Path = netns
			}
		}
		s.Linux = &linux
	}
	config, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", id, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), config, 0o600); err != nil {
		return nil, fmt.Errorf("create %s: %w", id, err)
	}
	b := &Bundle{Dir: dir, Stdout: filepath.Join(dir, "stdout.log"), Stderr: filepath.Join(dir, "stderr.log")}
	stdout, err := os.OpenFile(b.Stdout, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", id, err)
	}
	defer stdout.Close()
	stderr, err := os.OpenFile(b.Stderr, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", id, err)
	}
	defer stderr.Close()
	// The container's process inherits runc create's stdio: the files.
	cmd := exec.CommandContext(ctx, r.runc, "--root", r.state, "create", "--bundle", dir, "--pid-file", filepath.Join(dir, "pid"), id)
	// Files, not pipes: the container keeps them open after runc exits,
	// and a pipe would hold Run until the container ends. runc's own
	// complaints land in the stderr file too.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, stdout, stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("create %s: runc: %v: %s", id, err, tail(b.Stderr, 1024))
	}
	return b, nil
}

// Start runs the created container's program.
func (r *Runtime) Start(ctx context.Context, id string) error { return r.run(ctx, "start", id) }

// Kill sends sig to the container's program.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal) error {
	return r.run(ctx, "kill", id, fmt.Sprint(int(sig)))
}

// Stop asks the container's program to end (SIGTERM) and kills it
// (SIGKILL) if it has not within grace. A program that is PID 1 of its
// namespace and installed no handler ignores SIGTERM (busybox httpd
// does), so the kill is what usually ends it.
func (r *Runtime) Stop(ctx context.Context, id string, grace time.Duration) error {
	return r.StopOrHurry(ctx, id, grace, nil)
}

// StopOrHurry is Stop whose grace period ends early when hurry closes.
func (r *Runtime) StopOrHurry(ctx context.Context, id string, grace time.Duration, hurry <-chan struct{}) error {
	if err := r.Kill(ctx, id, syscall.SIGTERM); err != nil {
		return err
	}
	if stopped, err := r.waitStopped(ctx, id, time.Now().Add(grace), hurry); stopped || err != nil {
		return err
	}
	r.log.Info("container ignored SIGTERM; killing it", "container", id, "grace", grace)
	if err := r.Kill(ctx, id, syscall.SIGKILL); err != nil {
		return err
	}
	_, err := r.waitStopped(ctx, id, time.Time{}, nil)
	return err
}

// waitStopped polls the container's state until it is stopped, until
// deadline (zero: until ctx ends) or hurry, or until its state cannot be
// read.
func (r *Runtime) waitStopped(ctx context.Context, id string, deadline time.Time, hurry <-chan struct{}) (bool, error) {
	for pause := 10 * time.Millisecond; deadline.IsZero() || time.Now().Before(deadline); pause = min(2*pause, 200*time.Millisecond) {
		st, err := r.State(ctx, id)
		if err != nil {
			return false, err
		}
		if st.Status == "stopped" {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-hurry:
			return false, nil
		case <-time.After(pause):
		}
	}
	return false, nil
}

// Delete removes the container; force kills it first if it runs.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	if force {
		return r.run(ctx, "delete", "--force", id)
	}
	return r.run(ctx, "delete", id)
}

// State is what runc says of a container.
type State struct {
	ID     string `json:"id"`
	Status string `json:"status"` // created, running, paused, stopped
	Pid    int    `json:"pid"`
	Bundle string `json:"bundle"`
}

// ErrNotFound says runc has no such container.
var ErrNotFound = errors.New("container: no such container")

// State asks runc for the container's state.
func (r *Runtime) State(ctx context.Context, id string) (State, error) {
	out, err := r.output(ctx, "state", id)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return State{}, fmt.Errorf("state %s: %w", id, ErrNotFound)
		}
		return State{}, err
	}
	var st State
	if err := json.Unmarshal(out, &st); err != nil {
		return State{}, fmt.Errorf("state %s: %w", id, err)
	}
	return st, nil
}

// List is every container in the node's state directory.
func (r *Runtime) List(ctx context.Context) ([]State, error) {
	out, err := r.output(ctx, "list", "--format", "json")
	if err != nil {
		return nil, err
	}
	var list []State
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return list, nil
}

// Exec runs args in the container and returns its output.
func (r *Runtime) Exec(ctx context.Context, id string, args ...string) ([]byte, error) {
	return r.output(ctx, append([]string{"exec", id}, args...)...)
}

func (r *Runtime) run(ctx context.Context, args ...string) error {
	_, err := r.output(ctx, args...)
	return err
}

// command is runc with args on the node's state. Interrupted by ctx, runc
// gets SIGTERM, which it passes on to what it runs (an exec'd program)
// and waits for; SIGKILL only if that takes long.
func (r *Runtime) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.runc, append([]string{"--root", r.state}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (r *Runtime) output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := r.command(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("runc %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// tail is the last n bytes of file, trimmed.
func tail(file string, n int64) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(fi.Size()-n, 0)
	}
	b := make([]byte, n)
	k, _ := f.Read(b)
	return strings.TrimSpace(string(b[:k]))
}
