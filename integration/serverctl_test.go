package integration

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helloVersion writes the function "hello" answering body on /hello.
func helloVersion(e *env, body string) string {
	return e.writeFunction("hello", map[string]string{
		"vault.yaml": "name: hello\nentry: index.js\nroutes: [/hello]\n",
		"index.js":   `export default { fetch() { return new Response("` + body + `"); } };` + "\n",
	})
}

// statusJSON is the part of `vault status --json` these tests read.
type statusJSON struct {
	PID       int               `json:"pid"`
	Server    string            `json:"server"`
	Head      uint64            `json:"head"`
	Applied   uint64            `json:"applied"`
	Functions map[string]string `json:"functions"`
	LockHeld  bool              `json:"lockHeld"`
}

func (e *env) status(server string) statusJSON {
	e.t.Helper()
	var st statusJSON
	out := e.mustVault(server, "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		e.t.Fatalf("vault status --json: %v\n%s", err, out)
	}
	return st
}

// TestServerStopStart pauses a node's edge with a signed control request,
// deploys and activates while it is paused, and resumes it: the paused port
// refuses connections, the ledger is applied meanwhile, and the new version
// answers at once after start.
func TestServerStopStart(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	e.mustVault(srv, "deploy", helloVersion(e, "v1"))
	e.mustVault(srv, "activate", "hello@v1")
	c := h2cClient()
	if r := get(t, c, "http://"+n.h2c+"/hello"); r.status != 200 || r.body != "v1" {
		t.Fatalf("before stop: %d %q", r.status, r.body)
	}
	if st := e.status(srv); st.Server != "serving" || !st.LockHeld || st.PID != n.cmd.Process.Pid {
		t.Fatalf("status before stop: %+v (node pid %d)", st, n.cmd.Process.Pid)
	}

	out := e.mustVault(srv, "server", "stop")
	if want := "paused: h2c " + n.h2c + " closed"; !strings.Contains(out, want) {
		t.Fatalf("server stop printed %q, want %q", out, want)
	}
	c.CloseIdleConnections()
	t.Run("ErrConnRefused", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", n.h2c, 5*time.Second)
		if err == nil {
			conn.Close()
			t.Fatalf("connected to the paused h2c port %s", n.h2c)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial the paused port: %v, want connection refused", err)
		}
	})
	if out := e.mustVault(srv, "server", "stop"); !strings.Contains(out, "already paused") {
		t.Errorf("second server stop printed %q, want already paused", out)
	}

	// The node keeps following the ledger while it takes no traffic.
	e.mustVault(srv, "deploy", helloVersion(e, "v2"))
	e.mustVault(srv, "activate", "hello@v2")
	st := e.status(srv)
	if st.Server != "paused" || st.Applied != st.Head || !strings.Contains(st.Functions["hello"], "v2") {
		t.Fatalf("status while paused, after activating v2: %+v", st)
	}
	if out, _, _ := e.vault(srv, "status"); !strings.Contains(out, "server    paused") {
		t.Errorf("vault status while paused:\n%s", out)
	}

	out = e.mustVault(srv, "server", "start")
	if want := "serving: h2c " + n.h2c; !strings.Contains(out, want) {
		t.Fatalf("server start printed %q, want %q", out, want)
	}
	if r := get(t, c, "http://"+n.h2c+"/hello"); r.status != 200 || r.body != "v2" {
		t.Fatalf("after start: %d %q, want 200 v2", r.status, r.body)
	}
	if st := e.status(srv); st.Server != "serving" {
		t.Fatalf("status after start: %+v", st)
	}
	n.stop()
}
