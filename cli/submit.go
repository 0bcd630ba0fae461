package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func submitCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "submit FILE",
		Short: "Append a signed proposal once enough admins have signed it",
		Long: `Submit checks the proposal against the node's current trust state and appends
it if the signatures meet the threshold; otherwise it says how many are
missing and who may still sign, and appends nothing.`,
		Example: "  vault submit change.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := readProposal(args[0])
			if err != nil {
				return err
			}
			c, snap, err := dialNode(cmd.Context(), server)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := submitEnvelope(cmd.Context(), c, snap, p.Envelope)
			if err != nil {
				return fmt.Errorf("submit %s (%s): %w", args[0], p.Summary, err)
			}
			if _, err := c.Snapshot(cmd.Context(), res.Seq); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), submitResult{Summary: p.Summary, Seq: res.Seq})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (seq %d)\n", p.Summary, res.Seq)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// submitResult is what submit and the keys changes print with --json:
// the record appended, or the proposal written instead (keys … -o).
type submitResult struct {
	Summary  string `json:"summary"`
	Seq      uint64 `json:"seq,omitempty"`
	Proposal string `json:"proposal,omitempty"`
}
