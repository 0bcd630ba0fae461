package container

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/vault-runtime/vault/edge/egress"
)

// Config is what a node's Supervisor works with.
type Config struct {
	Runtime *Runtime
	// Dir holds the containers' bundles (config, output files), one
	// directory per container; Volumes the named volumes.
	Dir, Volumes string
	// Node tags the node's containers, namespaces and IDs, so that
	// several nodes on one host (tests do this) never share one.
	Node string
	// Subnet is the default network's (10.213.0.0/16 if zero).
	Subnet netip.Prefix
	// Rootfs returns the unpacked tree of an image digest.
	Rootfs func(ctx context.Context, image string) (string, error)
	// Output receives each line a container writes; nil drops them.
	Output func(Line)
	// Proxy, if set, is the containers' way out: it listens on ProxyPort
	// in the bridge namespace (every network's gateway), and a container
	// whose Spec has an Egress client is given its address as
	// HTTP_PROXY and HTTPS_PROXY. Without it, containers reach nothing
	// outside their networks.
	Proxy *egress.Proxy
	Log   *slog.Logger
}

// Line is one line of a container's stdout or stderr.
type Line struct {
	Function string
	Version  int
	Stream   string // stdout or stderr
	Text     string
	Time     time.Time
}

// DefaultSubnet is the default network's address range. It lives in the
// node's own bridge namespace, so it cannot clash with the host's.
var DefaultSubnet = netip.MustParsePrefix("10.213.0.0/16")

// Supervisor runs a node's containers: it starts them, restarts those
// whose process exits (with backoff, counting restarts), pauses, resumes
// and removes them, and, when the node restarts, adopts the ones still
// running. The node's bridges live in a network namespace of its own
// (Namespace): the edge reaches containers there by address, and nothing
// routes between that namespace and the host, nor between networks.
type Supervisor struct {
	cfg Config
	ns  string
	net Network
	log *slog.Logger

	mu        sync.Mutex
	instances map[string]*Instance // by container ID
	addrs     map[netip.Addr]string
	// removing are containers on their way out, by ID: closed when gone.
	// Starting one again waits for it, rather than adopting a container
	// about to be killed.
	removing map[string]*removal
	closed   bool
	// stopReaper ends reap.
	stopReaper chan struct{}
	// proxy is the egress proxy's listener in the bridge namespace.
	proxy net.Listener
}

// ProxyPort is where the egress proxy listens, on every gateway.
const ProxyPort = 3128

// NewSupervisor prepares the node's bridge namespace and makes the node
// the subreaper of its containers, so it collects their exit codes.
func NewSupervisor(ctx context.Context, cfg Config) (*Supervisor, error) {
	if cfg.Subnet == (netip.Prefix{}) {
		cfg.Subnet = DefaultSubnet
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// runc reads paths relative to the bundle: every path it is given is
	// absolute (a node started with --data .vault).
	for _, dir := range []*string{&cfg.Dir, &cfg.Volumes} {
		abs, err := filepath.Abs(*dir)
		if err != nil {
			return nil, fmt.Errorf("container supervisor: %w", err)
		}
		*dir = abs
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("container supervisor: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("container supervisor: become subreaper: %w", err)
	}
	s := &Supervisor{cfg: cfg, ns: "vault-" + cfg.Node, log: cfg.Log,
		instances: map[string]*Instance{}, addrs: map[netip.Addr]string{}, removing: map[string]*removal{}}
	s.net = Network{Name: DefaultNetwork, Bridge: "vault0", Subnet: cfg.Subnet, HostNS: s.ns}
	s.stopReaper = make(chan struct{})
	go s.reap(s.stopReaper)
	return s, nil
}

// Namespace is the network namespace (under /run/netns) the node's
// bridges live in: DialIn it to reach a container. It is made with the
// first bridge, and its name is kept in the file NamespaceFile beside the
// bundles, for whoever cleans up after the node.
func (s *Supervisor) Namespace() string { return s.ns }

// NamespaceFile names the file, in the directory above Config.Dir, that
// holds the bridge namespace's name.
const NamespaceFile = "netns"

// ensureNamespace makes the bridge namespace unless it exists.
func (s *Supervisor) ensureNamespace(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join("/run/netns", s.ns)); err == nil {
		return nil
	}
	if err := os.WriteFile(filepath.Join(s.cfg.Dir, "..", NamespaceFile), []byte(s.ns+"\n"), 0o600); err != nil {
		return fmt.Errorf("bridge namespace: %w", err)
	}
	if err := ip(ctx, "", "netns", "add", s.ns); err != nil {
		return fmt.Errorf("bridge namespace: %w", err)
	}
	if err := ip(ctx, s.ns, "link", "set", "lo", "up"); err != nil {
		return fmt.Errorf("bridge namespace: %w", err)
	}
	return nil
}

// ensureProxy starts the egress proxy in the bridge namespace, once.
func (s *Supervisor) ensureProxy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proxy != nil || s.cfg.Proxy == nil {
		return nil
	}
	l, err := ListenIn(s.ns, fmt.Sprintf("0.0.0.0:%d", ProxyPort))
	if err != nil {
		return fmt.Errorf("egress proxy: %w", err)
	}
	s.proxy = l
	go func() {
		if err := s.cfg.Proxy.Serve(l); err != nil {
			s.log.Error("egress proxy stopped", "err", err)
		}
	}()
	return nil
}

// Spec is one container version to run.
type Spec struct {
	Function string
	Version  int
	Image    string // digest
	// Runtime is the OCI runtime config the gatekeeper admitted; Network
	// its network mode.
	Runtime json.RawMessage
	Network string
	Port    int
	// Networks are the networks it joins (none: the default network,
	// unless Network is host or none).
	Networks []NetworkRef
	// Health is an HTTP path that must answer 2xx or 3xx before the
	// version serves; empty: a TCP connection to Port is enough.
	Health string
	// Egress, if set, grants the container what its client's policy
	// allows, through Config.Proxy.
	Egress *egress.Client
	// StopGrace is how long the program has between SIGTERM and SIGKILL
	// when its container is removed (zero: the caller's default).
	StopGrace time.Duration
}

// NetworkRef names a network and the subnet its ledger record asked for
// ("": the node chooses).
type NetworkRef struct {
	Name   string
	Subnet string
}

// DefaultNetwork is the network of containers that name none.
const DefaultNetwork = "default"

// ID is the container ID of sp on this node.
func (s *Supervisor) ID(sp Spec) string { return ID(s.cfg.Node, sp.Function, sp.Version, sp.Image) }

// ErrStopped says the supervisor was closed.
var ErrStopped = errors.New("container supervisor: closed")

// Start runs sp and waits until it is healthy, or adopts the container
// of sp a previous node process left running. It returns at once for a
// container already supervised.
func (s *Supervisor) Start(ctx context.Context, sp Spec) (*Instance, error) {
	id := s.ID(sp)
	s.mu.Lock()
	if gone := s.removing[id]; gone != nil {
		s.mu.Unlock()
		// Its program does not get the rest of its grace period: the
		// version is wanted again, and a fresh container replaces it.
		gone.hurryOnce.Do(func() { close(gone.hurry) })
		select {
		case <-gone.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("start %s@v%d: its previous container is still being removed: %w", sp.Function, sp.Version, ctx.Err())
		}
		s.mu.Lock()
	}
	if s.closed {
		s.mu.Unlock()
		return nil, ErrStopped
	}
	if in := s.instances[id]; in != nil {
		s.mu.Unlock()
		return in, in.waitHealthy(ctx)
	}
	in := &Instance{s: s, ID: id, Spec: sp, state: StateStarting, bundle: filepath.Join(s.cfg.Dir, id),
		stop: make(chan struct{}), done: make(chan struct{}), healthy: make(chan struct{})}
	s.instances[id] = in
	s.mu.Unlock()
	if err := in.launch(ctx); err != nil {
		s.forget(in)
		in.release(context.WithoutCancel(ctx), 0)
		return nil, fmt.Errorf("start %s@v%d: %w", sp.Function, sp.Version, err)
	}
	go in.supervise()
	if err := in.waitHealthy(ctx); err != nil {
		return nil, fmt.Errorf("start %s@v%d: %w", sp.Function, sp.Version, err)
	}
	return in, nil
}

func (s *Supervisor) forget(in *Instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.instances[in.ID] == in {
		delete(s.instances, in.ID)
	}
	// Every address the container holds, on each of its networks.
	maps.DeleteFunc(s.addrs, func(_ netip.Addr, id string) bool { return id == in.ID })
}

// allocate picks id's address on n: a hash of the ID in the subnet,
// then the next free one.
func (s *Supervisor) allocate(id string, n Network) (netip.Addr, error) {
	sum := sha256.Sum256([]byte(id))
	bits := 32 - n.Subnet.Bits()
	size := uint32(1) << bits
	base := binary.BigEndian.Uint32(n.Subnet.Masked().Addr().AsSlice())
	s.mu.Lock()
	defer s.mu.Unlock()
	start := binary.BigEndian.Uint32(sum[:4]) % size
	for i := range size {
		off := (start + i) % size
		if off < 2 || off == size-1 { // network, gateway, broadcast
			continue
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], base+off)
		a := netip.AddrFrom4(b)
		if _, taken := s.addrs[a]; !taken {
			s.addrs[a] = id
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("network %s: no free address in %s", n.Name, n.Subnet)
}

// autoSubnets is where networks whose record names no subnet get one, a
// /24 each.
var autoSubnets = netip.MustParsePrefix("10.214.0.0/16")

// network is the bridge of ref on this node. A network whose record
// names no subnet gets a /24 of autoSubnets, chosen once and remembered
// under the bridge namespace's directory, so a restarted node finds the
// same bridge with the same addresses.
func (s *Supervisor) network(ctx context.Context, ref NetworkRef) (Network, error) {
	if err := s.ensureNamespace(ctx); err != nil {
		return Network{}, err
	}
	if err := s.ensureProxy(); err != nil {
		return Network{}, err
	}
	if ref.Name == DefaultNetwork || ref.Name == "" {
		return s.net, nil
	}
	sum := sha256.Sum256([]byte(ref.Name))
	n := Network{Name: ref.Name, Bridge: "vb" + hex.EncodeToString(sum[:6]), HostNS: s.ns}
	if ref.Subnet != "" {
		p, err := netip.ParsePrefix(ref.Subnet)
		if err != nil || !p.Addr().Is4() {
			return Network{}, fmt.Errorf("network %s: subnet %q: not an IPv4 prefix", ref.Name, ref.Subnet)
		}
		n.Subnet = p.Masked()
		return n, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	file := filepath.Join(s.cfg.Dir, "..", "networks", ref.Name)
	if b, err := os.ReadFile(file); err == nil {
		if p, err := netip.ParsePrefix(strings.TrimSpace(string(b))); err == nil {
			n.Subnet = p
			return n, nil
		}
	}
	taken := map[netip.Prefix]bool{}
	entries, _ := os.ReadDir(filepath.Dir(file))
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(file), e.Name())); err == nil {
			if p, err := netip.ParsePrefix(strings.TrimSpace(string(b))); err == nil {
				taken[p] = true
			}
		}
	}
	base := autoSubnets.Addr().As4()
	for i := range 256 {
		third := (int(sum[0]) + i) % 256
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], base[1], byte(third), 0}), 24)
		if taken[p] {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return Network{}, fmt.Errorf("network %s: %w", ref.Name, err)
		}
		if err := os.WriteFile(file, []byte(p.String()), 0o600); err != nil {
			return Network{}, fmt.Errorf("network %s: %w", ref.Name, err)
		}
		n.Subnet = p
		return n, nil
	}
	return Network{}, fmt.Errorf("network %s: no free /24 left in %s", ref.Name, autoSubnets)
}

// claim records an adopted container's address.
func (s *Supervisor) claim(id string, a netip.Addr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, taken := s.addrs[a]; taken && other != id {
		return fmt.Errorf("address %s is %s's", a, other)
	}
	s.addrs[a] = id
	return nil
}

// Instance is the supervised container of id, if any.
func (s *Supervisor) Instance(id string) *Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.instances[id]
}

// Instances are the supervised containers, by ID.
func (s *Supervisor) Instances() []*Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Instance, 0, len(s.instances))
	for _, in := range s.instances {
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b *Instance) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Remove stops and deletes the container of id: SIGTERM, SIGKILL after
// grace, its namespace, bundle and overlay released.
func (s *Supervisor) Remove(ctx context.Context, id string, grace time.Duration) error {
	in := s.Instance(id)
	if in == nil {
		return nil
	}
	s.forget(in)
	s.mu.Lock()
	s.markRemovingLocked(id)
	s.mu.Unlock()
	return in.remove(ctx, grace)
}

// removal is a container on its way out.
type removal struct {
	done      chan struct{} // closed when it is gone
	hurry     chan struct{} // closed to end its grace period at once
	hurryOnce sync.Once
}

// hurryOf is id's removal's hurry channel (nil if none).
func (s *Supervisor) hurryOf(id string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.removing[id]; r != nil {
		return r.hurry
	}
	return nil
}

// removed ends id's removal.
func (s *Supervisor) removed(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.removing[id]; r != nil {
		close(r.done)
		delete(s.removing, id)
	}
}

// removing marks id as on its way out; s.mu is held.
func (s *Supervisor) markRemovingLocked(id string) {
	if s.removing[id] == nil {
		s.removing[id] = &removal{done: make(chan struct{}), hurry: make(chan struct{})}
	}
}

// Prune removes every container of this node, supervised or left by an
// earlier process, that keep does not name.
func (s *Supervisor) Prune(ctx context.Context, keep map[string]bool, grace time.Duration) error {
	victims, err := s.Unwanted(ctx, keep)
	for _, in := range victims {
		err = errors.Join(err, in.remove(ctx, grace))
	}
	return err
}

// Unwanted takes out of supervision, at once, every container keep does
// not name, and returns them for the caller to remove (Remove): the
// node publishes a route table, then stops what it no longer routes to
// without holding up the next one. It includes containers an earlier
// node process left that no Start adopted.
func (s *Supervisor) Unwanted(ctx context.Context, keep map[string]bool) ([]*Instance, error) {
	var victims []*Instance
	for _, in := range s.Instances() {
		if !keep[in.ID] {
			s.forget(in)
			s.mu.Lock()
			s.markRemovingLocked(in.ID)
			s.mu.Unlock()
			victims = append(victims, in)
		}
	}
	list, err := s.cfg.Runtime.List(ctx)
	if err != nil {
		return victims, err
	}
	prefix := "vault-" + s.cfg.Node + "-"
	for _, st := range list {
		if !strings.HasPrefix(st.ID, prefix) || keep[st.ID] || s.Instance(st.ID) != nil || slices.ContainsFunc(victims, func(in *Instance) bool { return in.ID == st.ID }) {
			continue
		}
		s.log.Info("removing a container the ledger no longer wants", "container", st.ID, "status", st.Status)
		stray := &Instance{s: s, ID: st.ID, bundle: filepath.Join(s.cfg.Dir, st.ID), stop: make(chan struct{}), done: make(chan struct{})}
		close(stray.done)
		s.mu.Lock()
		s.markRemovingLocked(st.ID)
		s.mu.Unlock()
		victims = append(victims, stray)
	}
	return victims, nil
}

// Remove stops and deletes in (from Unwanted): SIGTERM, SIGKILL after
// grace, its namespace, bundle and overlay released.
func (in *Instance) Remove(ctx context.Context, grace time.Duration) error {
	return in.remove(ctx, grace)
}

// Close stops supervising; the containers keep running, for the next
// node process to adopt.
func (s *Supervisor) Close() {
	s.mu.Lock()
	if !s.closed {
		close(s.stopReaper)
		if s.proxy != nil {
			s.proxy.Close()
		}
	}
	s.closed = true
	ins := make([]*Instance, 0, len(s.instances))
	for _, in := range s.instances {
		ins = append(ins, in)
	}
	s.mu.Unlock()
	for _, in := range ins {
		in.detachSupervision()
	}
}

// volumeDir is named volume name's directory, made on first use and
// owned by the container's user, so a non-root container can write it.
func (s *Supervisor) volumeDir(name string, user specs.User) (string, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return "", fmt.Errorf("volume %q: not a volume name", name)
	}
	dir := filepath.Join(s.cfg.Volumes, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return dir, nil
		}
		return "", fmt.Errorf("volume %s: %w", name, err)
	}
	if err := os.Chown(dir, int(user.UID), int(user.GID)); err != nil {
		return "", fmt.Errorf("volume %s: %w", name, err)
	}
	return dir, nil
}

// RemoveVolume deletes named volume name's directory and what it holds:
// the ledger removed the volume (volume.removed is refused while a live
// version mounts it).
func (s *Supervisor) RemoveVolume(name string) error {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return fmt.Errorf("remove volume %q: not a volume name", name)
	}
	if err := os.RemoveAll(filepath.Join(s.cfg.Volumes, name)); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}
