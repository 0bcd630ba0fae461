package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/mcp"
	"github.com/vault-runtime/vault/cli/registry"
	"github.com/vault-runtime/vault/edge/fnlog"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/schemas"
)

// mcpOps are the MCP server's operations: the commands' own functions,
// talking to server and signing with key, their output captured.
type mcpOps struct {
	server string
	key    func() (*events.Signer, error)
	// proposals is where key changes short of the admin threshold are
	// written for the other admins.
	proposals string
}

// Defaults of the tools whose arguments are optional, as the commands'
// flags have them.
const (
	mcpLogsSince  = 10 * time.Minute
	mcpLogsLimit  = 100
	mcpLedgerRows = 100
	mcpKillGather = 300 * time.Millisecond // and ps's
	mcpNodesQuiet = 500 * time.Millisecond
	mcpNodesWait  = 5 * time.Second
)

// run calls fn with an invocation whose output it returns as the tool's
// text, what went to stderr (notes, progress) after it. A failure's text
// is the error, then what the command printed before it (a node's own
// refusal, for kill).
func (o mcpOps) run(fn func(iv invocation) error) (mcp.Output, error) {
	var out, notes bytes.Buffer
	err := fn(invocation{out: &out, errOut: &notes, server: o.server, key: o.key})
	if err != nil && out.Len() > 0 {
		return mcp.Output{}, fmt.Errorf("%w\n%s", err, strings.TrimSpace(out.String()))
	}
	if err != nil {
		return mcp.Output{}, err
	}
	text := out.String()
	if notes.Len() > 0 {
		text += notes.String()
	}
	return mcp.Output{Text: text}, nil
}

// runJSON calls fn, a command in its --json mode, and returns its output
// decoded as the tool's data: one JSON value, or a list of them when it
// prints one a line.
func (o mcpOps) runJSON(fn func(iv invocation) error) (mcp.Output, error) {
	var out bytes.Buffer
	err := fn(invocation{out: &out, errOut: io.Discard, server: o.server, key: o.key})
	if err != nil {
		return mcp.Output{}, err
	}
	data, err := decodeJSONValues(&out)
	if err != nil {
		return mcp.Output{}, err
	}
	return mcp.Output{Data: data}, nil
}

// decodeJSONValues decodes one JSON value, or a stream of them as a list.
func decodeJSONValues(r io.Reader) (any, error) {
	dec := json.NewDecoder(r)
	var values []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decode the command's JSON: %w", err)
		}
		values = append(values, v)
	}
	if len(values) == 1 {
		return values[0], nil
	}
	return values, nil
}

// source is a ledgerSource reading the node with the server's key.
func (o mcpOps) source() *ledgerSource {
	return &ledgerSource{server: o.server, key: o.key}
}

// ops wires every tool to its command's function.
func (o mcpOps) ops() mcp.Ops {
	return mcp.Ops{
		Deploy:       o.deploy,
		Activate:     o.activate,
		Rollback:     o.rollback,
		Pause:        o.lifecycle("pause", events.TypePaused),
		Resume:       o.lifecycle("resume", events.TypeResumed),
		Stop:         o.lifecycle("stop", events.TypeStopped),
		Start:        o.lifecycle("start", events.TypeStarted),
		Retire:       o.retire,
		Kill:         o.kill,
		Logs:         o.logs,
		Inspect:      o.inspect,
		List:         o.list,
		Ps:           o.ps,
		ImagePull:    o.imagePull,
		ImageList:    o.imageList,
		ImageInspect: o.imageInspect,
		Nodes:        o.nodes,
		NetworkCreate: func(ctx context.Context, in mcp.NetworkCreateInput) (mcp.Output, error) {
			return o.run(func(iv invocation) error { return networkCreate(ctx, iv, in.Name, in.Subnet) })
		},
		VolumeCreate: func(ctx context.Context, in mcp.VolumeCreateInput) (mcp.Output, error) {
			return o.run(func(iv invocation) error { return volumeCreate(ctx, iv, in.Name) })
		},
		Status:       o.status,
		LedgerLog:    o.ledgerLog,
		LedgerVerify: o.ledgerVerify,
		LedgerProve:  o.ledgerProve,
		StateAt:      o.stateAt,
		KeysList:     o.keysList,
		Explain:      o.explain,

		KeysAdd:        o.keysAdd,
		KeysRotate:     o.keysRotate,
		KeysRevoke:     o.keysRevoke,
		KeysGrant:      o.keysRole(events.TypeRoleGranted, "grant"),
		KeysRevokeRole: o.keysRole(events.TypeRoleRevoked, "revoke"),

		Record:     o.record,
		Functions:  o.functions,
		Checkpoint: o.checkpoint,
	}
}

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
	return out, err
}

func (o mcpOps) activate(ctx context.Context, in mcp.ActivateInput) (mcp.Output, error) {
	percent := in.Percent
	if percent == 0 {
		percent = 100
	}
	return o.run(func(iv invocation) error {
		return activate(ctx, iv, fmt.Sprintf("%s@v%d", in.Name, in.Version), percent, ledger.AppendOptions{}, waitFlags{})
	})
}

func (o mcpOps) rollback(ctx context.Context, in mcp.RollbackInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error {
		return rollback(ctx, iv, in.Name, in.To, ledger.AppendOptions{}, waitFlags{})
	})
}

func (o mcpOps) lifecycle(verb string, typ events.Type) mcp.Op[mcp.LifecycleInput] {
	return func(ctx context.Context, in mcp.LifecycleInput) (mcp.Output, error) {
		return o.run(func(iv invocation) error {
			return changeLifecycle(ctx, iv, verb, typ, in.Name, in.Reason, ledger.AppendOptions{}, waitFlags{}, func() error { return nil })
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
		return changeLifecycle(ctx, iv, "retire", events.TypeRetired, in.Name, in.Reason, ledger.AppendOptions{}, waitFlags{}, confirm)
	})
}

func (o mcpOps) kill(ctx context.Context, in mcp.KillInput) (mcp.Output, error) {
	signal := in.Signal
	if signal == "" {
		signal = "KILL"
	}
	return o.run(func(iv invocation) error { return kill(ctx, iv, in.Name, signal, mcpKillGather) })
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

func (o mcpOps) imagePull(ctx context.Context, in mcp.ImageInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error {
		rc, err := registryClient(io.Discard)
		if err != nil {
			return err
		}
		return storeAndRecord(ctx, iv, func(store *nodeStore) (*registry.Pulled, error) {
			return rc.Pull(ctx, in.Ref, store)
		})
	})
}

func (o mcpOps) imageList(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return imageList(ctx, iv, true) })
}

func (o mcpOps) imageInspect(ctx context.Context, in mcp.ImageInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return imageInspect(ctx, iv, in.Ref, true) })
}

func (o mcpOps) nodes(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error { return listNodes(ctx, iv, mcpNodesQuiet, mcpNodesWait, false) })
}

func (o mcpOps) status(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return status(ctx, iv, true) })
}

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
