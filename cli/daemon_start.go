package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func daemonStartCommand() *cobra.Command {
	serve := serveCommand() // its flags are start's, passed on to the node
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "start --data DIR [serve flags]",
		Short: "Start 'vault serve' in the background and wait until it serves",
		Long: `Start runs 'vault serve --data DIR' with the serve flags given here, detached:
in a session of its own, stdin from /dev/null, stdout and stderr appended to
DIR/vault.log, its pid written to DIR/vault.pid. It waits until the node says
it is ready (at most --wait), then prints the pid, the log and the addresses.
Relative paths (--cert, --key) are resolved from the current directory, which
the node keeps.

Start refuses a DIR that a node already runs on, unless --takeover is given:
then the new node replaces the running one without refusing connections (see
'vault serve --help').

The node's key passphrase comes from $VAULT_PASSPHRASE, which the node
inherits. Without it, start asks on the terminal, checks it against the node
key, and passes it to the node in its environment only (readable by the same
user in /proc/PID/environ, like any process's environment).`,
		Example: `  vault daemon start --data .vault
  VAULT_PASSPHRASE=... vault daemon start --data /var/lib/vault --listen 0.0.0.0:8080 --log-level warn
  vault daemon start --data .vault --takeover    # restart onto a new binary without downtime`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemonStart(cmd, wait)
		},
	}
	cmd.Flags().AddFlagSet(serve.Flags())
	cmd.Flags().DurationVar(&wait, "wait", 3*time.Minute, "how long to wait for the node to be ready")
	return cmd
}

func runDaemonStart(cmd *cobra.Command, wait time.Duration) error {
	flags := cmd.Flags()
	dataFlag, _ := flags.GetString("data")
	takeover, _ := flags.GetBool("takeover")
	data, err := filepath.Abs(dataFlag)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(data, genesisFile)); err != nil {
		return fmt.Errorf("%s is not an initialised data directory (run 'vault init --data %s')", data, dataFlag)
	}
	if pid, err := runningNode(data); err != nil {
		return err
	} else if pid != 0 && !takeover {
		return fmt.Errorf("a vault node already runs on %s (pid %d): stop it first (vault daemon stop --data %s) or replace it with --takeover", data, pid, dataFlag)
	}
	env, err := daemonEnviron(data, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	args := []string{"serve", "--data", data}
	flags.Visit(func(f *pflag.Flag) {
		if f.Name != "data" && f.Name != "wait" {
			args = append(args, "--"+f.Name+"="+f.Value.String())
		}
	})
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the vault binary: %w", err)
	}
	logPath := filepath.Join(data, daemonLogFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open the node's log: %w", err)
	}
	defer logf.Close()
	offset, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("open the node's log: %w", err)
	}
	fmt.Fprintf(logf, "--- vault daemon start %s: %s\n", time.Now().Format(time.RFC3339), strings.Join(args, " "))
	child := exec.Command(exe, args...)
	child.Env = env
	child.Stdout, child.Stderr = logf, logf // stdin: /dev/null
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := child.Start(); err != nil {
		return fmt.Errorf("start vault serve: %w", err)
	}
	pid := child.Process.Pid
	pidPath := filepath.Join(data, daemonPIDFile)
	if err := writePIDFile(pidPath, pid); err != nil {
		child.Process.Kill()
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	ready, err := waitReady(logPath, offset, wait, exited)
	if err != nil {
		if errors.Is(err, errNodeExited) {
			os.Remove(pidPath)
		}
		return fmt.Errorf("%w\nlog: %s", err, logPath)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "vault node started in the background: pid %d\n", pid)
	fmt.Fprintf(out, "  log  %s\n  pid  %s\n", logPath, pidPath)
	for _, l := range ready {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "stop it with: vault daemon stop --data %s\n", dataFlag)
	return nil
}

// daemonEnviron is the node's environment: this one, plus the passphrase
// typed on the terminal if $VAULT_PASSPHRASE is unset and the node key is
// encrypted. A wrong passphrase is caught here, before detaching.
func daemonEnviron(data string, prompts io.Writer) ([]string, error) {
	env := os.Environ()
	if os.Getenv(passphraseEnv) != "" {
		return env, nil
	}
	path := filepath.Join(data, nodeKeyFile)
	p := newPassphrase(prompts)
	key, err := readKeyFile(path, func() (string, error) { return p.get(path, false) }, prompts)
	if err != nil {
		return nil, fmt.Errorf("%w (the node runs detached: it cannot ask)", err)
	}
	key.Wipe()
	if p.value != "" {
		env = append(env, passphraseEnv+"="+p.value)
	}
	return env, nil
}

func writePIDFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

var errNodeExited = errors.New("the node exited before it was ready")

// waitReady follows the log from offset until the node prints its ready
// block (`vault node ready`, then its addresses down to the NATS URL) and
// returns the address lines. It fails when the node exits first, with the
// end of the log, or after wait, leaving the node running.
func waitReady(logPath string, offset int64, wait time.Duration, exited <-chan error) ([]string, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	r := bufio.NewReader(f)
	var lines, addrs []string
	var partial string
	seenReady := false
	deadline := time.After(wait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		for {
			s, err := r.ReadString('\n')
			if err != nil { // no full line yet
				partial += s
				break
			}
			line := strings.TrimRight(partial+s, "\n")
			partial = ""
			lines = append(lines, line)
			switch {
			case strings.HasPrefix(line, "vault node ready"):
				seenReady = true
			case seenReady && (strings.HasPrefix(line, "  h2c ") || strings.HasPrefix(line, "  tls ")):
				addrs = append(addrs, line)
			case seenReady && strings.HasPrefix(line, "  nats "):
				return append(addrs, line), nil
			}
		}
		select {
		case err := <-exited:
			rest, _ := io.ReadAll(r)
			lines = append(lines, strings.Split(strings.TrimRight(partial+string(rest), "\n"), "\n")...)
			return nil, fmt.Errorf("%w (%v); its last words:\n%s", errNodeExited, err, strings.Join(lines[max(0, len(lines)-15):], "\n"))
		case <-deadline:
			return nil, fmt.Errorf("the node (pid file %s) is not ready after %v; it still runs", filepath.Join(filepath.Dir(logPath), daemonPIDFile), wait)
		case <-tick.C:
		}
	}
}
