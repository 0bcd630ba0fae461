package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/ledger"
)

func ledgerExportCommand() *cobra.Command {
	var server, output string
	cmd := &cobra.Command{
		Use:   "export -o FILE",
		Short: "Write every record and checkpoint to a self-contained, verifiable file",
		Long: `Export writes the ledger's records and signed checkpoints in Vault's export
format (version 1, documented in ledger/export.go). 'vault ledger verify --file'
checks the file on a machine with no node.`,
		Example: "  vault ledger export -o ledger.vexp",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				return fmt.Errorf("export: -o FILE is required")
			}
			src := ledgerSource{server: server}
			if err := src.open(); err != nil {
				return err
			}
			defer src.close()
			ctx := cmd.Context()
			// Checkpoints first: the records read next reach at least as far.
			notes, err := src.checkpoints(ctx)
			if err != nil {
				return err
			}
			notes, sizes, err := sortedBySize(notes)
			if err != nil {
				return err
			}
			tmp, err := os.CreateTemp(filepath.Dir(output), ".export-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			w, err := ledger.NewExportWriter(tmp)
			if err != nil {
				return err
			}
			next := 0
			var count uint64
			err = src.records(ctx, 1, 0, func(r ledger.Record) error {
				if err := w.Record(r); err != nil {
					return err
				}
				count = r.Seq
				for ; next < len(notes) && sizes[next] == r.Seq; next++ {
					if err := w.Checkpoint(notes[next]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if next < len(notes) {
				return fmt.Errorf("export: a checkpoint covers %d records but only %d were read", sizes[next], count)
			}
			if err := w.Close(); err != nil {
				return err
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), output); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d records and %d checkpoints to %s\n", count, len(notes), output)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write")
	return cmd
}
