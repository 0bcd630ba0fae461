package mcp

import (
	"context"
	"errors"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// connect runs a server with cfg and returns a client session to it,
// over the SDK's in-memory transports.
func connect(t *testing.T, cfg Config) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	ct, st := sdk.NewInMemoryTransports()
	ss, err := New(cfg).Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// fakeOps has every op, each recording that it ran.
func fakeOps(ran *[]string) Ops {
	rec := func(name string) func() (Output, error) {
		return func() (Output, error) { *ran = append(*ran, name); return Output{Text: name + " done"}, nil }
	}
	var ops Ops
	ops.Deploy = func(context.Context, DeployInput) (Output, error) { return rec("deploy")() }
	ops.Activate = func(_ context.Context, in ActivateInput) (Output, error) {
		if in.Name == "refused" {
			return Output{}, errors.New("activate refused@v1: key k1 lacks the activate role")
		}
		return rec("activate")()
	}
	ops.Rollback = func(context.Context, RollbackInput) (Output, error) { return rec("rollback")() }
	ops.Pause = func(context.Context, LifecycleInput) (Output, error) { return rec("pause")() }
	ops.Resume = func(context.Context, LifecycleInput) (Output, error) { return rec("resume")() }
	ops.Retire = func(context.Context, RetireInput) (Output, error) { return rec("retire")() }
	ops.Stop = func(context.Context, LifecycleInput) (Output, error) { return rec("stop")() }
	ops.Start = func(context.Context, LifecycleInput) (Output, error) { return rec("start")() }
	ops.Kill = func(context.Context, KillInput) (Output, error) { return rec("kill")() }
	ops.NetworkCreate = func(context.Context, NetworkCreateInput) (Output, error) { return rec("network_create")() }
	ops.VolumeCreate = func(context.Context, VolumeCreateInput) (Output, error) { return rec("volume_create")() }
	ops.Ps = func(context.Context, PsInput) (Output, error) { return rec("ps")() }
	ops.Exec = func(context.Context, ExecInput) (Output, error) { return rec("exec")() }
	ops.Run = func(context.Context, RunInput) (Output, error) { return rec("run")() }
	ops.Logs = func(context.Context, LogsInput) (Output, error) { return rec("logs")() }
	ops.Inspect = func(context.Context, NameInput) (Output, error) { return rec("inspect")() }
	ops.List = func(context.Context, NoInput) (Output, error) { return Output{Data: map[string]any{"seq": 3}}, nil }
	ops.ImagePull = func(context.Context, ImageInput) (Output, error) { return rec("image_pull")() }
	ops.ImageList = func(context.Context, NoInput) (Output, error) { return rec("image_ls")() }
	ops.ImageInspect = func(context.Context, ImageInput) (Output, error) { return rec("image_inspect")() }
	ops.Nodes = func(context.Context, NoInput) (Output, error) { return rec("nodes")() }
	ops.Status = func(context.Context, NoInput) (Output, error) { return rec("status")() }
	ops.LedgerLog = func(context.Context, LedgerLogInput) (Output, error) { return rec("ledger_log")() }
	ops.LedgerVerify = func(context.Context, LedgerVerifyInput) (Output, error) { return rec("ledger_verify")() }
	ops.LedgerProve = func(context.Context, LedgerProveInput) (Output, error) { return rec("ledger_prove")() }
	ops.StateAt = func(context.Context, StateAtInput) (Output, error) { return rec("state_at")() }
	ops.KeysList = func(context.Context, KeysListInput) (Output, error) { return rec("keys_ls")() }
	ops.Explain = func(context.Context, ExplainInput) (Output, error) { return rec("explain")() }
	ops.KeysAdd = func(context.Context, KeysAddInput) (Output, error) { return rec("keys_add")() }
	ops.KeysRotate = func(context.Context, KeysRotateInput) (Output, error) { return rec("keys_rotate")() }
	ops.KeysRevoke = func(context.Context, KeysRevokeInput) (Output, error) { return rec("keys_revoke")() }
	ops.KeysGrant = func(context.Context, KeysRoleInput) (Output, error) { return rec("keys_grant")() }
	ops.KeysRevokeRole = func(context.Context, KeysRoleInput) (Output, error) { return rec("keys_revoke_role")() }
	return ops
}

func listTools(t *testing.T, cs *sdk.ClientSession) map[string]*sdk.Tool {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]*sdk.Tool{}
	for _, tl := range res.Tools {
		tools[tl.Name] = tl
	}
	return tools
}

func TestToolsListed(t *testing.T) {
	var ran []string
	tools := listTools(t, connect(t, Config{Ops: fakeOps(&ran)}))
	if len(tools) != len(tools0()) {
		t.Errorf("%d tools listed, want %d", len(tools), len(tools0()))
	}
	for _, name := range []string{"deploy", "activate", "retire", "ledger_verify", "explain"} {
		if tools[name] == nil {
			t.Errorf("no tool %s", name)
		}
	}
	if a := tools["retire"].Annotations; a.ReadOnlyHint || a.DestructiveHint == nil || !*a.DestructiveHint {
		t.Errorf("retire's annotations %+v: want destructive", a)
	}
	if a := tools["activate"].Annotations; a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint {
		t.Errorf("activate's annotations %+v: want changing, not destructive", a)
	}
	if a := tools["ls"].Annotations; !a.ReadOnlyHint || a.OpenWorldHint == nil || *a.OpenWorldHint {
		t.Errorf("ls's annotations %+v: want read-only, closed world", a)
	}
	if a := tools["image_pull"].Annotations; a.OpenWorldHint == nil || !*a.OpenWorldHint {
		t.Errorf("image_pull's annotations %+v: want open world (a registry)", a)
	}
}

// tools0 is the table without ops: every tool Vault names.
func tools0() []tool { return tools(fakeOps(new([]string))) }

func TestReadOnly(t *testing.T) {
	var ran []string
	tools := listTools(t, connect(t, Config{Ops: fakeOps(&ran), ReadOnly: true}))
	if len(tools) == 0 {
		t.Fatal("no tools listed")
	}
	for name, tl := range tools {
		if !tl.Annotations.ReadOnlyHint {
			t.Errorf("--read-only lists %s, which is not read-only", name)
		}
	}
	for _, name := range []string{"ls", "logs", "ledger_verify", "explain"} {
		if tools[name] == nil {
			t.Errorf("--read-only leaves out %s", name)
		}
	}
}

// TestNilOpLeftOut: a tool whose op is missing is not offered (how the
// container tools join later).
func TestNilOpLeftOut(t *testing.T) {
	var ran []string
	ops := fakeOps(&ran)
	ops.Deploy = nil
	if tools := listTools(t, connect(t, Config{Ops: ops})); tools["deploy"] != nil {
		t.Error("deploy listed without an op")
	}
}

func TestArguments(t *testing.T) {
	var ran []string
	cs := connect(t, Config{Ops: fakeOps(&ran)})
	for _, tc := range []struct {
		name string
		tool string
		args map[string]any
		ok   bool
		want string // in the error's text
	}{
		{"Valid", "activate", map[string]any{"name": "hello", "version": 1, "percent": 10}, true, ""},
		{"ErrUnknownField", "activate", map[string]any{"name": "hello", "version": 1, "force": true}, false, "force"},
		{"ErrWrongType", "activate", map[string]any{"name": "hello", "version": "one"}, false, "version"},
		{"ErrPercentOutOfRange", "activate", map[string]any{"name": "hello", "version": 1, "percent": 101}, false, "percent"},
		{"ErrPercentZero", "activate", map[string]any{"name": "hello", "version": 1, "percent": 0}, false, "percent"},
		{"ErrVersionZero", "activate", map[string]any{"name": "hello", "version": 0}, false, "version"},
		{"ErrMissingName", "pause", map[string]any{}, false, "name"},
		{"ErrEmptyName", "pause", map[string]any{"name": ""}, false, "name"},
		{"ErrLimitOutOfRange", "logs", map[string]any{"name": "hello", "limit": 5000}, false, "limit"},
		{"ErrUnknownFieldNoArgs", "status", map[string]any{"verbose": true}, false, "verbose"},
		{"ErrUnknownRole", "keys_add", map[string]any{"public_key": "k", "roles": []string{"root"}}, false, "roles"},
		{"ErrRefused", "activate", map[string]any{"name": "refused", "version": 1}, false, "lacks the activate role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran = nil
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tc.tool, Arguments: tc.args})
			if err != nil {
				t.Fatalf("CallTool: %v (want a tool result, not a protocol error)", err)
			}
			text := ""
			for _, c := range res.Content {
				if tc, ok := c.(*sdk.TextContent); ok {
					text += tc.Text
				}
			}
			if res.IsError == tc.ok {
				t.Fatalf("IsError %v, want %v: %s", res.IsError, !tc.ok, text)
			}
			if !tc.ok && !strings.Contains(text, tc.want) {
				t.Errorf("error %q does not mention %q", text, tc.want)
			}
			if !tc.ok && len(ran) > 0 {
				t.Errorf("refused arguments ran %v", ran)
			}
		})
	}
}

func TestStructuredOutput(t *testing.T) {
	var ran []string
	cs := connect(t, Config{Ops: fakeOps(&ran)})
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "ls", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("ls: %v %+v", err, res)
	}
	out, ok := res.StructuredContent.(map[string]any)
	if !ok {
		t.Fatalf("structured content %T", res.StructuredContent)
	}
	if data, _ := out["data"].(map[string]any); data["seq"] != float64(3) {
		t.Errorf("structured content %v: want data.seq 3", out)
	}
}
