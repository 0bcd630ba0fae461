package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vault-runtime/vault/projector/fold"
)

// The control methods a node offers besides artifact.put (see
// serveControl): status, kill, server.stop and server.start.

func (n *Node) status(context.Context, json.RawMessage) (any, error) {
	snap := n.proj.Current()
	st := Status{
		NodeID: n.id, Ledger: snap.State.Ledger, Head: n.store.Head(), Applied: snap.State.Seq,
		Functions: map[string]string{}, Failed: snap.Failed,
		Listeners: map[string]string{"nats": n.NATSURL},
		Started:   n.started, UptimeSecs: time.Since(n.started).Seconds(),
	}
	for name, s := range snap.Served {
		st.Functions[name] = DescribeServed(s)
	}
	if n.edge != nil {
		for k, v := range n.edge.Addrs {
			st.Listeners[k] = v
		}
	}
	if n.admin != nil {
		st.Listeners["admin"] = n.admin.Addr()
	}
	st.PID = os.Getpid()
	switch {
	case n.edge == nil:
		st.Server = "starting"
	case n.edge.Paused():
		st.Server = "paused"
	default:
		st.Server = "serving"
	}
	st.Role = n.cfg.Topology.Role()
	if n.link != nil {
		ls := n.link.state()
		st.Link = &ls
	}
	if ms, ok, err := n.store.MirrorStatus(context.Background()); ok && err == nil {
		st.Mirror = &ms
	}
	st.Alerts = n.alerts()
	st.Images = n.images.Status()
	st.ContainerRuntime, st.Containers = n.containerRuntime, n.fns.Containers()
	if n.containers != nil {
		st.RuncVersion = runcVersion()
	}
	st.Lock = filepath.Join(n.cfg.Data, LockFile)
	if err := n.lock.check(); err != nil {
		st.LockError = err.Error()
	} else {
		st.LockHeld = true
	}
	return st, nil
}

// kill aborts the function's in-flight invocations on this node.
func (n *Node) kill(ctx context.Context, body json.RawMessage) (any, error) {
	var req KillRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Function == "" {
		return nil, fmt.Errorf("want {\"function\": NAME}")
	}
	if req.Signal < 0 || req.Signal > 64 {
		return nil, fmt.Errorf("signal %d: want 1 to 64", req.Signal)
	}
	aborted := n.fns.Kill(req.Function)
	n.cfg.Log.Warn("in-flight invocations killed", "fn", req.Function, "aborted", aborted)
	res := KillResult{NodeID: n.id, Aborted: aborted}
	if req.Signal > 0 {
		var err error
		if res.Signaled, err = n.fns.Signal(ctx, req.Function, req.Signal); err != nil {
			return nil, fmt.Errorf("signal %s's containers: %w", req.Function, err)
		}
		n.cfg.Log.Warn("containers signaled", "fn", req.Function, "signal", req.Signal, "containers", res.Signaled)
	}
	return res, nil
}

var errNodeStarting = errors.New("the node is still starting")

// serverStop stops taking traffic: the listeners close and the open
// connections drain. The projector keeps applying the ledger, so the
// routes are current when serverStart resumes.
func (n *Node) serverStop(ctx context.Context, body json.RawMessage) (any, error) {
	var req ServerRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("want {\"drainMs\": N}: %w", err)
		}
	}
	if n.edge == nil {
		return nil, errNodeStarting
	}
	res := ServerResult{NodeID: n.id, Listeners: maps.Clone(n.edge.Addrs)}
	if n.edge.Paused() {
		return res, nil
	}
	drain := min(time.Duration(req.DrainMillis)*time.Millisecond, MaxServerDrain)
	if drain <= 0 {
		drain = MaxServerDrain
	}
	ctx, cancel := context.WithTimeout(ctx, drain)
	defer cancel()
	start := time.Now()
	err := n.edge.Pause(ctx)
	res.Changed, res.DrainMillis = true, time.Since(start).Milliseconds()
	if err != nil {
		res.DrainError = err.Error()
	}
	n.cfg.Log.Warn("server stopped by control request: not taking traffic", "drainMs", res.DrainMillis, "err", err)
	return res, nil
}

// serverStart binds the listeners again, on the ports they had.
func (n *Node) serverStart(context.Context, json.RawMessage) (any, error) {
	if n.closing.Load() {
		return nil, errors.New("the node is shutting down")
	}
	if n.edge == nil {
		return nil, errNodeStarting
	}
	res := ServerResult{NodeID: n.id}
	if n.edge.Paused() {
		if err := n.edge.Resume(); err != nil {
			return nil, err
		}
		res.Changed = true
		n.cfg.Log.Info("server started by control request: taking traffic")
	}
	res.Listeners = maps.Clone(n.edge.Addrs)
	return res, nil
}

// DescribeServed is e.g. "v1 80% / v2 20%" or "paused (v1)".
func DescribeServed(s fold.Served) string {
	var shares []string
	for _, v := range s.Versions {
		if s.Paused {
			shares = append(shares, fmt.Sprintf("v%d", v.Version))
		} else {
			shares = append(shares, fmt.Sprintf("v%d %d%%", v.Version, v.Percent))
		}
	}
	if s.Paused {
		return "paused (" + strings.Join(shares, ", ") + ")"
	}
	return "serving " + strings.Join(shares, " / ")
}
