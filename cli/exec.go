package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func execCommand() *cobra.Command {
	var server string
	var version int
	var timeout time.Duration
	var opts ledger.AppendOptions
	cmd := &cobra.Command{
		Use:   "exec NAME -- COMMAND [ARG...]",
		Short: "Run a command in a function's container on the node you are connected to (admins; recorded in the ledger first)",
		Long: `Exec appends a signed container.exec record (you, the node, the command; admin
role), then asks the node you are connected to (--server) to run exactly that
command in the function's container: the active version's, or --version's. The
command runs as the container's own process does (its user, capabilities,
no_new_privileges, seccomp profile); its stdout and stderr stream back here and
vault exits with its exit code. A node runs a record's command once, only if
it names that node and was appended in the last 5 minutes. There is no stdin
and no terminal: exec is for one-shot commands, not shells.`,
		Example: "  vault exec api -- ls -la /data\n  vault exec api --version 3 -- cat /etc/os-release",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 {
				return fmt.Errorf("exec: want NAME -- COMMAND [ARG...]: the command goes after --")
			}
			return execIn(cmd.Context(), commandInvocation(cmd, server), args[0], version, args[1:], timeout, opts)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().IntVar(&version, "version", 0, "the version whose container runs it (default: the active one)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "stop the command after this long (at most 1h)")
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	return cmd
}

// execIn records command for fn's container on the node iv connects to,
// runs it there and copies its output; a command that exits non-zero
// makes vault exit with its code.
func execIn(ctx context.Context, iv invocation, fn string, version int, command []string, timeout time.Duration, opts ledger.AppendOptions) error {
	c, _, _, err := iv.dialFunction(ctx, "exec in", fn)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	body := events.ContainerExec{Function: fn, Version: version, Node: st.NodeID, Command: command}
	res, err := c.SignAndAppend(ctx, events.TypeContainerExec, fn, body, opts)
	if err != nil {
		return opError("exec in "+fn, err)
	}
	fmt.Fprintf(iv.errOut, "exec recorded at seq %d (node %s)\n", res.Seq, st.NodeID)
	code, err := c.Exec(ctx, res.Seq, timeout, iv.out, iv.errOut)
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}
