package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

func signCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sign FILE",
		Short: "Add your signature to a proposal written by 'vault keys … -o FILE'",
		Long: `Sign shows what the proposal does, signs it with your operator key and writes
it back. Pass the file on to the next signer, or to 'vault submit' once enough
admins have signed. A key signs a proposal at most once.`,
		Example: "  vault sign change.json && vault submit change.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := readProposal(args[0])
			if err != nil {
				return err
			}
			signer, err := loadOperatorKey()
			if err != nil {
				return err
			}
			ev, _ := events.DecodeEvent(p.Envelope.Payload)
			if err := p.Envelope.Sign(signer); err != nil {
				return fmt.Errorf("sign %s: %w", args[0], err)
			}
			if err := p.write(args[0]); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), signResult{File: args[0], Summary: p.Summary, Type: string(ev.Type),
					Ledger: ev.Ledger, SignedBy: signer.ID, Signatures: len(p.Envelope.Signatures)})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed %s (%s, ledger %s) as %s: %d signature(s)\n",
				p.Summary, ev.Type, ev.Ledger, signer.ID, len(p.Envelope.Signatures))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// signResult is what sign --json prints.
type signResult struct {
	File       string `json:"file"`
	Summary    string `json:"summary"`
	Type       string `json:"type"`
	Ledger     string `json:"ledger"`
	SignedBy   string `json:"signedBy"`
	Signatures int    `json:"signatures"`
}
