package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/cli/node"
)

func nodesCommand() *cobra.Command {
	var server string
	var asJSON bool
	var quiet, timeout time.Duration
	cmd := &cobra.Command{
		Use:   "nodes",
		Short: "List every node (hubs and edges) with its applied sequence, lag, state hash, checkpoint and whether it agrees with the hubs",
		Long: `Nodes asks every node reachable over NATS (hubs and, through their leaf links,
edges) what it has applied, and prints one line per node: its role, applied
sequence, lag behind the hubs' ledger head, state hash, latest checkpoint size,
link to its hub, and a verdict:

  in sync      applied the hubs' head, and its state hash matches a hub's
  behind N     N records behind the hubs' head
  unverified   no hub remembers its state hash at its applied sequence
  DIVERGED     its state hash differs from a hub's at the same sequence
  SPLIT VIEW   it was shown a history that contradicts another's

A node at another sequence than the hubs is checked by asking every node for
its state hash at that sequence (nodes remember the last 4096). The exit
status is 1 if any node diverged or reports a split view, so a script can
alert on it.`,
		Example: "  vault nodes\n  vault nodes --json\n  vault nodes --quiet 2s   # edges far away answer late",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listNodes(cmd.Context(), commandInvocation(cmd, server), quiet, timeout, asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every node's announcement, the state hashes asked for, and the verdicts as JSON")
	cmd.Flags().DurationVar(&quiet, "quiet", 500*time.Millisecond, "stop listening for answers once none came for this long")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "stop listening for answers after this long")
	return cmd
}

// printNodes prints the table of `vault nodes`.
func printNodes(out io.Writer, nodes []node.Announcement, verdicts []node.Verdict) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tAPPLIED\tLAG\tSTATE HASH\tCHECKPOINT\tLINK\tVERDICT")
	for i, a := range nodes {
		checkpoint := "-"
		if a.Checkpoint != nil {
			checkpoint = strconv.FormatUint(a.Checkpoint.Size, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", a.NodeID, dash(a.Role), a.Applied, verdicts[i].Lag,
			dash(node.ShortHash(a.StateHash)), checkpoint, dash(a.Link), verdicts[i].Verdict)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// nodesRow is one node in `vault nodes --json`.
type nodesRow struct {
	node.Announcement
	node.Verdict
}

type nodesJSON struct {
	Nodes  []nodesRow        `json:"nodes"`
	Hashes []node.HashAnswer `json:"hashAnswers,omitempty"`
}

func nodesReport(nodes []node.Announcement, verdicts []node.Verdict, answers []node.HashAnswer) nodesJSON {
	r := nodesJSON{Hashes: answers}
	for i, a := range nodes {
		r.Nodes = append(r.Nodes, nodesRow{a, verdicts[i]})
	}
	return r
}

// nodesFailure is the error (exit status 1) for diverged nodes and split
// views, or nil.
func nodesFailure(nodes []node.Announcement, verdicts []node.Verdict) error {
	var bad []string
	for i, v := range verdicts {
		if v.Diverged || v.SplitView {
			bad = append(bad, nodes[i].NodeID)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &exitError{1, fmt.Sprintf("nodes: %d node(s) diverged or report a split view: %s", len(bad), strings.Join(bad, ", "))}
}

// listNodes prints every node that answers within quiet of the last
// answer (timeout at most) and its verdict; it fails if one diverged.
func listNodes(ctx context.Context, iv invocation, quiet, timeout time.Duration, asJSON bool) error {
	c, err := iv.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	nodes, err := c.Nodes(ctx, quiet, timeout)
	if err != nil {
		return err
	}
	if len(nodes) == 0 {
		return fmt.Errorf("nodes: no node answered within %s", quiet)
	}
	answers, err := c.Hashes(ctx, node.SeqsToVerify(nodes), quiet, timeout)
	if err != nil {
		return err
	}
	verdicts := node.JudgeNodes(nodes, answers)
	out := iv.out
	if asJSON {
		if err := printJSON(out, nodesReport(nodes, verdicts, answers)); err != nil {
			return err
		}
	} else {
		printNodes(out, nodes, verdicts)
	}
	return nodesFailure(nodes, verdicts)
}
