package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func secretRmCommand() *cobra.Command {
	var server string
	var opts ledger.AppendOptions
	cmd := &cobra.Command{
		Use:   "rm NAME KEY",
		Short: "Remove a function's secret KEY: env.KEY is undefined from then on",
		Long: `Rm appends a signed secret.removed event (deploy role). The function's served
versions are compiled again without it. The ciphertexts stay in the ledger's
history, which is append-only: rotate the value where it was issued if it may
have leaked.`,
		Example: "  vault secret rm shop STRIPE_KEY",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, key := args[0], args[1]
			op := fmt.Sprintf("secret rm %s %s", name, key)
			ctx := cmd.Context()
			c, _, f, err := commandInvocation(cmd, server).dialFunction(ctx, "secret rm", name)
			if err != nil {
				return err
			}
			defer c.Close()
			if _, ok := f.Secrets[key]; !ok {
				return fmt.Errorf("%s: %s has no secret %s (vault secret ls %s)", op, name, key, name)
			}
			res, after, err := signAndAppend(ctx, c, events.TypeSecretRemoved, name, events.SecretRemoved{Function: name, Key: key}, opts)
			if err != nil {
				return opError(op, err)
			}
			if err := reportApplied(cmd.OutOrStdout(), after, res.Seq, name, op); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "secret %s of %s removed at seq %d\n", key, name, res.Seq)
			reportWarm(cmd.OutOrStdout(), after, name, res.Seq)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	return cmd
}
