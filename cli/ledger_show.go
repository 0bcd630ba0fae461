package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

func ledgerShowCommand() *cobra.Command {
	var src ledgerSource
	cmd := &cobra.Command{
		Use:     "show SEQ",
		Short:   "Show one record: the decoded event and its signatures",
		Example: "  vault ledger show 1\n  vault ledger show 42 --file ledger.vexp",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return ledgerShow(cmd.Context(), commandInvocation(cmd, src.server), &src, args[0])
		},
	}
	src.addFlags(cmd)
	return cmd
}

// ledgerShow prints record arg (a sequence) as JSON: the decoded event
// and its signatures.
func ledgerShow(ctx context.Context, iv invocation, src *ledgerSource, arg string) error {
	seq, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || seq == 0 {
		return fmt.Errorf("show %q: SEQ must be a positive number", arg)
	}
	if err := src.open(); err != nil {
		return err
	}
	defer src.close()
	r, err := src.record(ctx, seq)
	if err != nil {
		return err
	}
	shown := map[string]any{"seq": r.Seq, "id": r.ID}
	if env, err := events.DecodeEnvelope(r.Envelope); err != nil {
		shown["problem"] = err.Error()
	} else {
		shown["payloadType"] = env.PayloadType
		shown["signatures"] = env.Signatures
		var payload any
		if err := json.Unmarshal(env.Payload, &payload); err != nil {
			shown["problem"] = "payload is not JSON: " + err.Error()
		} else {
			shown["event"] = payload
		}
	}
	return printJSON(iv.out, shown)
}
