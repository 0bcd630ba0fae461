package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/projector/fold"
)

func stateCommand() *cobra.Command {
	var src ledgerSource
	var at uint64
	var asJSON, hash bool
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Show the projected state (functions, active versions, routes), now or after record SEQ",
		Long: `State prints what the ledger says is served: every function, its lifecycle
state and traffic split, and the routes it owns. Without --at it is the node's live state; with --at
SEQ (or --file EXPORT) it is computed by replaying records 1..SEQ, with no node
needed for a file. --hash prints a digest of the whole projected state: a live
node and a replay of the same records print the same digest.`,
		Example: "  vault state\n  vault state --at 42 --json\n  vault state --hash --file ledger.vexp",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := stateAt(cmd.Context(), &src, at)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case hash:
				fmt.Fprintf(out, "%s seq %d\n", st.Hash(), st.Seq)
			case asJSON:
				return printJSON(out, st)
			default:
				printState(out, st)
			}
			return nil
		},
	}
	src.addFlags(cmd)
	cmd.Flags().Uint64Var(&at, "at", 0, "the state after record SEQ (default: now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the whole state as JSON")
	cmd.Flags().BoolVar(&hash, "hash", false, "print only the state's digest and sequence")
	return cmd
}

func printState(w io.Writer, st *fold.State) {
	names := make([]string, 0, len(st.Functions))
	for name := range st.Functions {
		names = append(names, name)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tSTATE\tSINCE\tVERSIONS\tROUTES")
	for _, name := range names {
		f := st.Functions[name]
		since, routes := "-", "-"
		if f.StateSeq != 0 {
			since = fmt.Sprintf("seq %d", f.StateSeq)
		}
		var owned []string
		for _, shape := range slices.Sorted(maps.Keys(st.Routes)) {
			if o := st.Routes[shape]; o.Function == name {
				owned = append(owned, o.Route)
			}
		}
		if len(owned) > 0 {
			routes = strings.Join(owned, " ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", name, f.Summary(), since, len(f.Versions), routes)
	}
	tw.Flush()
	fmt.Fprintf(w, "ledger %s at seq %d, %d rejected records, state %s\n", st.Ledger, st.Seq, len(st.Rejected), st.Hash()[:16])
}
