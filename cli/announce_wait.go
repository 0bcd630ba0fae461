package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/projector/fold"
)

// nodeWait follows announcements from before an append until every node
// found has applied it.
type nodeWait struct {
	flags *waitFlags
	nodes []announcement
	sub   *nats.Subscription
	ch    chan arrival
}

// arrival is an announcement and when this process received it.
type arrival struct {
	announcement
	at time.Time
}

// start finds the nodes and subscribes to their announcements; without
// --wait it does nothing.
func (w *waitFlags) start(ctx context.Context, nc *nats.Conn) (*nodeWait, error) {
	nw := &nodeWait{flags: w}
	if !w.on {
		return nw, nil
	}
	nw.ch = make(chan arrival, 1024)
	var err error
	nw.sub, err = nc.Subscribe(appliedSubject, func(msg *nats.Msg) {
		a := arrival{at: time.Now()}
		if json.Unmarshal(msg.Data, &a.announcement) == nil {
			select {
			case nw.ch <- a:
			default: // a slow reader misses some; later ones carry the same news
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("--wait: %w", err)
	}
	if err := nc.Flush(); err != nil {
		return nil, fmt.Errorf("--wait: %w", err)
	}
	if nw.nodes, err = gatherNodes(ctx, nc, 150*time.Millisecond, 2*time.Second); err != nil {
		return nil, err
	}
	return nw, nil
}

func (nw *nodeWait) stop() {
	if nw.sub != nil {
		nw.sub.Unsubscribe()
	}
}

// report waits until every node applied res, and prints each node's
// delay from the append's acknowledgement and what it serves of fn, then
// a summary of the delays.
func (nw *nodeWait) report(cmd *cobra.Command, res appended, fn string) error {
	if !nw.flags.on {
		return nil
	}
	seq, out := res.Seq, cmd.OutOrStdout()
	pending := map[string]bool{}
	var delays []time.Duration
	for _, a := range nw.nodes {
		if a.Applied >= seq {
			fmt.Fprintf(out, "node %s%s: applied before the append was acknowledged: %s\n", a.NodeID, roleWords(a.Role), servedWords(a, fn))
			delays = append(delays, 0)
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
			delay := max(a.at.Sub(res.At), 0)
			delays = append(delays, delay)
			fmt.Fprintf(out, "node %s%s: applied seq %d %s after the acknowledgement: %s\n", a.NodeID, roleWords(a.Role), seq,
				delay.Round(10*time.Microsecond), servedWords(a.announcement, fn))
		case <-timeout:
			return fmt.Errorf("--wait: after %s, %d node(s) had not applied seq %d: %s", nw.flags.timeout, len(pending), seq,
				strings.Join(slices.Sorted(maps.Keys(pending)), ", "))
		case <-cmd.Context().Done():
			return cmd.Context().Err()
		}
	}
	printDelaySummary(out, seq, delays)
	return nil
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
func servedWords(a announcement, fn string) string {
	s, ok := a.Served[fn]
	if !ok {
		for key, reason := range a.Failed {
			if strings.HasPrefix(key, fn+"@") {
				return fmt.Sprintf("not serving %s (%s failed: %s)", fn, key, reason)
			}
		}
		return "not serving " + fn
	}
	return describeServed(s)
}

// describeServed is e.g. "v1 80% / v2 20%" or "paused (v1)".
func describeServed(s fold.Served) string {
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
