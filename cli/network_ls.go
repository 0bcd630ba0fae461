package cli

import (
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

func networkLsCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ls",
		Short:   "List the networks: the default one, then those the ledger declares, with their subnets and the versions on them",
		Example: "  vault network ls\n  vault network ls --json",
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
				networks := st.Networks
				if networks == nil {
					networks = map[string]*fold.Network{}
				}
				return printJSON(out, networks)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSUBNET\tCREATED AT\tBY\tUSED BY")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", events.DefaultNetwork, "(node's)", "-", "-", joinOrDash(st.NetworkUsers(events.DefaultNetwork)))
			for _, name := range slices.Sorted(maps.Keys(st.Networks)) {
				n := st.Networks[name]
				subnet := n.Subnet
				if subnet == "" {
					subnet = "(node's)"
				}
				fmt.Fprintf(tw, "%s\t%s\tseq %d\t%s\t%s\n", name, subnet, n.CreatedSeq, firstOr(n.By, "-"), joinOrDash(st.NetworkUsers(name)))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the declared networks as JSON, by name")
	addServerFlag(cmd, &server)
	return cmd
}
