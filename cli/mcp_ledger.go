package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vault-runtime/vault/cli/mcp"
)

// The auditor's tools and the resources: the ledger commands' functions.

func (o mcpOps) ledgerLog(ctx context.Context, in mcp.LedgerLogInput) (mcp.Output, error) {
	from, limit := max(in.From, 1), in.Limit
	if limit == 0 {
		limit = mcpLedgerRows
	}
	return o.runJSON(func(iv invocation) error { return ledgerLog(ctx, iv, o.source(), from, limit, true) })
}

func (o mcpOps) ledgerVerify(ctx context.Context, in mcp.LedgerVerifyInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return ledgerVerify(ctx, iv, o.source(), in.Ledger, true) })
}

func (o mcpOps) ledgerProve(ctx context.Context, in mcp.LedgerProveInput) (mcp.Output, error) {
	var args []string
	consistency := false
	switch {
	case in.Seq != 0 && in.Old == 0 && in.New == 0:
		args = []string{strconv.FormatUint(in.Seq, 10)}
	case in.Seq == 0 && in.Old != 0 && in.New != 0:
		args, consistency = []string{strconv.FormatUint(in.Old, 10), strconv.FormatUint(in.New, 10)}, true
	default:
		return mcp.Output{}, errors.New("ledger_prove: give seq (inclusion) or old and new (consistency)")
	}
	return o.runJSON(func(iv invocation) error { return prove(ctx, iv, args, consistency, true) })
}

func (o mcpOps) stateAt(ctx context.Context, in mcp.StateAtInput) (mcp.Output, error) {
	st, err := stateAt(ctx, o.source(), in.Seq)
	if err != nil {
		return mcp.Output{}, err
	}
	var text strings.Builder
	printState(&text, st)
	return mcp.Output{Text: text.String(), Data: st}, nil
}

func (o mcpOps) keysList(ctx context.Context, in mcp.KeysListInput) (mcp.Output, error) {
	st, err := stateAt(ctx, o.source(), in.At)
	if err != nil {
		return mcp.Output{}, err
	}
	if st.Keys == nil {
		return mcp.Output{}, errors.New("keys ls: the ledger has no genesis yet")
	}
	var text strings.Builder
	printKeys(&text, st)
	return mcp.Output{Text: text.String(), Data: st.Keys}, nil
}

func (o mcpOps) explain(ctx context.Context, in mcp.ExplainInput) (mcp.Output, error) {
	lines, err := explain(ctx, o.source(), in.From, in.To)
	if err != nil {
		return mcp.Output{}, err
	}
	var text strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&text, "seq %d: %s\n", l.Seq, l.Text)
	}
	return mcp.Output{Text: text.String(), Data: lines}, nil
}

func (o mcpOps) record(ctx context.Context, seq uint64) ([]byte, error) {
	var out bytes.Buffer
	err := ledgerShow(ctx, invocation{out: &out, errOut: io.Discard, server: o.server, key: o.key}, o.source(), strconv.FormatUint(seq, 10))
	return out.Bytes(), err
}

func (o mcpOps) functions(ctx context.Context) ([]byte, error) {
	var out bytes.Buffer
	err := list(ctx, invocation{out: &out, errOut: io.Discard, server: o.server, key: o.key}, true)
	return out.Bytes(), err
}

// checkpoint is the signed note of the largest checkpoint.
func (o mcpOps) checkpoint(ctx context.Context) ([]byte, error) {
	src := o.source()
	if err := src.open(); err != nil {
		return nil, err
	}
	defer src.close()
	notes, err := src.checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	sorted, _, err := sortedBySize(notes)
	if err != nil {
		return nil, err
	}
	if len(sorted) == 0 {
		return nil, errors.New("the ledger has no checkpoint yet")
	}
	return sorted[len(sorted)-1], nil
}
