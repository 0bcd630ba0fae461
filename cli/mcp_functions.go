package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/mcp"
	"github.com/vault-runtime/vault/edge/fnlog"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/schemas"
)

// The tools about functions and containers: each runs its command's function.

// deploy appends the deploy, or with in.Propose writes it as a proposal
// in the proposals directory (deploy -o).
func (o mcpOps) deploy(ctx context.Context, in mcp.DeployInput) (mcp.Output, error) {
	opts := deployOptions{take: in.TakeRoutes, skipCheck: in.SkipCheck, maxSize: schemas.DefaultMaxArtifactBytes}
	if in.Propose {
		if err := os.MkdirAll(o.proposals, 0o700); err != nil {
			return mcp.Output{}, fmt.Errorf("deploy %s: %w", in.Dir, err)
		}
		f, err := os.CreateTemp(o.proposals, "proposal-deploy-*.json")
		if err != nil {
			return mcp.Output{}, fmt.Errorf("deploy %s: %w", in.Dir, err)
		}
		f.Close()
		opts.out = f.Name()
	}
	out, err := o.run(func(iv invocation) error { return deploy(ctx, iv, in.Dir, opts) })
	if err != nil && opts.out != "" {
		os.Remove(opts.out)
	}
	if err != nil && !in.Propose && strings.Contains(err.Error(), "needs approval") {
		// The gate wants admins' signatures (gatekeeper rule 5): the
		// deploy becomes a proposal this key signs, for the rest.
		in.Propose = true
		return o.deploy(ctx, in)
	}
	if err == nil && opts.out != "" {
		note, serr := o.signProposal(ctx, opts.out)
		if serr != nil {
			return out, serr
		}
		out.Text += note
	}
	return out, err
}

// signProposal signs the proposal at path with the server's key and says
// how many admin signatures it still needs for the ledger's threshold.
func (o mcpOps) signProposal(ctx context.Context, path string) (string, error) {
	p, err := readProposal(path)
	if err != nil {
		return "", err
	}
	signer, err := o.key()
	if err != nil {
		return "", err
	}
	if err := p.Envelope.Sign(signer); err != nil {
		return "", err
	}
	if err := p.write(path); err != nil {
		return "", err
	}
	iv := invocation{server: o.server, key: o.key}
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return "", err
	}
	c.Close()
	kr := snap.State.Keys
	need, has := max(kr.AdminThreshold, 1), 0
	if k := kr.Keys[signer.ID]; k != nil && k.Has(events.RoleAdmin) {
		has = 1
	}
	return fmt.Sprintf("then signed it with this server's key %s; the deploy needs %d admin signature(s) in all, has %d: %d missing (admins: %s); then 'vault submit %s'\n",
		signer.ID, need, has, max(need-has, 0), orNone(kr.Admins()), path), nil
}

func (o mcpOps) activate(ctx context.Context, in mcp.ActivateInput) (mcp.Output, error) {
	percent := in.Percent
	if percent == 0 {
		percent = 100
	}
	return o.run(func(iv invocation) error {
		return activate(ctx, iv, fmt.Sprintf("%s@v%d", in.Name, in.Version), percent, ledger.AppendOptions{}, waitFlags{}, changeReport{})
	})
}

func (o mcpOps) rollback(ctx context.Context, in mcp.RollbackInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error {
		return rollback(ctx, iv, in.Name, in.To, ledger.AppendOptions{}, waitFlags{}, changeReport{})
	})
}

func (o mcpOps) lifecycle(verb string, typ events.Type) mcp.Op[mcp.LifecycleInput] {
	return func(ctx context.Context, in mcp.LifecycleInput) (mcp.Output, error) {
		return o.run(func(iv invocation) error {
			return changeLifecycle(ctx, iv, verb, typ, in.Name, in.Reason, ledger.AppendOptions{}, waitFlags{}, changeReport{}, func() error { return nil })
		})
	}
}

// retire wants the name repeated in confirm, where the command asks for
// it on a terminal.
func (o mcpOps) retire(ctx context.Context, in mcp.RetireInput) (mcp.Output, error) {
	confirm := func() error {
		if in.Confirm != in.Name {
			return fmt.Errorf("retire %s: not confirmed (confirm must repeat the name); nothing was appended", in.Name)
		}
		return nil
	}
	return o.run(func(iv invocation) error {
		return changeLifecycle(ctx, iv, "retire", events.TypeRetired, in.Name, in.Reason, ledger.AppendOptions{}, waitFlags{}, changeReport{}, confirm)
	})
}

func (o mcpOps) kill(ctx context.Context, in mcp.KillInput) (mcp.Output, error) {
	signal := in.Signal
	if signal == "" {
		signal = "KILL"
	}
	return o.run(func(iv invocation) error { return kill(ctx, iv, in.Name, signal, mcpKillGather, false) })
}

func (o mcpOps) exec(ctx context.Context, in mcp.ExecInput) (mcp.Output, error) {
	timeout := 10 * time.Minute
	if in.TimeoutSeconds > 0 {
		timeout = time.Duration(in.TimeoutSeconds) * time.Second
	}
	return o.run(func(iv invocation) error {
		return execIn(ctx, iv, in.Name, in.Version, in.Command, timeout, ledger.AppendOptions{})
	})
}

func (o mcpOps) runImage(ctx context.Context, in mcp.RunInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error {
		return runImage(ctx, iv, in.Name, in.Image, in.Port, in.Routes, in.Health, waitFlags{})
	})
}

func (o mcpOps) ps(ctx context.Context, in mcp.PsInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error { return ps(ctx, iv, mcpKillGather, in.All, false) })
}

// logs keeps the newest in.Limit entries of the window.
func (o mcpOps) logs(ctx context.Context, in mcp.LogsInput) (mcp.Output, error) {
	since := mcpLogsSince
	if in.Since != "" {
		d, err := time.ParseDuration(in.Since)
		if in.Since == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 {
			return mcp.Output{}, fmt.Errorf("logs %s: since %q: want a duration of 0 or more, such as 30s or 2h", in.Name, in.Since)
		}
		since = d
	}
	limit := in.Limit
	if limit == 0 {
		limit = mcpLogsLimit
	}
	var entries []fnlog.Entry
	keep := func(e fnlog.Entry) error {
		if len(entries) == limit {
			entries = append(entries[:0], entries[1:]...)
		}
		entries = append(entries, e)
		return nil
	}
	out, err := o.run(func(iv invocation) error { return readLogs(ctx, iv, in.Name, since, false, keep) })
	if err != nil {
		return out, err
	}
	var text strings.Builder
	for _, e := range entries {
		printLogEntry(&text, e)
	}
	if len(entries) == 0 {
		fmt.Fprintf(&text, "no log lines of %s in the last %s\n", in.Name, since)
	}
	if entries == nil {
		entries = []fnlog.Entry{}
	}
	return mcp.Output{Text: text.String(), Data: entries}, nil
}

func (o mcpOps) inspect(ctx context.Context, in mcp.NameInput) (mcp.Output, error) {
	var got inspection
	out, err := o.run(func(iv invocation) (err error) {
		got, err = inspectFunction(ctx, iv, in.Name)
		if err == nil {
			printInspection(iv.out, got)
		}
		return err
	})
	out.Data = got
	return out, err
}

func (o mcpOps) list(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error { return list(ctx, iv, false) })
}
