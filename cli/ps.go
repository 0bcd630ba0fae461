package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge/container"
)

func psCommand() *cobra.Command {
	var server string
	var asJSON, all bool
	var quiet time.Duration
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List the containers every node runs: name, version, state, pid, uptime, CPU, memory, restarts",
		Long: `Ps asks every node (a signed control request any trusted key may make) for the
containers it runs, and prints one line per container and node. STATE is
running, paused, starting, restarting (its process exited; it starts again
after a backoff) or crashloop (it exited 5 times in a row soon after starting).
RESTARTS counts the restarts since the node process started or adopted it; LAST
EXIT says how its process last ended. -a also lists nodes that run none, and
why a node runs no containers at all.`,
		Example: "  vault ps\n  vault ps -a --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return ps(cmd.Context(), commandInvocation(cmd, server), quiet, all, asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVarP(&all, "all", "a", false, "also list nodes without containers, and why a node runs none")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every node's answer as JSON")
	cmd.Flags().DurationVar(&quiet, "gather", 300*time.Millisecond, "how long to wait for more nodes after the last answer")
	return cmd
}

func printPs(out io.Writer, answers []node.PsAnswer, all bool, now time.Time) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tNAME\tVERSION\tSTATE\tPID\tUPTIME\tCPU\tMEMORY\tRESTARTS\tADDRESS\tLAST EXIT")
	for _, a := range answers {
		id := a.NodeID
		switch {
		case a.Error != "":
			fmt.Fprintf(w, "%s\t-\t-\terror: %s\t\t\t\t\t\t\t\n", id, a.Error)
			continue
		case len(a.Containers) == 0 && all && a.Runtime != "runc":
			fmt.Fprintf(w, "%s\t-\t-\tno containers: %s\t\t\t\t\t\t\t\n", id, a.Runtime)
			continue
		case len(a.Containers) == 0 && all:
			fmt.Fprintf(w, "%s\t-\t-\tno containers\t\t\t\t\t\t\t\n", id)
			continue
		}
		for _, c := range a.Containers {
			uptime, cpu, mem := "-", "-", "-"
			if !c.Started.IsZero() && (c.State == container.StateRunning || c.State == container.StatePaused) {
				uptime = now.Sub(c.Started).Round(time.Second).String()
			}
			if c.UsageError == "" {
				cpu, mem = fmt.Sprintf("%.2fs", c.CPUSeconds), size(int64(c.MemoryBytes))
			}
			exit := c.LastExit
			if exit == "" {
				exit = "-"
			}
			fmt.Fprintf(w, "%s\t%s\tv%d\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", id, c.Function, c.Version, c.State, c.Pid, uptime, cpu, mem,
				c.Restarts, c.Addr, exit)
		}
	}
	w.Flush()
}

// ps prints the containers every node that answers within quiet of the
// last answer runs; all adds the nodes that run none.
func ps(ctx context.Context, iv invocation, quiet time.Duration, all, asJSON bool) error {
	c, err := iv.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	answers, err := c.Ps(ctx, quiet)
	if err != nil {
		return err
	}
	if len(answers) == 0 {
		return fmt.Errorf("ps: no node answered within %s", quiet)
	}
	slices.SortFunc(answers, func(a, b node.PsAnswer) int { return strings.Compare(a.NodeID, b.NodeID) })
	if asJSON {
		return printJSON(iv.out, answers)
	}
	printPs(iv.out, answers, all, time.Now())
	return nil
}
