package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/cli/node"
)

// A daemon is a `vault serve` detached from the terminal: its own session,
// stdin from /dev/null, stdout and stderr appended to DIR/vault.log, its pid
// in DIR/vault.pid. Which node runs on DIR is decided by DIR/LOCK, not by
// the pid file: a node started in the foreground, or one that took over
// from the daemon, is the one that stop and status act on.
const (
	daemonLogFile = "vault.log"
	daemonPIDFile = "vault.pid"
)

// exitStopped is status's exit code for a node that does not run, as LSB
// init scripts have it.
const exitStopped = 3

func daemonCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run a node in the background: start, stop (draining) and status",
		Long: `Daemon runs 'vault serve' in the background, for hosts without a service
manager (under systemd, run 'vault serve' in the foreground instead).

  start   detaches 'vault serve --data DIR [serve flags]' into its own session,
          appends its output to DIR/vault.log, writes its pid to DIR/vault.pid,
          and returns once the node serves, printing its pid and addresses;
  stop    sends SIGTERM (the node stops accepting, finishes its in-flight
          requests and exits) and, after --timeout, SIGKILL;
  status  says whether a node runs on DIR: exit code 0 if it does, 3 if not.

The node on DIR is the process that holds DIR/LOCK, whoever started it. The
key passphrase comes from $VAULT_PASSPHRASE; without it, start asks on the
terminal and hands it to the node in its environment, never on its command
line or on disk.`,
		Example: `  vault daemon start --data /var/lib/vault --listen 0.0.0.0:8080
  vault daemon status --data /var/lib/vault
  vault daemon stop --data /var/lib/vault`,
	}
	cmd.AddCommand(daemonStartCommand(), daemonStopCommand(), daemonStatusCommand())
	return cmd
}

func daemonStatusCommand() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "status --data DIR",
		Short: "Say whether a node runs on DIR (exit 0) or not (exit 3)",
		Long: `Status reports the node that holds DIR's lock: its pid and uptime. The exit
code follows LSB init scripts: 0 running, 3 stopped. For what the node serves,
ask it: vault status.`,
		Example: "  vault daemon status --data .vault && echo up",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, pid, err := nodeOn(data)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if pid == 0 {
				fmt.Fprintf(out, "vault node on %s: stopped\n", data)
				if stale := node.ReadPIDFile(filepath.Join(data, daemonPIDFile)); stale > 0 {
					fmt.Fprintf(out, "  stale pid file %s names pid %d\n", filepath.Join(data, daemonPIDFile), stale)
				}
				return &exitError{code: exitStopped}
			}
			fmt.Fprintf(out, "vault node on %s: running, pid %d", data, pid)
			if up, err := processUptime(pid); err == nil {
				fmt.Fprintf(out, ", up %v", up.Round(time.Second))
			}
			fmt.Fprintln(out)
			// A node started by hand (vault serve) writes no log file: name
			// the file only where there is one.
			if logPath := filepath.Join(data, daemonLogFile); fileExists(logPath) {
				fmt.Fprintf(out, "  log %s\n", logPath)
			} else {
				fmt.Fprintln(out, "  no log file: the node was not started with vault daemon start (its output goes where its starter sent it)")
			}
			if other := node.ReadPIDFile(filepath.Join(data, daemonPIDFile)); other > 0 && other != pid {
				fmt.Fprintf(out, "  (the pid file names %d: the node running now took over from it or was started by hand)\n", other)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", ".vault", "data directory of the node")
	return cmd
}

// nodeOn makes the --data flag dataFlag absolute and returns the directory
// with the pid of the node that runs on it, 0 if none does.
func nodeOn(dataFlag string) (data string, pid int, err error) {
	if data, err = filepath.Abs(dataFlag); err != nil {
		return "", 0, err
	}
	pid, err = runningNode(data)
	return data, pid, err
}

// runningNode returns the pid of the node that holds data's lock, 0 if
// none does.
func runningNode(data string) (int, error) {
	if _, err := os.Stat(data); err != nil {
		return 0, fmt.Errorf("data directory: %w", err)
	}
	pid, err := node.LockHolder(data)
	if err != nil {
		return 0, err
	}
	if pid < 0 { // held, but no pid written yet: the node is starting
		if pid = node.ReadPIDFile(filepath.Join(data, daemonPIDFile)); pid == 0 {
			return 0, fmt.Errorf("%s is locked by a process that wrote no pid", data)
		}
	}
	return pid, nil
}

// alive reports whether process pid exists and has not exited: a daemon's
// parent may be an init that does not reap, so a zombie counts as gone.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	state, _, err := procStat(pid)
	return err != nil || state != 'Z'
}

// processUptime is how long process pid has run, from /proc.
func processUptime(pid int) (time.Duration, error) {
	_, startTicks, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, err
	}
	f := bytes.Fields(b)
	if len(f) == 0 {
		return 0, errors.New("empty /proc/uptime")
	}
	boot, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/uptime: %w", err)
	}
	// Start times count USER_HZ ticks, 100 a second on every Linux ABI.
	secs := boot - float64(startTicks)/100
	return time.Duration(secs * float64(time.Second)), nil
}

// procStat reads a process's state letter and start time (in clock ticks
// since boot) from /proc/PID/stat.
func procStat(pid int) (state byte, startTicks uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 || len(f[0]) != 1 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	start, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: starttime: %w", pid, err)
	}
	return f[0][0], start, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
