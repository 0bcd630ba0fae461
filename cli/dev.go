package cli

import (
	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/devloop"
)

func devCommand() *cobra.Command {
	cfg := devloop.Config{Debounce: devloop.DefaultDebounce}
	cmd := &cobra.Command{
		Use:   "dev [DIR]",
		Short: "Run a function on a throwaway local node and redeploy it on every save",
		Long: `Dev starts a node in this process with a ledger of its own (a temporary data
directory, a throwaway operator key, free loopback ports, all printed), deploys
DIR (default: the current directory) and activates it. It then watches DIR and
deploys and activates it again after every save (once the files have been quiet
for --debounce); node_modules and dot files are not watched.

Send requests to the http address it prints: it speaks HTTP/1.1 and h2c, and
prints each request (time, method, path, status, duration); the function's
console lines and runtime errors follow. A save that does not bundle or run is
reported with file:line:col and deploys nothing: the version before keeps
serving. Saving code a version had before serves that version again.

Ctrl-C stops the node and removes its data directory. Nothing touches your
operator key, your config or any other node: deploy to a real node with
'vault deploy'.`,
		Example: "  vault new myfn && vault dev myfn\n  vault dev . --listen 127.0.0.1:8787",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.Dir = "."
			if len(args) == 1 {
				cfg.Dir = args[0]
			}
			cfg.Out = cmd.OutOrStdout()
			return devloop.Run(cmd.Context(), cfg)
		},
	}
	cmd.Flags().StringVar(&cfg.Listen, "listen", "", "address of the http front (default: a free loopback port)")
	cmd.Flags().DurationVar(&cfg.Debounce, "debounce", devloop.DefaultDebounce, "how long files must be quiet after a change before a redeploy")
	return cmd
}
