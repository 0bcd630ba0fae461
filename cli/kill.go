package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vault-runtime/vault/cli/node"

	"github.com/spf13/cobra"
)

func killCommand() *cobra.Command {
	var server, signal string
	var quiet time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "kill NAME",
		Short: "Abort a function's in-flight invocations on every node (a signed control request)",
		Long: `Kill sends a control request, signed with your operator key (admin or activate
role), to every node on the NATS system. Each node aborts the function's running
invocations (their callers get 503 with the request ID) and answers how many it
aborted. The function keeps serving new requests: pause or roll it back to stop
those. Nothing is written to the ledger.

For a container, --signal sends a signal to its process on every node (KILL by
default): a container whose process ends is restarted, and its restart counted
(vault ps).`,
		Example: "  vault kill myfn\n  vault kill api --signal TERM",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return kill(cmd.Context(), commandInvocation(cmd, server), args[0], signal, quiet, asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the nodes' answers as JSON")
	cmd.Flags().StringVar(&signal, "signal", "KILL", "the signal for the function's containers (a name such as TERM or a number)")
	cmd.Flags().DurationVar(&quiet, "gather", 300*time.Millisecond, "how long to wait for more nodes after the last answer")
	return cmd
}

// kill aborts function name's in-flight invocations on every node that
// answers, and sends signal (a name or number) to its containers, waiting
// quiet after the last answer for more; asJSON prints the answers as one
// killResult.
func kill(ctx context.Context, iv invocation, name, signal string, quiet time.Duration, asJSON bool) error {
	c, _, _, err := iv.dialFunction(ctx, "kill", name)
	if err != nil {
		return err
	}
	defer c.Close()
	sig, err := parseSignal(signal)
	if err != nil {
		return err
	}
	replies, err := c.KillWith(ctx, node.KillRequest{Function: name, Signal: sig}, quiet)
	if err != nil {
		return err
	}
	out := iv.out
	failed := 0
	result := killResult{Function: name, Nodes: []killNode{}}
	for _, r := range replies {
		kn := killNode{NodeID: r.NodeID, Aborted: r.Aborted, Signaled: r.Signaled, Error: r.Error}
		if r.Signaled > 0 {
			kn.Signal = unix.SignalName(syscall.Signal(sig))
		}
		result.Nodes = append(result.Nodes, kn)
		if r.Error != "" {
			failed++
		}
		switch {
		case asJSON:
		case r.Error != "":
			fmt.Fprintf(out, "node ?: %s\n", r.Error)
		default:
			fmt.Fprintf(out, "node %s: aborted %d invocation(s) of %s", r.NodeID, r.Aborted, name)
			if r.Signaled > 0 {
				fmt.Fprintf(out, ", sent %s to %d container(s)", unix.SignalName(syscall.Signal(sig)), r.Signaled)
			}
			fmt.Fprintln(out)
		}
	}
	if asJSON {
		if err := printJSON(out, result); err != nil {
			return err
		}
	}
	switch {
	case len(replies) == 0:
		return fmt.Errorf("kill %s: no node answered", name)
	case failed > 0:
		return fmt.Errorf("kill %s: %d of %d node(s) refused", name, failed, len(replies))
	}
	return nil
}

// killResult is what kill --json prints: each node's answer.
type killResult struct {
	Function string     `json:"function"`
	Nodes    []killNode `json:"nodes"`
}

type killNode struct {
	NodeID  string `json:"node,omitempty"`
	Aborted int    `json:"aborted"`
	// Signaled counts the containers sent Signal.
	Signaled int    `json:"signaled,omitempty"`
	Signal   string `json:"signal,omitempty"`
	Error    string `json:"error,omitempty"`
}

// parseSignal reads a signal name (TERM, SIGTERM) or number.
func parseSignal(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= 64 {
		return n, nil
	}
	if sig := unix.SignalNum("SIG" + strings.TrimPrefix(strings.ToUpper(s), "SIG")); sig != 0 {
		return int(sig), nil
	}
	return 0, fmt.Errorf("--signal %q: want a name such as TERM or KILL, or a number from 1 to 64", s)
}
