package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func killCommand() *cobra.Command {
	var server string
	var quiet time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "kill NAME",
		Short: "Abort a function's in-flight invocations on every node (a signed control request)",
		Long: `Kill sends a control request, signed with your operator key (admin or activate
role), to every node on the NATS system. Each node aborts the function's running
invocations (their callers get 503 with the request ID) and answers how many it
aborted. The function keeps serving new requests: pause or roll it back to stop
those. Nothing is written to the ledger.`,
		Example: "  vault kill myfn",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, _, _, err := dialFunction(ctx, server, "kill", args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			replies, err := c.Kill(ctx, args[0], quiet)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			failed := 0
			result := killResult{Function: args[0], Nodes: []killNode{}}
			for _, r := range replies {
				result.Nodes = append(result.Nodes, killNode{NodeID: r.NodeID, Aborted: r.Aborted, Error: r.Error})
				if r.Error != "" {
					failed++
				}
				switch {
				case asJSON:
				case r.Error != "":
					fmt.Fprintf(out, "node ?: %s\n", r.Error)
				default:
					fmt.Fprintf(out, "node %s: aborted %d invocation(s) of %s\n", r.NodeID, r.Aborted, args[0])
				}
			}
			if asJSON {
				if err := printJSON(out, result); err != nil {
					return err
				}
			}
			switch {
			case len(replies) == 0:
				return fmt.Errorf("kill %s: no node answered", args[0])
			case failed > 0:
				return fmt.Errorf("kill %s: %d of %d node(s) refused", args[0], failed, len(replies))
			}
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the nodes' answers as JSON")
	cmd.Flags().DurationVar(&quiet, "gather", 300*time.Millisecond, "how long to wait for more nodes after the last answer")
	return cmd
}

// killResult is what kill --json prints: each node's answer.
type killResult struct {
	Function string     `json:"function"`
	Nodes    []killNode `json:"nodes"`
}

type killNode struct {
	NodeID  string `json:"node,omitempty"`
	Aborted int    `json:"aborted"`
	Error   string `json:"error,omitempty"`
}
