package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// lifecycleCommand builds pause, resume and retire: each appends one
// signed event naming the function, and the node judges the transition.
func lifecycleCommand(verb string, typ events.Type, short, long string) *cobra.Command {
	var server, reason string
	var opts ledger.AppendOptions
	var wait waitFlags
	var yes bool
	var report changeReport
	cmd := &cobra.Command{
		Use:     verb + " NAME",
		Short:   short,
		Long:    long,
		Example: fmt.Sprintf("  vault %s myfn", verb),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			confirm := func() error { return nil }
			if typ == events.TypeRetired && !yes {
				confirm = func() error { return confirmRetire(cmd, name) }
			}
			return changeLifecycle(cmd.Context(), commandInvocation(cmd, server), verb, typ, name, reason, opts, wait, report, confirm)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().StringVar(&reason, "reason", "", "why, recorded in the ledger")
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	wait.addFlags(cmd)
	report.addFlag(cmd)
	if typ == events.TypeRetired {
		cmd.Flags().BoolVarP(&yes, "yes", "y", false, "retire without asking (for scripts)")
	}
	return cmd
}

// changeLifecycle appends the lifecycle event typ (verb: pause, resume,
// retire) for function name, once confirm agrees, and prints what the node
// made of it, as text or JSON (report).
func changeLifecycle(ctx context.Context, iv invocation, verb string, typ events.Type, name, reason string,
	opts ledger.AppendOptions, wait waitFlags, report changeReport, confirm func() error) error {
	c, _, _, err := iv.dialFunction(ctx, verb, name)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := confirm(); err != nil {
		return err
	}
	w, err := wait.start(ctx, c)
	if err != nil {
		return err
	}
	defer w.stop()
	res, after, err := signAndAppend(ctx, c, typ, name, events.Lifecycle{Name: name, Reason: reason}, opts)
	if err != nil {
		return opError(verb+" "+name, err)
	}
	return report.applied(ctx, iv.out, after, res, name, verb+" "+name, w, nil)
}

// confirmRetire asks, on a terminal, for the function's name before a
// retirement, which nothing undoes; without a terminal it wants --yes.
func confirmRetire(cmd *cobra.Command, name string) error {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return fmt.Errorf("retire %s: retiring is final (routes released, no version can serve again); pass --yes to do it without a terminal to ask on", name)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Retire %s for good? Its routes are released and it can never serve again. Type its name to confirm: ", name)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("retire %s: %w", name, err)
	}
	if strings.TrimSpace(line) != name {
		return fmt.Errorf("retire %s: not confirmed; nothing was appended", name)
	}
	return nil
}

func pauseCommand() *cobra.Command {
	return lifecycleCommand("pause", events.TypePaused,
		"Pause an active function: its routes answer 503 with Retry-After until it is resumed",
		`Pause appends a signed function.paused event. Every node keeps the function's
routes, versions and split, but answers them with 503 and Retry-After and runs
no code. Nothing is lost: 'vault resume' brings back exactly what served.`)
}

func resumeCommand() *cobra.Command {
	return lifecycleCommand("resume", events.TypeResumed,
		"Resume a paused function with the versions and split it had",
		`Resume appends a signed function.resumed event; only a paused function resumes.`)
}

func stopCommand() *cobra.Command {
	return lifecycleCommand("stop", events.TypeStopped,
		"Stop an active or paused function: its containers end, its routes answer 503 until it is started",
		`Stop appends a signed function.stopped event. Every node sends the function's
containers SIGTERM, then SIGKILL after the manifest's stop_grace (10s by
default), and removes them; the routes stay the function's and answer 503 with
Retry-After. Versions and split are kept: 'vault start' runs them again. For a
JavaScript function, stopping is like pausing.`)
}

func startCommand() *cobra.Command {
	return lifecycleCommand("start", events.TypeStarted,
		"Start a stopped function again, with the versions and split it had",
		`Start appends a signed function.started event; only a stopped function starts.
Its containers are created and started again, and its routes serve once they
pass their health check.`)
}

func retireCommand() *cobra.Command {
	cmd := lifecycleCommand("retire", events.TypeRetired,
		"Retire a function for good (alias rm): its routes are removed and released, its containers deleted, its history stays",
		`Retire (or rm) appends a signed function.retired event. The function's routes
stop answering on every node and become free for other functions; its
containers are stopped and deleted; its versions and history stay in the
ledger. A retired function cannot be activated, resumed or deployed again. On a
terminal it asks for the function's name first; scripts pass --yes.`)
	cmd.Aliases = []string{"rm"}
	return cmd
}

func rollbackCommand() *cobra.Command {
	var server string
	var to versionFlag
	var opts ledger.AppendOptions
	var wait waitFlags
	var report changeReport
	cmd := &cobra.Command{
		Use:   "rollback NAME",
		Short: "Return a function to the version that was active before, with that version's configuration",
		Long: `Rollback appends a signed function.rolledback event. Without --to it returns to
the version that was active before the current one; during a split it drops the
canary. --to V picks an earlier active version. The routes, limits and vars come
back with the version: they are part of its artifact, which the event names.`,
		Example: "  vault rollback myfn\n  vault rollback myfn --to 3 --wait",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return rollback(cmd.Context(), commandInvocation(cmd, server), args[0], int(to), opts, wait, report)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().Var(&to, "to", "the version to return to, v2 or 2 (default: the one active before)")
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	wait.addFlags(cmd)
	report.addFlag(cmd)
	return cmd
}

// rollback returns function name to version to, or with to zero to the
// version active before the current one; report prints the outcome as
// text or JSON.
func rollback(ctx context.Context, iv invocation, name string, to int, opts ledger.AppendOptions, wait waitFlags, report changeReport) error {
	c, _, f, err := iv.dialFunction(ctx, "rollback", name)
	if err != nil {
		return err
	}
	defer c.Close()
	target := to
	if target == 0 {
		var ok bool
		if target, ok = f.RollbackTarget(); !ok {
			return fmt.Errorf("rollback %s: %s has no earlier active version (%s)", name, name, f.Summary())
		}
	}
	if target < 1 || target > len(f.Versions) {
		return noSuchVersion("rollback "+name, name, target, len(f.Versions))
	}
	w, err := wait.start(ctx, c)
	if err != nil {
		return err
	}
	defer w.stop()
	body := events.RolledBack{Name: name, Version: target, Artifact: f.Versions[target-1].Artifact}
	res, after, err := signAndAppend(ctx, c, events.TypeRolledBack, name, body, opts)
	if err != nil {
		return opError(fmt.Sprintf("rollback %s to v%d", name, target), err)
	}
	return report.applied(ctx, iv.out, after, res, name, "rollback "+name, w, nil)
}
