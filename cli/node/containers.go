package node

import (
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
	"strings"

	"github.com/vault-runtime/vault/edge/container"
	"github.com/vault-runtime/vault/edge/egress"
	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/edge/rootfs"
)

// ContainersDir is where a node keeps its containers' bundles and runc's
// state, under its data dir; VolumesDir its named volumes.
const (
	ContainersDir = "containers"
	VolumesDir    = "volumes"
)

// openContainers starts the node's container supervisor, which adopts the
// containers an earlier process of this node left running. A node that
// cannot run containers (not root, no runc, no iproute2) serves functions
// only, says why in its log and status, and refuses container versions.
func openContainers(ctx context.Context, cfg Config, nodeID string, images *rootfs.Syncer, logs isolate.LogSink, log *slog.Logger) (*container.Supervisor, string) {
	if os.Geteuid() != 0 {
		return nil, "unavailable: containers need a node running as root"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, "unavailable: iproute2's ip is not installed"
	}
	runc, err := container.New("", filepath.Join(cfg.Data, ContainersDir, "runc"), log)
	if errors.Is(err, container.ErrNoRunc) {
		return nil, "unavailable: " + err.Error()
	}
	if err != nil {
		log.Error("container runtime not started", "err", err)
		return nil, "unavailable: " + err.Error()
	}
	sum := sha256.Sum256([]byte(nodeID))
	sup, err := container.NewSupervisor(ctx, container.Config{
		Runtime: runc, Dir: filepath.Join(cfg.Data, ContainersDir, "bundles"), Volumes: filepath.Join(cfg.Data, VolumesDir),
		Node: hex.EncodeToString(sum[:4]), Rootfs: images.Rootfs, Log: log,
		Proxy: egress.NewProxy(log.With("component", "egress-proxy")),
		Output: func(l container.Line) {
			level := "info"
			if l.Stream == "stderr" {
				level = "error"
			}
			logs.Log(isolate.LogEntry{Function: l.Function, Version: l.Version, Level: level, Source: l.Stream, Time: l.Time, Message: l.Text})
		},
	})
	if err != nil {
		log.Error("container runtime not started", "err", err)
		return nil, fmt.Sprintf("unavailable: %v", err)
	}
	return sup, "runc"
}

// runcVersion is the first line of runc --version ("runc version 1.1.5").
func runcVersion() string {
	out, err := exec.Command("runc", "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// ps reports this node's containers and what each uses.
func (n *Node) ps(ctx context.Context, _ json.RawMessage) (any, error) {
	res := PsResult{NodeID: n.id, Runtime: n.containerRuntime, Containers: []PsContainer{}}
	if n.containers == nil {
		return res, nil
	}
	for _, in := range n.containers.Instances() {
		c := PsContainer{Status: in.Status()}
		u, err := in.Usage()
		if err != nil {
			c.UsageError = err.Error()
		}
		c.Usage = u
		res.Containers = append(res.Containers, c)
	}
	return res, nil
}

// containerStats is what /metrics says of the node's containers.
func (n *Node) containerStats() []metrics.ContainerStats {
	if n.containers == nil {
		return nil
	}
	var out []metrics.ContainerStats
	for _, in := range n.containers.Instances() {
		st := in.Status()
		c := metrics.ContainerStats{Function: st.Function, Version: st.Version, State: st.State, Restarts: st.Restarts}
		if u, err := in.Usage(); err == nil {
			c.CPUSeconds, c.MemoryBytes = u.CPUSeconds, u.MemoryBytes
		}
		out = append(out, c)
	}
	return out
}
