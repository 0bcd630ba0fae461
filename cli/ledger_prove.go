package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/ledger"
)

func ledgerProveCommand() *cobra.Command {
	var server string
	var consistency, asJSON bool
	cmd := &cobra.Command{
		Use:   "prove SEQ | prove --consistency OLD NEW",
		Short: "Print an RFC 6962 inclusion or consistency proof with its signed checkpoint",
		Long: `Prove prints the signed checkpoint note and the proof hashes in base64, so any
RFC 6962 / RFC 9162 verifier can check them. An inclusion proof is against the
latest checkpoint (the node signs one now if the ledger grew); its leaf is
record SEQ at index SEQ-1, and the leaf hash is SHA-256(0x00 || envelope).
A consistency proof is between the checkpoints of tree sizes OLD and NEW.`,
		Example: "  vault ledger prove 42\n  vault ledger prove --consistency 100 250",
		Args: func(cmd *cobra.Command, args []string) error {
			if consistency {
				return cobra.ExactArgs(2)(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return prove(cmd.Context(), commandInvocation(cmd, server), args, consistency, asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&consistency, "consistency", false, "prove consistency between two checkpointed tree sizes")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the proof as JSON")
	return cmd
}

// prove prints the inclusion proof of record args[0] or, with
// consistency, the consistency proof between tree sizes args[0] and
// args[1].
func prove(ctx context.Context, iv invocation, args []string, consistency, asJSON bool) error {
	nums := make([]uint64, len(args))
	for i, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("prove: %q is not a positive number", a)
		}
		nums[i] = n
	}
	req := ledger.ProofRequest{}
	if consistency {
		req.Old, req.New = nums[0], nums[1]
	} else {
		req.Seq = nums[0]
	}
	c, err := iv.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := c.Prove(ctx, req)
	if err != nil {
		return err
	}
	out := iv.out
	if asJSON {
		return printJSON(out, p)
	}
	if p.OldCheckpoint != "" {
		fmt.Fprintf(out, "old checkpoint:\n%s\n", p.OldCheckpoint)
	}
	fmt.Fprintf(out, "checkpoint:\n%s\n", p.Checkpoint)
	if p.LeafHash != nil {
		fmt.Fprintf(out, "record %d, leaf index %d\nleaf hash: %s\n", p.Seq, p.Index, base64.StdEncoding.EncodeToString(p.LeafHash[:]))
	}
	fmt.Fprintf(out, "proof (%d hashes):\n", len(p.Hashes))
	for _, h := range p.Hashes {
		fmt.Fprintln(out, base64.StdEncoding.EncodeToString(h[:]))
	}
	return nil
}
