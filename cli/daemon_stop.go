package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/cli/node"
)

func daemonStopCommand() *cobra.Command {
	var data string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "stop --data DIR",
		Short: "Stop the node running on DIR: drain, then exit (SIGKILL after --timeout)",
		Long: `Stop sends SIGTERM to the node that holds DIR's lock, whoever started it. The
node stops accepting connections, finishes its in-flight requests (for up to
30 s), closes NATS and pebble and exits. If it has not exited after --timeout,
stop kills it (SIGKILL), warns, and exits with status 1: requests in flight
then were cut. Stop removes DIR/vault.pid. Stopping a stopped node succeeds.`,
		Example: "  vault daemon stop --data .vault\n  vault daemon stop --data .vault --timeout 2m",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, pid, err := nodeOn(data)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			pidPath := filepath.Join(data, daemonPIDFile)
			if pid == 0 {
				os.Remove(pidPath) // stale, if there was one
				fmt.Fprintf(out, "vault node on %s: not running\n", data)
				return nil
			}
			start := time.Now()
			if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("signal pid %d: %w", pid, err)
			}
			fmt.Fprintf(out, "stopping vault node pid %d: draining in-flight requests\n", pid)
			killed := false
			if !waitExit(pid, timeout) {
				fmt.Fprintf(cmd.ErrOrStderr(), "vault: warning: node pid %d did not stop within %v: killing it (SIGKILL); requests in flight are cut\n", pid, timeout)
				syscall.Kill(pid, syscall.SIGKILL)
				killed = true
				if !waitExit(pid, 10*time.Second) {
					return fmt.Errorf("node pid %d survives SIGKILL", pid)
				}
			}
			if p := node.ReadPIDFile(pidPath); p == pid || !alive(p) {
				os.Remove(pidPath)
			}
			if killed {
				return fmt.Errorf("node pid %d killed after %v", pid, timeout)
			}
			fmt.Fprintf(out, "stopped vault node pid %d in %v\n", pid, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", ".vault", "data directory of the node")
	cmd.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long to wait for the node to drain and exit before killing it")
	return cmd
}

// waitExit waits up to d for process pid to exit.
func waitExit(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
