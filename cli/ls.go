package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func lsCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ls",
		Short:   "List functions, their versions, which one is active and its routes",
		Example: "  vault ls\n  vault ls --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			nc, err := connect(server)
			if err != nil {
				return err
			}
			defer nc.Close()
			snap, err := fetchSnapshot(cmd.Context(), nc, 0)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, snap)
			}
			names := make([]string, 0, len(snap.State.Functions))
			for name := range snap.State.Functions {
				names = append(names, name)
			}
			slices.Sort(names)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FUNCTION\tVERSION\tSTATE\tDEPLOYED AT\tARTIFACT\tROUTES")
			for _, name := range names {
				f := snap.State.Functions[name]
				served, isServed := snap.Served[name]
				for _, v := range f.Versions {
					state := ""
					if v.Number == f.Active {
						state = "active"
						if !isServed || served.Version != v.Number {
							state = "active (not served here)"
						}
					} else if isServed && served.Version == v.Number {
						state = "served"
					}
					fmt.Fprintf(tw, "%s\tv%d\t%s\tseq %d\t%s\t%s\n", name, v.Number, state, v.DeployedSeq, v.Artifact[:12], strings.Join(v.Routes, " "))
				}
			}
			tw.Flush()
			for _, key := range slices.Sorted(maps.Keys(snap.Failed)) {
				fmt.Fprintf(out, "not served here: %s: %s\n", key, snap.Failed[key])
			}
			fmt.Fprintf(out, "ledger %s at seq %d\n", snap.State.Ledger, snap.State.Seq)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the node's snapshot as JSON")
	return cmd
}
