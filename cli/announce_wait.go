package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/node"
)

// nodeWait follows announcements from before an append until every node
// found has applied it.
type nodeWait struct {
	flags         *waitFlags
	nodes         []node.Announcement
	stopFollowing func()
	ch            chan node.Applied
}

// start finds the nodes and subscribes to their announcements; without
// --wait it does nothing.
func (w *waitFlags) start(ctx context.Context, c *node.Client) (*nodeWait, error) {
	nw := &nodeWait{flags: w}
	if !w.on {
		return nw, nil
	}
	nw.ch = make(chan node.Applied, 1024)
	var err error
	if nw.stopFollowing, err = c.FollowApplied(nw.ch); err != nil {
		return nil, fmt.Errorf("--wait: %w", err)
	}
	if nw.nodes, err = c.Nodes(ctx, 150*time.Millisecond, 2*time.Second); err != nil {
		nw.stop()
		return nil, err
	}
	return nw, nil
}

func (nw *nodeWait) stop() {
	if nw.stopFollowing != nil {
		nw.stopFollowing()
	}
}

// nodeApplied is one node's answer to --wait: when it applied the
// record (Delay after the acknowledgement, or Before it) and what it
// serves of the function then.
type nodeApplied struct {
	NodeID string        `json:"node"`
	Role   string        `json:"role,omitempty"`
	Before bool          `json:"appliedBeforeAck,omitempty"`
	Delay  time.Duration `json:"delayNs"`
	Served string        `json:"served"`
}

// report waits until every node applied res, and prints each node's
// delay from the append's acknowledgement and what it serves of fn, then
// a summary of the delays.
func (nw *nodeWait) report(ctx context.Context, out io.Writer, res appended, fn string) error {
	applied, err := nw.wait(ctx, res, fn, func(a nodeApplied) {
		if a.Before {
			fmt.Fprintf(out, "node %s%s: applied before the append was acknowledged: %s\n", a.NodeID, roleWords(a.Role), a.Served)
			return
		}
		fmt.Fprintf(out, "node %s%s: applied seq %d %s after the acknowledgement: %s\n", a.NodeID, roleWords(a.Role), res.Seq,
			a.Delay.Round(10*time.Microsecond), a.Served)
	})
	if err != nil || !nw.flags.on {
		return err
	}
	delays := make([]time.Duration, len(applied))
	for i, a := range applied {
		delays[i] = a.Delay
	}
	printDelaySummary(out, res.Seq, delays)
	return nil
}

// wait waits until every node applied res and returns their answers,
// calling each with every answer as it comes; without --wait it returns
// none.
func (nw *nodeWait) wait(ctx context.Context, res appended, fn string, each func(nodeApplied)) ([]nodeApplied, error) {
	if !nw.flags.on {
		return nil, nil
	}
	seq := res.Seq
	pending := map[string]bool{}
	var applied []nodeApplied
	add := func(a nodeApplied) {
		applied = append(applied, a)
		if each != nil {
			each(a)
		}
	}
	for _, a := range nw.nodes {
		if a.Applied >= seq {
			add(nodeApplied{NodeID: a.NodeID, Role: a.Role, Before: true, Served: servedWords(a, fn)})
			continue
		}
		pending[a.NodeID] = true
	}
	timeout := time.After(nw.flags.timeout)
	for len(pending) > 0 {
		select {
		case a := <-nw.ch:
			if !pending[a.NodeID] || a.Applied < seq {
				continue
			}
			delete(pending, a.NodeID)
			add(nodeApplied{NodeID: a.NodeID, Role: a.Role, Delay: max(a.At.Sub(res.At), 0), Served: servedWords(a.Announcement, fn)})
		case <-timeout:
			return applied, fmt.Errorf("--wait: after %s, %d node(s) had not applied seq %d: %s", nw.flags.timeout, len(pending), seq,
				strings.Join(slices.Sorted(maps.Keys(pending)), ", "))
		case <-ctx.Done():
			return applied, ctx.Err()
		}
	}
	return applied, nil
}

// printDelaySummary is e.g. "3 nodes applied seq 42: max delay 1.2ms,
// p50 800µs"; a node that applied before the acknowledgement counts as 0.
func printDelaySummary(out io.Writer, seq uint64, delays []time.Duration) {
	if len(delays) == 0 {
		fmt.Fprintf(out, "no node answered: nothing to wait for at seq %d\n", seq)
		return
	}
	slices.Sort(delays)
	nodes := "nodes"
	if len(delays) == 1 {
		nodes = "node"
	}
	fmt.Fprintf(out, "%d %s applied seq %d: max delay %s, p50 %s\n", len(delays), nodes, seq,
		delays[len(delays)-1].Round(10*time.Microsecond), delays[(len(delays)-1)/2].Round(10*time.Microsecond))
}

// roleWords is " (hub)" or " (edge)", or nothing for a node without a role.
func roleWords(role string) string {
	if role == "" {
		return ""
	}
	return " (" + role + ")"
}

// servedWords says what a node serves of fn, or why not.
func servedWords(a node.Announcement, fn string) string {
	s, ok := a.Served[fn]
	if !ok {
		for key, reason := range a.Failed {
			if strings.HasPrefix(key, fn+"@") {
				return fmt.Sprintf("not serving %s (%s failed: %s)", fn, key, reason)
			}
		}
		return "not serving " + fn
	}
	return node.DescribeServed(s)
}
