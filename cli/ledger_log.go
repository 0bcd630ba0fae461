package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// logLine is one record as `ledger log` shows it.
type logLine struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Subject string    `json:"subject"`
	Signers []string  `json:"signers"`
	ID      string    `json:"id"`
	Problem string    `json:"problem,omitempty"`
}

func describeRecord(r ledger.Record) logLine {
	l := logLine{Seq: r.Seq, ID: r.ID, Time: r.Time}
	env, err := events.DecodeEnvelope(r.Envelope)
	if err != nil {
		l.Problem = err.Error()
		return l
	}
	for _, s := range env.Signatures {
		l.Signers = append(l.Signers, s.KeyID)
	}
	ev, err := events.DecodeEvent(env.Payload)
	if err != nil {
		l.Problem = err.Error()
		return l
	}
	l.Type, l.Subject, l.Time = string(ev.Type), ev.Subject, ev.Time
	return l
}

func ledgerLogCommand() *cobra.Command {
	var src ledgerSource
	var from, limit uint64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "log",
		Short: "List records: sequence, time, type, subject, signer key IDs, event ID",
		Long: `Log lists ledger records in order. The time is the event's own informational
timestamp; authority is judged by sequence, never by time.`,
		Example: "  vault ledger log --from 100 --limit 20\n  vault ledger log --file ledger.vexp --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return ledgerLog(cmd.Context(), commandInvocation(cmd, src.server), &src, from, limit, asJSON)
		},
	}
	src.addFlags(cmd)
	cmd.Flags().Uint64Var(&from, "from", 1, "first sequence to list")
	cmd.Flags().Uint64Var(&limit, "limit", 0, "list at most this many records (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per record")
	return cmd
}

// ledgerLog prints limit records (0: all) from seq from on.
func ledgerLog(ctx context.Context, iv invocation, src *ledgerSource, from, limit uint64, asJSON bool) error {
	if err := src.open(); err != nil {
		return err
	}
	defer src.close()
	out := iv.out
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "SEQ\tTIME\tTYPE\tSUBJECT\tSIGNED BY\tEVENT ID")
	}
	enc := json.NewEncoder(out)
	var to uint64
	if limit > 0 {
		to = max(from, 1) + limit - 1
	}
	expect := max(from, 1)
	err := src.records(ctx, from, to, func(r ledger.Record) error {
		if r.Seq > expect { // the store lost these: say so rather than skip them
			missing := logLine{Seq: expect, Problem: fmt.Sprintf("records %d..%d are missing from the stream", expect, r.Seq-1)}
			if asJSON {
				if err := enc.Encode(missing); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(tw, "%d\t\t!%s\t\t\t\n", missing.Seq, missing.Problem)
			}
		}
		expect = r.Seq + 1
		l := describeRecord(r)
		if asJSON {
			return enc.Encode(l)
		}
		typ := l.Type
		if l.Problem != "" {
			typ = "!" + l.Problem
		}
		_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", l.Seq, l.Time.UTC().Format(time.RFC3339), typ, l.Subject, strings.Join(l.Signers, ","), l.ID)
		return err
	})
	tw.Flush()
	return err
}
