package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge/container"
)

func statusCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a node's ID, ledger head, applied sequence, served functions, listeners, uptime, pid and whether it serves",
		Long: `Status is a control request: it is signed with your operator key, and the node
answers only if the key is trusted in its ledger. It also says whether the
server is serving or paused (vault server stop|start), the node's pid, and
whether the node still holds its data directory's lock.`,
		Example: "  vault status\n  vault status --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return status(cmd.Context(), commandInvocation(cmd, server), asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

// printTopology says what kind of node this is and, for an edge, whether
// it hears from its hub.
func printTopology(out io.Writer, st node.Status) {
	fmt.Fprintf(out, "role      %s\n", st.Role)
	if st.Link != nil {
		since := time.Since(st.Link.Since).Round(time.Second)
		if st.Link.Connected {
			fmt.Fprintf(out, "hub       connected (for %s)\n", since)
		} else {
			fmt.Fprintf(out, "hub       UNREACHABLE for %s: serving the last verified state (applied seq %d); catches up when the link returns\n", since, st.Applied)
		}
	}
	if st.Mirror != nil {
		contact := "never"
		if st.Mirror.LastContact >= 0 {
			contact = st.Mirror.LastContact.Round(time.Millisecond).String() + " ago"
		}
		fmt.Fprintf(out, "mirror    %d records behind the hub at last contact (%s)\n", st.Mirror.Lag, contact)
	}
	for _, a := range st.Alerts {
		fmt.Fprintf(out, "ALERT     %s\n", a)
	}
}

// status prints the status of the node the client reaches.
func status(ctx context.Context, iv invocation, asJSON bool) error {
	c, _, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	out := iv.out
	if asJSON {
		return printJSON(out, st)
	}
	fmt.Fprintf(out, "node      %s\nledger    %s\nhead      seq %d\napplied   seq %d\nuptime    %s (since %s)\n",
		st.NodeID, st.Ledger, st.Head, st.Applied, time.Duration(st.UptimeSecs*float64(time.Second)).Round(time.Second),
		st.Started.Format(time.RFC3339))
	fmt.Fprintf(out, "pid       %d\n", st.PID)
	printTopology(out, st)
	if st.Server == "paused" {
		fmt.Fprintln(out, "server    paused: not taking traffic, still applying the ledger (vault server start resumes)")
	} else {
		fmt.Fprintf(out, "server    %s\n", st.Server)
	}
	if st.LockHeld {
		fmt.Fprintf(out, "lock      %s held by this node\n", st.Lock)
	} else {
		fmt.Fprintf(out, "lock      NOT HELD: %s\n", st.LockError)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Listeners)) {
		fmt.Fprintf(out, "listen    %-5s %s\n", k, st.Listeners[k])
	}
	for _, name := range slices.Sorted(maps.Keys(st.Functions)) {
		fmt.Fprintf(out, "function  %s: %s\n", name, st.Functions[name])
	}
	for _, k := range slices.Sorted(maps.Keys(st.Failed)) {
		fmt.Fprintf(out, "failed    %s: %s\n", k, st.Failed[k])
	}
	fmt.Fprintf(out, "runtime   containers: %s\n", st.ContainerRuntime)
	for _, c := range st.Containers {
		line := fmt.Sprintf("container %s@v%d: %s, %d restart(s)", c.Function, c.Version, c.State, c.Restarts)
		if c.State == container.StateCrashLoop {
			line = fmt.Sprintf("container %s@v%d: CRASH LOOP, %d restart(s), last %s", c.Function, c.Version, c.Restarts, c.LastExit)
		}
		fmt.Fprintln(out, line)
	}
	return nil
}
