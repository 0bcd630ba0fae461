package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/projector/fold"
)

// changeResult is what activate, rollback, pause, resume and retire
// print with --json: the function after the record, and with --wait
// each node's answer.
type changeResult struct {
	Function string `json:"function"`
	// Seq is the record appended; 0 when nothing was (Unchanged).
	Seq           uint64         `json:"seq,omitempty"`
	Unchanged     bool           `json:"unchanged,omitempty"`
	State         fold.Lifecycle `json:"state"`
	Active        int            `json:"active,omitempty"`
	Canary        int            `json:"canary,omitempty"`
	CanaryPercent int            `json:"canaryPercent,omitempty"`
	Summary       string         `json:"summary"`
	Nodes         []nodeApplied  `json:"nodes,omitempty"`
}

func newChangeResult(f *fold.Function, seq uint64) changeResult {
	return changeResult{Function: f.Name, Seq: seq, State: f.State, Active: f.Active, Canary: f.Canary,
		CanaryPercent: f.CanaryPercent, Summary: f.Summary()}
}

// changeReport prints the outcome of a lifecycle command, as text or,
// with --json, as one changeResult once --wait is over. The commands'
// plain functions take it; the MCP tools pass the zero value (text).
type changeReport struct {
	asJSON bool
}

func (r *changeReport) addFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&r.asJSON, "json", false, "print the result as JSON (the function's state after the record; with --wait, each node's answer)")
}

// applied reports record res about fn, or the node's rejection of it;
// check, when not nil, judges the state after it before anything waits.
func (r changeReport) applied(ctx context.Context, out io.Writer, after *fold.Snapshot, res appended, fn, what string, w *nodeWait, check func() error) error {
	if !r.asJSON {
		if err := reportApplied(out, after, res.Seq, fn, what); err != nil {
			return err
		}
		if check != nil {
			if err := check(); err != nil {
				return err
			}
		}
		return w.report(ctx, out, res, fn)
	}
	for _, rej := range after.State.Rejected {
		if rej.Seq == res.Seq {
			return fmt.Errorf("%s: the node rejected record %d: %s", what, res.Seq, rej.Reason)
		}
	}
	f := after.State.Functions[fn]
	if f == nil {
		return fmt.Errorf("%s: the node has no function %s after seq %d", what, fn, res.Seq)
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	result := newChangeResult(f, res.Seq)
	nodes, err := w.wait(ctx, res, fn, nil)
	result.Nodes = nodes
	if perr := printJSON(out, result); perr != nil {
		return perr
	}
	return err
}

// unchanged reports that f is as asked already and nothing was appended.
func (r changeReport) unchanged(out io.Writer, f *fold.Function, text string) error {
	if r.asJSON {
		result := newChangeResult(f, 0)
		result.Unchanged = true
		return printJSON(out, result)
	}
	fmt.Fprintln(out, text)
	return nil
}
