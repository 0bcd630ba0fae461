package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/vault-runtime/vault/events"
)

// mcpSession connects an SDK client, over in-memory transports, to an MCP
// server for node n whose tools sign with key.
func mcpSession(t *testing.T, n *testNode, key *events.Signer, readOnly bool) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	ops := mcpOps{server: "nats://" + n.nats, key: func() (*events.Signer, error) { return key, nil }, proposals: filepath.Join(t.TempDir(), "proposals")}
	s := newMCPServer(ops, readOnly)
	ct, st := sdk.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st, nil)
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

// callResult is a tool call's outcome, its text content joined.
type callResult struct {
	text    string
	isError bool
	data    any
}

func callTool(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) callResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: %v (want a tool result, not a protocol error)", tool, args, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	r := callResult{text: text.String(), isError: res.IsError}
	if m, ok := res.StructuredContent.(map[string]any); ok {
		r.data = m["data"]
	}
	return r
}

// mustSucceed calls tool, which must succeed and say want.
func mustSucceed(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any, want string) callResult {
	t.Helper()
	r := callTool(t, cs, tool, args)
	if r.isError {
		t.Fatalf("%s %v: tool error: %s", tool, args, r.text)
	}
	if !strings.Contains(r.text, want) {
		t.Errorf("%s %v says %q, want it to say %q", tool, args, r.text, want)
	}
	return r
}

// mustFail calls tool, which must return a tool error saying want.
func mustFail(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any, want string) {
	t.Helper()
	r := callTool(t, cs, tool, args)
	if !r.isError {
		t.Fatalf("%s %v succeeded (%s), want a tool error", tool, args, r.text)
	}
	if os.Getenv("MCPDEBUG") != "" {
		t.Logf("%s %v: %s", tool, args, r.text)
	}
	if !strings.Contains(r.text, want) {
		t.Errorf("%s %v: error %q, want it to say %q", tool, args, r.text, want)
	}
}

// writeLoggingFunction writes a function that logs every request it
// answers.
func writeLoggingFunction(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := fmt.Sprintf("name: %s\nentry: index.js\nroutes:\n  - /%s/*\n", name, name)
	code := `export default { fetch(request) { console.log("mcp-test saw " + new URL(request.url).pathname); return new Response("ok\n"); } };` + "\n"
	for file, text := range map[string]string{"vault.yaml": manifest, "index.js": code} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// get requests path of the node over h2c.
func (n *testNode) get(t *testing.T, path string) {
	t.Helper()
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: &p}, Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + n.h2c + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
}

// TestMCPTools drives every tool through an SDK client against a real
// node: what succeeds with the operator (admin) key, what the gate
// refuses, and arguments the schemas refuse.
func TestMCPTools(t *testing.T) {
	n := startTestNode(t)
	admin, err := loadOperatorKey()
	if err != nil {
		t.Fatal(err)
	}
	deployOnly := n.addKey(t, "deploy")
	cs := mcpSession(t, n, admin, false)
	limited := mcpSession(t, n, deployOnly, false)
	dir := writeLoggingFunction(t, "echo")

	t.Run("deploy", func(t *testing.T) {
		mustSucceed(t, limited, "deploy", map[string]any{"dir": dir}, "echo@v1 (seq")
		mustFail(t, cs, "deploy", map[string]any{"dir": filepath.Join(dir, "missing")}, "missing")
		mustFail(t, cs, "deploy", map[string]any{"dir": dir, "force": true}, "force")
		mustFail(t, cs, "deploy", map[string]any{"dir": 7}, "dir")
		mustFail(t, cs, "deploy", map[string]any{"dir": dir, "propose": "yes"}, "propose")
	})
	t.Run("deploy propose", func(t *testing.T) {
		other := writeLoggingFunction(t, "proposed")
		r := mustSucceed(t, cs, "deploy", map[string]any{"dir": other, "propose": true}, `wrote unsigned proposal "deploy proposed" to `)
		if !strings.Contains(r.text, "needs 1 admin signature(s) in all, has 1: 0 missing") {
			t.Errorf("the proposal's signatures: %s", r.text)
		}
		path := strings.Fields(r.text[strings.Index(r.text, " to ")+len(" to "):])[0]
		if _, err := readProposal(path); err != nil {
			t.Errorf("the proposal it wrote: %v", err)
		}
		mustSucceed(t, cs, "ls", map[string]any{}, "echo")
		if r := mustSucceed(t, cs, "ls", map[string]any{}, ""); strings.Contains(r.text, "proposed") {
			t.Errorf("a proposed deploy was appended:\n%s", r.text)
		}
	})
	t.Run("activate", func(t *testing.T) {
		mustFail(t, limited, "activate", map[string]any{"name": "echo", "version": 1}, "activate echo@v1: key "+deployOnly.ID+" has no activate role")
		mustFail(t, cs, "activate", map[string]any{"name": "echo", "version": 2}, "echo has versions v1..v1")
		mustFail(t, cs, "activate", map[string]any{"name": "echo", "version": 1, "percent": 150}, "percent")
		mustFail(t, cs, "activate", map[string]any{"name": "echo", "version": "v1"}, "version")
		mustSucceed(t, cs, "activate", map[string]any{"name": "echo", "version": 1}, "echo: active v1")
	})
	t.Run("logs", func(t *testing.T) {
		n.get(t, "/echo/first")
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := mustSucceed(t, cs, "logs", map[string]any{"name": "echo", "since": "0", "limit": 10}, "")
			if strings.Contains(r.text, "mcp-test saw /echo/first") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the request's log line never came: %s", r.text)
			}
			time.Sleep(50 * time.Millisecond) // polling for the node's asynchronous log publishing
		}
		mustFail(t, cs, "logs", map[string]any{"name": "nosuch"}, `no function "nosuch"`)
		mustFail(t, cs, "logs", map[string]any{"name": "echo", "since": "yesterday"}, "since")
		mustFail(t, cs, "logs", map[string]any{"name": "echo", "limit": 0}, "limit")
	})
	t.Run("pause", func(t *testing.T) {
		mustFail(t, limited, "pause", map[string]any{"name": "echo"}, "pause echo: key "+deployOnly.ID+" has no activate role")
		mustFail(t, cs, "pause", map[string]any{"name": "echo", "reason": 3}, "reason")
		mustSucceed(t, cs, "pause", map[string]any{"name": "echo", "reason": "mcp test"}, "echo: paused")
	})
	t.Run("resume", func(t *testing.T) {
		mustFail(t, limited, "resume", map[string]any{"name": "echo"}, "resume echo: key "+deployOnly.ID+" has no activate role")
		mustFail(t, cs, "resume", map[string]any{}, "name")
		mustSucceed(t, cs, "resume", map[string]any{"name": "echo"}, "echo: active v1")
		mustFail(t, cs, "resume", map[string]any{"name": "echo"}, "only a paused function can be resumed")
	})
	t.Run("stop", func(t *testing.T) {
		mustFail(t, limited, "stop", map[string]any{"name": "echo"}, "stop echo: key "+deployOnly.ID+" has no activate role")
		mustFail(t, cs, "stop", map[string]any{"name": "echo", "grace": 3}, "grace")
		mustSucceed(t, cs, "stop", map[string]any{"name": "echo"}, "echo: stopped")
	})
	t.Run("start", func(t *testing.T) {
		mustFail(t, limited, "start", map[string]any{"name": "echo"}, "start echo: key "+deployOnly.ID+" has no activate role")
		mustFail(t, cs, "start", map[string]any{"name": 1}, "name")
		mustSucceed(t, cs, "start", map[string]any{"name": "echo"}, "echo: active v1")
		mustFail(t, cs, "start", map[string]any{"name": "echo"}, "start echo")
	})
	t.Run("ps", func(t *testing.T) {
		mustSucceed(t, limited, "ps", map[string]any{"all": true}, "NODE")
		mustFail(t, cs, "ps", map[string]any{"all": "yes"}, "all")
	})
	// exec and run succeed in integration's container tests (the same
	// functions as vault exec and vault run, with real runc); here, the
	// gate's refusals and the schemas'.
	t.Run("exec", func(t *testing.T) {
		mustFail(t, limited, "exec", map[string]any{"name": "echo", "command": []string{"ls"}}, "has no admin role")
		mustFail(t, cs, "exec", map[string]any{"name": "echo", "command": []string{"ls"}}, "a JavaScript function, not a container")
		mustFail(t, cs, "exec", map[string]any{"name": "echo", "command": []string{}}, "command")
		mustFail(t, cs, "exec", map[string]any{"name": "echo"}, "command")
		mustFail(t, cs, "exec", map[string]any{"name": "echo", "command": []string{"ls"}, "timeoutSeconds": 0}, "timeoutSeconds")
	})
	t.Run("run", func(t *testing.T) {
		mustFail(t, cs, "run", map[string]any{"name": "web", "image": "vault.test/absent:1", "port": 8080, "routes": []string{"/web/*"}}, "vault.test/absent")
		mustFail(t, cs, "run", map[string]any{"name": "web", "image": "x:1", "port": 0, "routes": []string{"/web/*"}}, "port")
		mustFail(t, cs, "run", map[string]any{"name": "web", "image": "x:1", "port": 80, "routes": []string{}}, "routes")
	})
	t.Run("rollback", func(t *testing.T) {
		mustFail(t, cs, "rollback", map[string]any{"name": "echo"}, "no earlier active version")
		mustFail(t, cs, "rollback", map[string]any{"name": "echo", "to": 0}, "to")
		os.WriteFile(filepath.Join(dir, "index.js"), []byte(`export default { fetch() { return new Response("v2\n"); } };`+"\n"), 0o644)
		mustSucceed(t, cs, "deploy", map[string]any{"dir": dir}, "echo@v2")
		mustSucceed(t, cs, "activate", map[string]any{"name": "echo", "version": 2, "percent": 20}, "v2 20%")
		mustSucceed(t, cs, "activate", map[string]any{"name": "echo", "version": 2}, "active v2")
		mustFail(t, limited, "rollback", map[string]any{"name": "echo"}, "has no activate role")
		mustSucceed(t, cs, "rollback", map[string]any{"name": "echo"}, "active v1")
	})
	t.Run("kill", func(t *testing.T) {
		mustFail(t, limited, "kill", map[string]any{"name": "echo"}, "holds none of the roles [admin activate]")
		mustFail(t, cs, "kill", map[string]any{"name": "echo", "all": true}, "all")
		mustFail(t, cs, "kill", map[string]any{"name": "echo", "signal": "BOGUS"}, `--signal "BOGUS"`)
		mustSucceed(t, cs, "kill", map[string]any{"name": "echo"}, "aborted 0 invocation(s) of echo")
	})
	t.Run("inspect", func(t *testing.T) {
		r := mustSucceed(t, cs, "inspect", map[string]any{"name": "echo"}, "VERSIONS")
		if r.data == nil {
			t.Error("inspect returned no structured data")
		}
		mustFail(t, cs, "inspect", map[string]any{"name": "nosuch"}, `no function "nosuch"`)
		mustFail(t, cs, "inspect", map[string]any{"name": []string{"echo"}}, "name")
	})
	t.Run("ls", func(t *testing.T) {
		mustSucceed(t, limited, "ls", map[string]any{}, "echo")
		mustFail(t, cs, "ls", map[string]any{"json": true}, "json")
	})
	t.Run("image_ls", func(t *testing.T) {
		mustSucceed(t, cs, "image_ls", map[string]any{}, "{}")
		mustFail(t, cs, "image_ls", map[string]any{"all": 1}, "all")
	})
	t.Run("image_inspect", func(t *testing.T) {
		mustFail(t, cs, "image_inspect", map[string]any{"ref": "example.com/nosuch:1"}, "nosuch")
		mustFail(t, cs, "image_inspect", map[string]any{}, "ref")
	})
	t.Run("image_pull", func(t *testing.T) {
		mustFail(t, cs, "image_pull", map[string]any{"ref": "127.0.0.1:1/nosuch:1"}, "nosuch")
		mustFail(t, cs, "image_pull", map[string]any{"ref": ""}, "ref")
	})
	t.Run("network_create", func(t *testing.T) {
		mustFail(t, limited, "network_create", map[string]any{"name": "backend"}, "create network backend: key "+deployOnly.ID+" has no admin role")
		mustFail(t, cs, "network_create", map[string]any{"name": "Bad Name"}, "create network Bad Name")
		mustFail(t, cs, "network_create", map[string]any{"name": "backend", "subnet": 24}, "subnet")
		mustSucceed(t, cs, "network_create", map[string]any{"name": "backend", "subnet": "10.89.3.0/24"}, "network backend created at seq")
		mustFail(t, cs, "network_create", map[string]any{"name": "backend"}, "it exists")
	})
	t.Run("volume_create", func(t *testing.T) {
		mustFail(t, limited, "volume_create", map[string]any{"name": "pgdata"}, "create volume pgdata: key "+deployOnly.ID+" has no admin role")
		mustFail(t, cs, "volume_create", map[string]any{"name": "pgdata", "size": "1G"}, "size")
		mustSucceed(t, cs, "volume_create", map[string]any{"name": "pgdata"}, "volume pgdata created at seq")
		mustFail(t, cs, "volume_create", map[string]any{"name": "pgdata"}, "it exists")
	})
	t.Run("status", func(t *testing.T) {
		mustSucceed(t, cs, "status", map[string]any{}, "echo")
		mustFail(t, cs, "status", map[string]any{"node": "x"}, "node")
	})
	t.Run("nodes", func(t *testing.T) {
		mustSucceed(t, cs, "nodes", map[string]any{}, " hub ") // its verdict may lag the last append
		mustFail(t, cs, "nodes", map[string]any{"quiet": "1s"}, "quiet")
	})
	t.Run("ledger_log", func(t *testing.T) {
		r := mustSucceed(t, cs, "ledger_log", map[string]any{"from": 1, "limit": 3}, "ledger.genesis")
		if rows, _ := r.data.([]any); len(rows) != 3 {
			t.Errorf("ledger_log limit 3 returned %d rows: %v", len(rows), r.data)
		}
		mustFail(t, cs, "ledger_log", map[string]any{"limit": 5000}, "limit")
		mustFail(t, cs, "ledger_log", map[string]any{"from": -1}, "from")
	})
	t.Run("ledger_verify", func(t *testing.T) {
		mustSucceed(t, cs, "ledger_verify", map[string]any{}, `"records"`)
		mustFail(t, cs, "ledger_verify", map[string]any{"ledger": "0000"}, "FAILED")
		mustFail(t, cs, "ledger_verify", map[string]any{"ledger": 1}, "ledger")
	})
	t.Run("ledger_prove", func(t *testing.T) {
		mustSucceed(t, cs, "ledger_prove", map[string]any{"seq": 2}, "checkpoint")
		mustFail(t, cs, "ledger_prove", map[string]any{"seq": 2, "old": 1}, "give seq")
		mustFail(t, cs, "ledger_prove", map[string]any{"seq": 0}, "seq")
	})
	t.Run("state_at", func(t *testing.T) {
		mustSucceed(t, cs, "state_at", map[string]any{}, "echo")
		r := mustSucceed(t, cs, "state_at", map[string]any{"seq": 1}, "ledger")
		if strings.Contains(r.text, "echo") {
			t.Errorf("state at seq 1 has echo: %s", r.text)
		}
		mustFail(t, cs, "state_at", map[string]any{"seq": "latest"}, "seq")
	})
	t.Run("keys_ls", func(t *testing.T) {
		mustSucceed(t, cs, "keys_ls", map[string]any{}, deployOnly.ID)
		mustFail(t, cs, "keys_ls", map[string]any{"at": 1.5}, "at")
	})
	t.Run("explain", func(t *testing.T) {
		r := mustSucceed(t, cs, "explain", map[string]any{"from": 1}, "created the ledger")
		for _, want := range []string{"key " + deployOnly.ID + " deployed a new version of echo", "activated echo@v2 for 20% of requests", "paused echo (reason: mcp test)", "stopped echo", "started echo", "rolled echo back to v1"} {
			if !strings.Contains(r.text, want) {
				t.Errorf("explain does not say %q:\n%s", want, r.text)
			}
		}
		mustFail(t, cs, "explain", map[string]any{"from": 5, "to": 2}, "from <= to")
		mustFail(t, cs, "explain", map[string]any{"from": 0}, "from")
	})
	t.Run("retire", func(t *testing.T) {
		mustFail(t, cs, "retire", map[string]any{"name": "echo", "confirm": "ehco"}, "not confirmed")
		mustFail(t, limited, "retire", map[string]any{"name": "echo", "confirm": "echo"}, "retire echo: key "+deployOnly.ID+" has no activate role")
		mustFail(t, cs, "retire", map[string]any{"name": "echo"}, "confirm")
		mustSucceed(t, cs, "retire", map[string]any{"name": "echo", "confirm": "echo"}, "retired")
	})
}

// TestMCPResources reads the record template, the functions and the
// latest checkpoint.
func TestMCPResources(t *testing.T) {
	n := startTestNode(t)
	admin, err := loadOperatorKey()
	if err != nil {
		t.Fatal(err)
	}
	cs := mcpSession(t, n, admin, true)
	// A proof makes the node sign a checkpoint of the ledger now.
	mustRun(t, "ledger", "prove", "1", "--server", "nats://"+n.nats)
	ctx := context.Background()
	read := func(uri string) (string, error) {
		res, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: uri})
		if err != nil {
			return "", err
		}
		return res.Contents[0].Text, nil
	}
	for uri, want := range map[string]string{
		"vault://ledger/1":          `"ledger.genesis"`,
		"vault://functions":         `"functions"`,
		"vault://checkpoint/latest": "\n— ",
	} {
		text, err := read(uri)
		if err != nil {
			t.Errorf("read %s: %v", uri, err)
		} else if !strings.Contains(text, want) {
			t.Errorf("%s: %q does not contain %q", uri, text, want)
		}
	}
	if _, err := read("vault://ledger/999"); err == nil || !strings.Contains(err.Error(), "no record at seq 999") {
		t.Errorf("read vault://ledger/999: %v, want no record", err)
	}
	if _, err := read("vault://ledger/x"); err == nil {
		t.Error("read vault://ledger/x succeeded")
	}
}

// TestMCPReadOnly: --read-only lists no tool that changes anything, and a
// call to a mutating one fails.
func TestMCPReadOnly(t *testing.T) {
	n := startTestNode(t)
	admin, err := loadOperatorKey()
	if err != nil {
		t.Fatal(err)
	}
	cs := mcpSession(t, n, admin, true)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tl := range res.Tools {
		names[tl.Name] = true
		if tl.Annotations == nil || !tl.Annotations.ReadOnlyHint {
			t.Errorf("--read-only lists %s, which changes state", tl.Name)
		}
	}
	for _, name := range []string{"ls", "ledger_verify", "explain", "logs"} {
		if !names[name] {
			t.Errorf("--read-only does not list %s", name)
		}
	}
	if _, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "pause", Arguments: map[string]any{"name": "hello"}}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Errorf("pause on a read-only server: %v, want unknown tool", err)
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:7070": true, "[::1]:7070": true, "localhost:7070": true,
		"0.0.0.0:7070": false, "10.0.0.5:7070": false, ":7070": false, "example.com:80": false, "7070": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", addr, err, ok)
		}
	}
}

// TestMCPKeyChanges: a key change the server's admin key can make alone
// is appended; one that needs another admin is written as a proposal
// signed by it, with the number of signatures missing, and not appended;
// a key without the admin role is refused.
func TestMCPKeyChanges(t *testing.T) {
	n := startTestNode(t)
	admin, err := loadOperatorKey()
	if err != nil {
		t.Fatal(err)
	}
	deployOnly := n.addKey(t, "deploy")
	cs := mcpSession(t, n, admin, false)
	limited := mcpSession(t, n, deployOnly, false)
	carol, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	carolKey := base64.StdEncoding.EncodeToString(carol.Public())

	mustFail(t, limited, "keys_add", map[string]any{"public_key": carolKey, "roles": []string{"activate"}}, "has no admin role")
	mustFail(t, cs, "keys_add", map[string]any{"public_key": carolKey, "roles": []string{"root"}}, "roles")
	mustFail(t, cs, "keys_add", map[string]any{"public_key": carolKey, "roles": []string{}}, "roles")
	mustFail(t, cs, "keys_add", map[string]any{"public_key": "not base64", "roles": []string{"deploy"}}, "want 32 bytes in base64")
	mustSucceed(t, cs, "keys_add", map[string]any{"public_key": carolKey, "roles": []string{"activate"}}, "add key "+carol.ID+" with roles [activate] (seq")

	mustFail(t, cs, "keys_grant", map[string]any{"key_id": carol.ID, "role": "god"}, "role")
	mustSucceed(t, cs, "keys_grant", map[string]any{"key_id": carol.ID, "role": "deploy"}, "grant role deploy of key "+carol.ID+" (seq")
	mustSucceed(t, cs, "keys_revoke_role", map[string]any{"key_id": carol.ID, "role": "deploy"}, "revoke role deploy of key "+carol.ID+" (seq")

	// Carol becomes an admin with a threshold of 2: the new admin set must
	// sign too, so the server's signature alone makes a proposal.
	r := mustSucceed(t, cs, "keys_grant", map[string]any{"key_id": carol.ID, "role": "admin", "threshold": 2}, "not appended yet")
	if !strings.Contains(r.text, "by 1 more admin(s)") {
		t.Errorf("keys_grant does not say one signature is missing: %s", r.text)
	}
	path := strings.Fields(r.text[strings.Index(r.text, "next: 'vault sign ")+len("next: 'vault sign "):])[0]
	p, err := readProposal(strings.TrimSuffix(path, "'"))
	if err != nil {
		t.Fatalf("the proposal it names: %v", err)
	}
	if len(p.Envelope.Signatures) != 1 || p.Envelope.Signatures[0].KeyID != admin.ID {
		t.Errorf("the proposal's signatures: %+v, want the server key's alone", p.Envelope.Signatures)
	}
	keys := mustSucceed(t, cs, "keys_ls", map[string]any{}, "admin threshold 1 ")
	for _, line := range strings.Split(keys.text, "\n") {
		if strings.HasPrefix(line, carol.ID) && strings.Contains(line, "admin") {
			t.Errorf("carol is an admin before the proposal was submitted: %s", line)
		}
	}

	mustFail(t, limited, "keys_revoke", map[string]any{"key_id": carol.ID}, "has no admin role")
	mustFail(t, cs, "keys_revoke", map[string]any{"key_id": carol.ID, "reason": true}, "reason")
	mustSucceed(t, cs, "keys_revoke", map[string]any{"key_id": carol.ID, "reason": "left"}, "revoke key "+carol.ID+" (seq")
	dave, _ := events.GenerateSigner()
	mustFail(t, cs, "keys_rotate", map[string]any{"key_id": carol.ID, "new_public_key": base64.StdEncoding.EncodeToString(dave.Public())}, "revoked")
	mustFail(t, cs, "keys_rotate", map[string]any{"key_id": carol.ID}, "new_public_key")
}
