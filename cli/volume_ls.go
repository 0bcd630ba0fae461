package cli

import (
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/projector/fold"
)

func volumeLsCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ls",
		Short:   "List the volumes the ledger declares: when, by whom, and the versions that mount each",
		Example: "  vault volume ls\n  vault volume ls --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, snap, err := dialNode(cmd.Context(), server)
			if err != nil {
				return err
			}
			defer c.Close()
			st := snap.State
			out := cmd.OutOrStdout()
			if asJSON {
				volumes := st.Volumes
				if volumes == nil {
					volumes = map[string]*fold.Volume{}
				}
				return printJSON(out, volumes)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCREATED AT\tBY\tMOUNTED BY")
			for _, name := range slices.Sorted(maps.Keys(st.Volumes)) {
				v := st.Volumes[name]
				fmt.Fprintf(tw, "%s\tseq %d\t%s\t%s\n", name, v.CreatedSeq, firstOr(v.By, "-"), joinOrDash(st.VolumeUsers(name)))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the volumes as JSON, by name")
	addServerFlag(cmd, &server)
	return cmd
}
