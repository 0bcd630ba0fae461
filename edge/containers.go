package edge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/vault-runtime/vault/edge/container"
	"github.com/vault-runtime/vault/edge/egress"
	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// upstream is a warmed container version: its supervised container and
// the connections the edge keeps to it.
type upstream struct {
	fn        string
	version   int
	in        *container.Instance
	transport *http.Transport
	bodyLimit int64
	handles   *metrics.FnHandles
}

// removeGrace is how long a container the ledger no longer routes to
// gets between SIGTERM and SIGKILL.
const removeGrace = 10 * time.Second

// warmContainer starts version v's container, or adopts the one an
// earlier node process left running, and returns once it answers its
// health check: a version goes live only healthy.
func (f *Functions) warmContainer(ctx context.Context, key, fn string, v fold.ServedVersion, m *schemas.Manifest) error {
	if f.opts.Containers == nil {
		// Recorded and kept in the ledger like any version; running it
		// needs the container runtime, which this node does not have.
		return fmt.Errorf("warm %s: a container (image %s, port %d): %w", key, m.Image, m.Port, ErrNoContainers)
	}
	if len(v.Runtime) == 0 || v.Image == "" {
		return fmt.Errorf("warm %s: the deploy record carries no runtime config or image", key)
	}
	sp := container.Spec{Function: fn, Version: v.Version, Image: v.Image, Runtime: v.Runtime, Network: v.Network,
		Port: m.Port, Health: m.Health, StopGrace: time.Duration(m.StopGrace)}
	for _, n := range v.Networks {
		sp.Networks = append(sp.Networks, container.NetworkRef{Name: n.Name, Subnet: n.Subnet})
	}
	if len(m.Egress) > 0 {
		// The same allow-list syntax and rules as a function's fetch,
		// through the node's egress proxy.
		policy, err := egress.NewPolicy(m.Egress)
		if err != nil {
			return fmt.Errorf("warm %s: %w", key, err)
		}
		sp.Egress = egress.NewClient(policy, f.log.With("fn", fn, "version", v.Version, "component", "egress"))
	}
	in, err := f.opts.Containers.Start(ctx, sp)
	if err != nil {
		return fmt.Errorf("warm %s: %w", key, err)
	}
	up := &upstream{fn: fn, version: v.Version, in: in, bodyLimit: f.opts.Max.Clamp(m.Limits).RequestBodyBytes}
	conns := schemas.DefaultConnections
	if m.Container != nil && m.Container.Limits.Connections > 0 {
		conns = int(m.Container.Limits.Connections)
	}
	up.transport = &http.Transport{
		DialContext:           func(ctx context.Context, _, _ string) (net.Conn, error) { return in.Dial(ctx) },
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		DisableCompression:    true,
	}
	f.mu.Lock()
	if f.upstreams[key] == nil {
		f.upstreams[key] = up
	}
	f.mu.Unlock()
	return nil
}

// containerChoice is a route choice for a container version; f.mu is
// held.
func (f *Functions) containerChoice(s fold.Served, v fold.ServedVersion, live map[string]*upstream) (*upstream, error) {
	key := programKey(s.Function, v)
	up := f.upstreams[key]
	if up == nil {
		return nil, fmt.Errorf("v%d was never warmed", v.Version)
	}
	live[key] = up
	if up.handles == nil {
		up.handles = f.opts.Metrics.Function(s.Function, v.Version)
	}
	return up, nil
}

// settleContainers follows a published table: paused functions' containers
// are frozen, resumed ones thawed (before their routes go live: thaw is
// called before the table is stored), and containers no route names are
// stopped and removed in the background.
func (f *Functions) settleContainers(live map[string]*upstream, paused map[string]bool, thaw bool) {
	sup := f.opts.Containers
	if sup == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, up := range live {
		st := up.in.Status().State
		switch {
		case thaw && !paused[up.fn] && st == container.StatePaused:
			if err := up.in.Resume(ctx); err != nil {
				f.log.Error("container not resumed", "fn", up.fn, "version", up.version, "err", err)
			}
		case !thaw && paused[up.fn] && st == container.StateRunning:
			if err := up.in.Pause(ctx); err != nil {
				f.log.Error("container not paused", "fn", up.fn, "version", up.version, "err", err)
			}
		}
	}
	if thaw {
		return
	}
	keep := map[string]bool{}
	for _, up := range live {
		keep[up.in.ID] = true
	}
	f.mu.Lock()
	for key, up := range f.upstreams {
		if live[key] == nil {
			delete(f.upstreams, key)
			up.transport.CloseIdleConnections()
			f.opts.Metrics.Forget(up.fn, up.version)
		}
	}
	f.mu.Unlock()
	victims, err := sup.Unwanted(ctx, keep)
	if err != nil {
		f.log.Warn("listing containers", "err", err)
	}
	for _, in := range victims {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), removeGrace+30*time.Second)
			defer cancel()
			if err := in.Remove(ctx, removeGrace); err != nil {
				f.log.Error("container not removed", "container", in.ID, "err", err)
				return
			}
			f.log.Info("container removed", "container", in.ID)
		}()
	}
}

// Containers reports this node's containers.
func (f *Functions) Containers() []container.Status {
	if f.opts.Containers == nil {
		return nil
	}
	ins := f.opts.Containers.Instances()
	out := make([]container.Status, len(ins))
	for i, in := range ins {
		out[i] = in.Status()
	}
	return out
}

// ErrNoSuchContainer says fn has no container on this node.
var ErrNoSuchContainer = errors.New("no container of that function runs on this node")

// Signal sends sig to every container of fn on this node and says how
// many there were.
func (f *Functions) Signal(ctx context.Context, fn string, sig int) (int, error) {
	f.mu.Lock()
	var ups []*upstream
	for _, up := range f.upstreams {
		if up.fn == fn {
			ups = append(ups, up)
		}
	}
	f.mu.Unlock()
	var errs []error
	for _, up := range ups {
		errs = append(errs, up.in.Signal(ctx, syscall.Signal(sig)))
	}
	return len(ups), errors.Join(errs...)
}

// Container is fn's container of version v on this node, for exec.
func (f *Functions) Container(fn string, v int) (*container.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, up := range f.upstreams {
		if up.fn == fn && up.version == v {
			return up.in, nil
		}
	}
	return nil, fmt.Errorf("%s@v%d: %w", fn, v, ErrNoSuchContainer)
}

// dropVolumes deletes, on this node, the volumes the ledger had at the
// previous publication and has no more (volume.removed). Volumes are only
// ever dropped on such a change seen by this process, never because a
// state lacks them: a node replaying its ledger from the start publishes
// states from before a volume's creation, and must not lose its data.
func (f *Functions) dropVolumes(snap *fold.Snapshot) {
	sup := f.opts.Containers
	if sup == nil {
		return
	}
	f.mu.Lock()
	prev := f.volumes
	f.volumes = map[string]bool{}
	for name := range snap.State.Volumes {
		f.volumes[name] = true
	}
	f.mu.Unlock()
	for name := range prev {
		if !f.volumes[name] {
			if err := sup.RemoveVolume(name); err != nil {
				f.log.Error("volume not removed", "volume", name, "err", err)
				continue
			}
			f.log.Info("volume removed: the ledger removed it", "volume", name, "seq", snap.State.Seq)
		}
	}
}
