package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// chattyFunction logs on every request: console.log and console.error
// name the path; /chatty/throw throws, /chatty/big logs 100 KB.
func chattyFunction(e *env) string {
	return e.writeFunction("chatty", map[string]string{
		"vault.yaml": "name: chatty\nentry: index.js\nroutes: [/chatty/*]\n",
		"index.js": `export default { fetch(req) {
  const path = req.url.replace(/^[a-z]+:\/\/[^/]+/, "");
  if (path === "/chatty/throw") { throw new Error("boom from chatty"); }
  if (path === "/chatty/big") { console.log("x".repeat(100000)); return new Response("big"); }
  console.log("hello " + path);
  console.error("trouble " + path);
  return new Response("ok");
} };
`,
	})
}

// requestID makes one request to the node and returns its X-Request-Id.
func requestID(t *testing.T, n *node, path string, status int) string {
	t.Helper()
	r := get(t, h2cClient(), "http://"+n.h2c+path)
	if r.status != status || r.header.Get("X-Request-Id") == "" {
		t.Fatalf("GET %s: %d (want %d), request id %q, %q", path, r.status, status, r.header.Get("X-Request-Id"), r.body)
	}
	return r.header.Get("X-Request-Id")
}

// waitLogs runs `vault logs ARGS` until its output has every string of
// want, and returns that output.
func (e *env) waitLogs(t *testing.T, srv string, want []string, args ...string) string {
	t.Helper()
	var out, missing string
	shown := eventually(15*time.Second, func() bool {
		out = e.mustVault(srv, append([]string{"logs"}, args...)...)
		for _, missing = range want {
			if !strings.Contains(out, missing) {
				return false
			}
		}
		return true
	})
	if !shown {
		t.Fatalf("vault logs %v never showed %q:\n%s", args, missing, out)
	}
	return out
}

// logLine is the one line of out that names request id and contains text.
func logLine(t *testing.T, out, id, text string) string {
	t.Helper()
	for line := range strings.Lines(out) {
		if strings.Contains(line, "request="+id+" ") && strings.Contains(line, text) {
			return strings.TrimSuffix(line, "\n")
		}
	}
	t.Fatalf("no line for request %s with %q in:\n%s", id, text, out)
	return ""
}

// logFollower is a running `vault logs -f` whose stdout the test reads.
type logFollower struct {
	cmd   *exec.Cmd
	lines chan string
}

func (e *env) followLogs(t *testing.T, srv string, args ...string) *logFollower {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, vaultBin, append([]string{"logs", "-f"}, args...)...)
	cmd.Env = e.environ("VAULT_SERVER=" + srv)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &logFollower{cmd: cmd, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			f.lines <- sc.Text()
		}
		close(f.lines)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("vault logs -f stderr:\n%s", stderr)
		}
	})
	return f
}

// waitLine reads lines until one contains every string of want.
func (f *logFollower) waitLine(t *testing.T, want ...string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-f.lines:
			if !ok {
				t.Fatalf("vault logs -f ended before printing %q", want)
			}
			if logContainsAll(line, want) {
				return line
			}
		case <-timeout:
			t.Fatalf("vault logs -f did not print %q within 20s", want)
		}
	}
}

func logContainsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// TestLogs: console output and runtime errors reach `vault logs` with the
// request IDs clients got, their levels, the node and the version; -f
// prints lines logged after it started; --since leaves older lines out;
// a huge line is capped; a retired function's logs stay readable.
func TestLogs(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	e.mustVault(srv, "deploy", chattyFunction(e))
	e.mustVault(srv, "activate", "chatty@v1")

	_, errs, code := e.vault(srv, "logs", "nosuch")
	if code == 0 || !strings.Contains(errs, `logs nosuch: no function "nosuch" is deployed`) {
		t.Errorf("logs of an unknown function: exit %d, %q", code, errs)
	}

	// Nothing logged yet: it says so, on stderr.
	if out, errs, code := e.vault(srv, "logs", "chatty"); code != 0 || out != "" || !strings.Contains(errs, "no log lines of chatty in the last 10m0s") {
		t.Errorf("logs before any request: exit %d, %q, %q", code, out, errs)
	}

	one := requestID(t, n, "/chatty/one", 200)

	// -f: once it printed the backlog it is live; a new line must follow.
	f := e.followLogs(t, srv, "chatty")
	f.waitLine(t, "request="+one, "hello /chatty/one")
	two := requestID(t, n, "/chatty/two", 200)
	line := f.waitLine(t, "request="+two, "hello /chatty/two")
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\S* info  \[[0-9a-f]{8}\] request=` + two + ` v1: hello /chatty/two$`).MatchString(line) {
		t.Errorf("vault logs -f printed %q", line)
	}
	f.cmd.Process.Kill()

	threw := requestID(t, n, "/chatty/throw", 500)
	big := requestID(t, n, "/chatty/big", 200)
	out := e.waitLogs(t, srv, []string{"request=" + threw, "request=" + big}, "chatty")
	for _, id := range []string{one, two} {
		logLine(t, out, id, "info  ")
		if l := logLine(t, out, id, "trouble"); !strings.Contains(l, " error [") || !strings.Contains(l, " v1: trouble /chatty/") {
			t.Errorf("console.error line: %q", l)
		}
	}
	if l := logLine(t, out, threw, "boom from chatty"); !strings.Contains(l, " error [") || !strings.Contains(l, " v1 runtime: ") {
		t.Errorf("runtime error line: %q", l)
	}
	if l := logLine(t, out, big, "xxxx"); len(l) > 17<<10 || !strings.HasSuffix(l, "…(truncated)") {
		t.Errorf("a 100 KB console.log printed %d bytes, ending %q; want it capped at 16 KiB", len(l), l[max(0, len(l)-40):])
	}

	// --json: one object per line with every field.
	js := e.mustVault(srv, "logs", "chatty", "--json")
	var sawRuntime bool
	for line := range strings.Lines(js) {
		var entry struct {
			Fn, Request, Level, Source, Msg, Node string
			Version                               int
			Time                                  time.Time
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("--json line %q: %v", line, err)
		}
		if entry.Fn != "chatty" || entry.Version != 1 || entry.Request == "" || entry.Level == "" ||
			entry.Node == "" || entry.Time.IsZero() || (entry.Source != "console" && entry.Source != "runtime") {
			t.Errorf("--json entry %+v", entry)
		}
		sawRuntime = sawRuntime || (entry.Source == "runtime" && entry.Request == threw && entry.Level == "error")
	}
	if !sawRuntime {
		t.Errorf("--json lacks the runtime error of %s:\n%s", threw, js)
	}

	// --since: lines older than it are left out.
	old := time.Now()
	time.Sleep(2 * time.Second)
	late := requestID(t, n, "/chatty/late", 200)
	e.waitLogs(t, srv, []string{"request=" + late}, "chatty")
	since := (time.Since(old) - time.Second).Round(time.Millisecond)
	out = e.mustVault(srv, "logs", "chatty", "--since", since.String())
	if !strings.Contains(out, "request="+late) || strings.Contains(out, "request="+one) || strings.Contains(out, "request="+big) {
		t.Errorf("logs --since %v, want only %s's lines:\n%s", since, late, out)
	}
	if _, errs, code := e.vault(srv, "logs", "chatty", "--since", "-1m"); code == 0 || !strings.Contains(errs, "--since") {
		t.Errorf("--since -1m: exit %d, %q", code, errs)
	}

	// A retired function's logs stay readable.
	e.mustVault(srv, "retire", "chatty", "--yes")
	out = e.mustVault(srv, "logs", "chatty", "--since", "0")
	if !strings.Contains(out, "request="+one) || !strings.Contains(out, "request="+late) {
		t.Errorf("logs of the retired function:\n%s", out)
	}
}

// TestLogsKeyring: with keyring authentication a trusted key reads the
// logs, but only the node may publish to their subjects.
func TestLogsKeyring(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{args: []string{"--nats-auth", "keyring"}})
	srv := n.server()
	e.mustVault(srv, "deploy", chattyFunction(e))
	e.mustVault(srv, "activate", "chatty@v1")
	id := requestID(t, n, "/chatty/one", 200)
	e.waitLogs(t, srv, []string{"request=" + id, "hello /chatty/one"}, "chatty")

	dave, _ := events.GenerateSigner()
	e.mustVault(srv, "keys", "add", publicKeyArg(dave), "--role", "deploy")
	nc, err := nats.Connect(srv, nkeyOpt(t, dave), nats.MaxReconnects(0),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})) // the expected permission errors
	if err != nil {
		t.Fatalf("a trusted key could not connect: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	forged := fmt.Sprintf(`{"fn":"chatty","version":1,"request":"forged","level":"info","source":"console","time":%q,"msg":"forged line","node":"x"}`,
		time.Now().Format(time.RFC3339Nano))
	if _, err := js.Publish(ctx, "vault.logs.chatty", []byte(forged)); err == nil {
		t.Error("a client published to a function's log subject")
	}
	nc.Publish("vault.logs.chatty", []byte(forged))
	nc.Flush()
	second := requestID(t, n, "/chatty/two", 200)
	if out := e.waitLogs(t, srv, []string{"request=" + second}, "chatty"); strings.Contains(out, "forged") {
		t.Errorf("a client's line reached the logs:\n%s", out)
	}
}
