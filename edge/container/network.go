package container

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Network is a node-local network containers attach to: a bridge with a
// subnet, its first address the gateway. Containers of one network reach
// each other through the bridge; those of another network, on another
// bridge, do not. The node (the edge, the proxy) reaches them from the
// namespace the bridge is in.
//
// It is set up with iproute2's ip (Debian's iproute2, already what the
// node's tests use), rather than a netlink library: a handful of commands
// per container, each readable in a log, no new dependency.
type Network struct {
	Name   string
	Bridge string
	Subnet netip.Prefix
	// HostNS is the network namespace the bridge lives in ("": the
	// node's own); tests give one they made.
	HostNS string
}

// Gateway is the bridge's address.
func (n Network) Gateway() netip.Addr { return n.Subnet.Masked().Addr().Next() }

// Attachment is one container's place on a network.
type Attachment struct {
	// NSPath is the container's network namespace, for its runtime
	// config (the node sets it after the gatekeeper judged the config).
	NSPath string
	Addr   netip.Addr
}

// ip runs ip with args in namespace ns ("" for the current one).
func ip(ctx context.Context, ns string, args ...string) error {
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.CommandContext(ctx, "ip", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// ipBatch runs cmds with one ip process (ip -batch) in namespace ns.
func ipBatch(ctx context.Context, ns string, cmds [][]string) error {
	var script strings.Builder
	for _, c := range cmds {
		script.WriteString(strings.Join(c, " ") + "\n")
	}
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdin = strings.NewReader(script.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// ensureBridge makes n's bridge, up, with the gateway address, unless it
// exists.
func (n Network) ensureBridge(ctx context.Context) error {
	key := n.HostNS + "/" + n.Bridge
	if _, ok := bridges.Load(key); ok {
		return nil
	}
	if ip(ctx, n.HostNS, "link", "show", n.Bridge) != nil {
		if err := ipBatch(ctx, n.HostNS, [][]string{
			{"link", "add", n.Bridge, "type", "bridge"},
			{"addr", "add", netip.PrefixFrom(n.Gateway(), n.Subnet.Bits()).String(), "dev", n.Bridge},
			{"link", "set", n.Bridge, "up"},
		}); err != nil {
			return fmt.Errorf("network %s: %w", n.Name, err)
		}
	}
	bridges.Store(key, true)
	return nil
}

// bridges are the bridges this process saw or made, by namespace and
// name: Attach checks a bridge once. One that disappears (its namespace
// was deleted) is forgotten when an attachment to it fails.
var bridges sync.Map

// Attach joins container id to n: it gives the container a network
// namespace of its own (named id, under /run/netns) unless it has one,
// and a veth pair from n's bridge to interface ifname there (eth0, eth1,
// …), with address addr (in n's subnet, not the gateway). The first
// network (route) also gets the default route through its gateway.
func Attach(ctx context.Context, n Network, id, ifname string, addr netip.Addr, route bool) (Attachment, error) {
	if !n.Subnet.Contains(addr) || addr == n.Gateway() || addr == n.Subnet.Masked().Addr() {
		return Attachment{}, fmt.Errorf("attach %s to %s: %s is not a host address of %s", id, n.Name, addr, n.Subnet)
	}
	if err := n.ensureBridge(ctx); err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256([]byte(id + " " + n.Name))
	host, peer := "vh"+hex.EncodeToString(sum[:5]), "vc"+hex.EncodeToString(sum[:5]) // ≤15 bytes
	// Three ip processes: the namespace, then one batch of commands in
	// the bridge's namespace and one in the container's (each ip run
	// costs a few milliseconds; an activation waits for them).
	if _, err := os.Stat(filepath.Join("/run/netns", id)); err != nil {
		if err := ip(ctx, "", "netns", "add", id); err != nil {
			return Attachment{}, fmt.Errorf("attach %s to %s: %w", id, n.Name, err)
		}
	}
	bridgeSide := [][]string{
		{"link", "add", host, "type", "veth", "peer", "name", peer},
		{"link", "set", host, "master", n.Bridge},
		{"link", "set", host, "up"},
		{"link", "set", peer, "netns", id},
	}
	containerSide := [][]string{
		{"link", "set", "lo", "up"},
		{"link", "set", peer, "name", ifname},
		{"addr", "add", netip.PrefixFrom(addr, n.Subnet.Bits()).String(), "dev", ifname},
		{"link", "set", ifname, "up"},
	}
	if route {
		containerSide = append(containerSide, []string{"route", "add", "default", "via", n.Gateway().String()})
	}
	for _, b := range []struct {
		ns   string
		cmds [][]string
	}{{n.HostNS, bridgeSide}, {id, containerSide}} {
		err := ipBatch(ctx, b.ns, b.cmds)
		if err != nil && b.ns == n.HostNS {
			// The bridge this process knew may be gone with its
			// namespace: check it again, once.
			bridges.Delete(n.HostNS + "/" + n.Bridge)
			if err = n.ensureBridge(ctx); err == nil {
				_ = ip(ctx, n.HostNS, "link", "delete", host) // a half-made pair from the first try
				err = ipBatch(ctx, b.ns, b.cmds)
			}
		}
		if err != nil {
			Detach(context.Background(), id)
			return Attachment{}, fmt.Errorf("attach %s to %s: %w", id, n.Name, err)
		}
	}
	return Attachment{NSPath: filepath.Join("/run/netns", id), Addr: addr}, nil
}

// Detach removes container id's network namespace, and with it its end of
// the veth pair (the kernel removes the other).
func Detach(ctx context.Context, id string) error {
	return ip(ctx, "", "netns", "delete", id)
}
