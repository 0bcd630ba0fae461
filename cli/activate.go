package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func activateCommand() *cobra.Command {
	var server string
	var opts ledger.AppendOptions
	cmd := &cobra.Command{
		Use:   "activate NAME@VERSION",
		Short: "Make a deployed version serve (appends a signed function.activated event)",
		Long: `Activate appends a function.activated event, signed with the operator key, that
names the version and its artifact digest. Every node switches the function's
routes to that version once it has fetched, checked and compiled it.`,
		Example: "  vault activate myfn@v1\n  vault activate myfn@2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version, err := parseRef(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			nc, snap, err := dialNode(ctx, server)
			if err != nil {
				return err
			}
			defer nc.Close()
			f := snap.State.Functions[name]
			if f == nil {
				return fmt.Errorf("activate %s: no function %q is deployed", args[0], name)
			}
			if version < 1 || version > len(f.Versions) {
				return fmt.Errorf("activate %s: %s has versions v1..v%d", args[0], name, len(f.Versions))
			}
			body := events.Activated{Name: name, Version: version, Artifact: f.Versions[version-1].Artifact}
			res, after, err := signAndAppend(ctx, nc, snap.State.Ledger, events.TypeActivated, name, body, opts)
			if err != nil {
				return fmt.Errorf("activate %s: %w", args[0], err)
			}
			served, ok := after.Served[name]
			switch {
			case ok && served.Version == version:
				fmt.Fprintf(cmd.OutOrStdout(), "%s@v%d active (seq %d)\n", name, version, res.Seq)
			default:
				return fmt.Errorf("activate %s: recorded at seq %d, but the node could not serve it: %s",
					args[0], res.Seq, after.Failed[fmt.Sprintf("%s@v%d (activated at seq %d)", name, version, res.Seq)])
			}
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	return cmd
}

// parseRef reads NAME@vN or NAME@N.
func parseRef(ref string) (string, int, error) {
	name, v, ok := strings.Cut(ref, "@")
	if !ok || name == "" {
		return "", 0, fmt.Errorf("%q: want NAME@VERSION, e.g. hello@v2", ref)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("%q: version must be v1, v2, …", ref)
	}
	return name, n, nil
}
