package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func killCommand() *cobra.Command {
	var server string
	var quiet time.Duration
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
			return kill(cmd.Context(), commandInvocation(cmd, server), args[0], quiet)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().DurationVar(&quiet, "gather", 300*time.Millisecond, "how long to wait for more nodes after the last answer")
	return cmd
}

// kill aborts function name's in-flight invocations on every node that
// answers, waiting quiet after the last answer for more.
func kill(ctx context.Context, iv invocation, name string, quiet time.Duration) error {
	c, _, _, err := iv.dialFunction(ctx, "kill", name)
	if err != nil {
		return err
	}
	defer c.Close()
	replies, err := c.Kill(ctx, name, quiet)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range replies {
		if r.Error != "" {
			fmt.Fprintf(iv.out, "node ?: %s\n", r.Error)
			failed++
			continue
		}
		fmt.Fprintf(iv.out, "node %s: aborted %d invocation(s) of %s\n", r.NodeID, r.Aborted, name)
	}
	switch {
	case len(replies) == 0:
		return fmt.Errorf("kill %s: no node answered", name)
	case failed > 0:
		return fmt.Errorf("kill %s: %d of %d node(s) refused", name, failed, len(replies))
	}
	return nil
}
