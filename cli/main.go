// Package cli is the vault command: one file per subcommand, and the
// plumbing they share (key and config files, passphrases, output). The
// running node lives in cli/node; business logic in the other packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Main runs the vault command with the process's arguments and exits.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Run executes one command line and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:   "vault",
		Short: "Vault: a self-hosted edge runtime for JavaScript functions with a verifiable ledger",
		Example: `  vault init --data .vault && vault serve --data .vault
  vault deploy ./myfn && vault activate myfn@v1 && vault ls
  vault ledger verify`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("{{.Version}}")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(initCommand(), serveCommand(), imageCommand(), registryCommand(), networkCommand(), volumeCommand(), deployCommand(), activateCommand(), lsCommand(), ledgerCommand(),
		keysCommand(), signCommand(), submitCommand(), statusCommand(), stateCommand(), nodesCommand(),
		rollbackCommand(), pauseCommand(), resumeCommand(), stopCommand(), startCommand(), retireCommand(), killCommand(), psCommand(), execCommand(), runCommand(), infoCommand(), inspectCommand(), logsCommand(),
		daemonCommand(), serverCommand(), newCommand(), devCommand(), secretCommand(), mcpCommand())
	addCompletions(root)
	// A config file that does not read is said before anything runs.
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		_, err := loadCLIConfig()
		return err
	}
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var coded *exitError
		if errors.As(err, &coded) {
			if coded.msg != "" {
				fmt.Fprintln(stderr, coded.msg)
			}
			return coded.code
		}
		fmt.Fprintf(stderr, "vault: %v\n", err)
		return 1
	}
	return 0
}

// exitError is an error already phrased for the user.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
