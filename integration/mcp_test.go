package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/testenv"
)

// mcpInspector finds the MCP Inspector's CLI: $VAULT_MCP_INSPECTOR, else
// where `make mcp-inspector` installs it.
func mcpInspector(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("VAULT_MCP_INSPECTOR")
	if bin == "" {
		home, _ := os.UserHomeDir()
		bin = filepath.Join(home, ".cache", "vault-mcp", "node_modules", ".bin", "mcp-inspector")
	}
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "the MCP Inspector is not at %s: run `make mcp-inspector`, or set VAULT_MCP_INSPECTOR", bin)
	}
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Missing(t, "the MCP Inspector needs Node.js: %v", err)
	}
	return bin
}

// inspector runs one request of the MCP Inspector's CLI against `vault mcp
// MCPARGS`, as config's operator, and decodes its JSON answer.
func (e *env) inspector(t *testing.T, bin, srv, config string, mcpArgs []string, request ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append(append([]string{"--cli", vaultBin, "mcp"}, mcpArgs...), request...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = e.environ("VAULT_SERVER="+srv, "VAULT_CONFIG="+config)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("mcp-inspector %v: %v\nstdout: %s\nstderr: %s", request, err, out.String(), errb.String())
	}
	var answer map[string]any
	if err := json.Unmarshal(out.Bytes(), &answer); err != nil {
		t.Fatalf("mcp-inspector %v: not JSON: %v\n%s", request, err, out.String())
	}
	return answer
}

// inspectorCall is `--method tools/call` of tool with args (KEY=VALUE), its
// text content joined and whether it is a tool error.
func (e *env) inspectorCall(t *testing.T, bin, srv, config, tool string, args ...string) (string, bool) {
	t.Helper()
	request := []string{"--method", "tools/call", "--tool-name", tool}
	for _, a := range args {
		request = append(request, "--tool-arg", a)
	}
	answer := e.inspector(t, bin, srv, config, nil, request...)
	var text strings.Builder
	contents, _ := answer["content"].([]any)
	for _, c := range contents {
		if m, ok := c.(map[string]any); ok && m["type"] == "text" {
			text.WriteString(m["text"].(string))
		}
	}
	isError, _ := answer["isError"].(bool)
	return text.String(), isError
}

// TestMCPInspector drives `vault mcp` with a real MCP client nobody here
// wrote, the MCP Inspector's CLI, against a real node: it lists the tools,
// deploys and activates a function, reads its logs, verifies the ledger,
// has it explained and reads a record as a resource; a key with only the deploy role is refused an activation with
// the node's reason; --read-only lists no tool that changes anything.
func TestMCPInspector(t *testing.T) {
	bin := mcpInspector(t)
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()

	tools := func(mcpArgs ...string) map[string]bool {
		answer := e.inspector(t, bin, srv, e.config, mcpArgs, "--method", "tools/list")
		list, _ := answer["tools"].([]any)
		readOnly := map[string]bool{}
		for _, tl := range list {
			m := tl.(map[string]any)
			a, _ := m["annotations"].(map[string]any)
			ro, _ := a["readOnlyHint"].(bool)
			readOnly[m["name"].(string)] = ro
		}
		return readOnly
	}
	all := tools()
	for _, name := range []string{"deploy", "activate", "logs", "ledger_verify", "explain", "retire"} {
		if _, ok := all[name]; !ok {
			t.Errorf("tools/list has no %s: %v", name, all)
		}
	}
	readOnly := tools("--read-only")
	for name, ro := range readOnly {
		if !ro {
			t.Errorf("vault mcp --read-only lists %s, which is not read-only", name)
		}
	}
	if len(readOnly) == 0 || len(readOnly) >= len(all) {
		t.Errorf("--read-only lists %d tools of %d", len(readOnly), len(all))
	}

	text, isError := e.inspectorCall(t, bin, srv, e.config, "deploy", "dir="+chattyFunction(e))
	if isError || !strings.Contains(text, "chatty@v1 (seq") {
		t.Fatalf("deploy: %q (error %v)", text, isError)
	}
	text, isError = e.inspectorCall(t, bin, srv, e.config, "activate", "name=chatty", "version=1")
	if isError || !strings.Contains(text, "chatty: active v1") {
		t.Fatalf("activate: %q (error %v)", text, isError)
	}
	id := requestID(t, n, "/chatty/mcp", 200)
	if !eventually(15*time.Second, func() bool {
		text, isError = e.inspectorCall(t, bin, srv, e.config, "logs", "name=chatty", "since=0s")
		return !isError && strings.Contains(text, "request="+id) && strings.Contains(text, "hello /chatty/mcp")
	}) {
		t.Errorf("logs never showed request %s: %q (error %v)", id, text, isError)
	}
	text, isError = e.inspectorCall(t, bin, srv, e.config, "ledger_verify")
	if isError || !strings.Contains(text, `"records"`) {
		t.Errorf("ledger_verify: %q (error %v)", text, isError)
	}

	text, isError = e.inspectorCall(t, bin, srv, e.config, "explain", "from=1")
	if isError || !strings.Contains(text, "activated chatty@v1 for all requests") {
		t.Errorf("explain: %q (error %v)", text, isError)
	}
	record := e.inspector(t, bin, srv, e.config, nil, "--method", "resources/read", "--uri", "vault://ledger/1")
	if contents, _ := record["contents"].([]any); len(contents) != 1 || !strings.Contains(fmt.Sprint(contents[0]), "ledger.genesis") {
		t.Errorf("resources/read vault://ledger/1: %v", record)
	}

	// A key with only the deploy role: its activation reaches the node,
	// which refuses it.
	limited := filepath.Join(e.root, "config-limited")
	out, errs, code := e.vaultEnv(srv, []string{"VAULT_CONFIG=" + limited}, "keys", "id", "--key-work-factor", testKeyWorkFactor)
	if code != 0 {
		t.Fatalf("keys id: %s %s", out, errs)
	}
	fields := strings.Fields(out)
	e.mustVault(srv, "keys", "add", fields[1], "--role", "deploy")
	text, isError = e.inspectorCall(t, bin, srv, limited, "pause", "name=chatty")
	if !isError || !strings.Contains(text, "pause chatty: key "+fields[0]+" has no activate role") {
		t.Errorf("pause with a deploy key: %q (error %v), want the node's refusal", text, isError)
	}
	if st := e.mustVault(srv, "inspect", "chatty"); !strings.Contains(st, "chatty: active v1") {
		t.Errorf("after the refused pause:\n%s", st)
	}
}
