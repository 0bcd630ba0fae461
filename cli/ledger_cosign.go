package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
)

// witnesses counts the witnesses that cosigned the latest checkpoint the
// audit verified, judged by the key state after the last record. Export
// files carry no cosignatures: nil, nil.
func (src *ledgerSource) witnesses(ctx context.Context, notes [][]byte, report *projector.AuditReport) (*ledger.CosignReport, error) {
	if src.file != "" || report.Checkpoints == 0 {
		return nil, nil
	}
	var latest *ledger.Checkpoint
	for _, n := range notes {
		// The audit verified every note; the latest is the one of its size.
		if cp, err := ledger.PeekCheckpoint(n); err == nil && cp.Size == report.LatestCheckpoint {
			latest = &cp
			break
		}
	}
	if latest == nil {
		return nil, fmt.Errorf("no checkpoint of tree size %d", report.LatestCheckpoint)
	}
	msgs, err := ledger.ReadCosignatures(ctx, src.js, latest.Size)
	if err != nil {
		return nil, err
	}
	r := ledger.CountCosigners(*latest, msgs, report.Keys)
	return &r, nil
}

// printWitnesses writes the witnesses lines of the verify report.
func printWitnesses(out io.Writer, src *ledgerSource, r *ledger.CosignReport, readErr error) {
	switch {
	case readErr != nil:
		fmt.Fprintf(out, "witnesses    unknown: cannot read cosignatures: %v\n", readErr)
	case src.file != "":
		fmt.Fprintln(out, "witnesses    unknown: cosignatures are not in export files")
	case r == nil:
		fmt.Fprintln(out, "witnesses    no checkpoint to cosign")
	default:
		fmt.Fprintf(out, "witnesses    %d cosigned the latest checkpoint (size %d)", len(r.Cosigners), r.Size)
		if len(r.Cosigners) > 0 {
			fmt.Fprintf(out, ": %s", strings.Join(r.Cosigners, ", "))
		}
		fmt.Fprintln(out)
		for _, ig := range r.Ignored {
			who := ig.Witness
			if who == "" {
				who = "a message"
			}
			fmt.Fprintf(out, "ignored      cosignature by %s: %s\n", who, ig.Reason)
		}
	}
}
