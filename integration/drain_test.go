package integration

import (
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDrainsInFlightRequests starts a request that takes 1.5 s,
// sends SIGTERM once the function has logged that it runs, and expects the
// full answer, a node log that says it stopped before the request ended,
// and a clean exit.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	fn := e.writeFunction("slow", map[string]string{
		"vault.yaml": "name: slow\nentry: index.js\nroutes: [/slow]\nlimits:\n  wall_ms: 5000\n  cpu_ms: 5000\n",
		"index.js": `export default { fetch() {
  console.log("slow request started");
  const end = Date.now() + 1500;
  while (Date.now() < end) {}
  console.log("slow request finishing");
  return new Response("finished");
} };
`,
	})
	e.mustVault(n.server(), "deploy", fn)
	e.mustVault(n.server(), "activate", "slow@v1")

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := h2cClient().Get("http://" + n.h2c + "/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(body), err}
	}()
	n.waitLog(t, "slow request started") // the request is running in the isolate
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v; want 200 finished", r.status, r.body, r.err)
	}
	select {
	case <-n.exited:
		if n.exitErr != nil {
			t.Fatalf("exit: %v\n%s", n.exitErr, n.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("node did not exit after draining")
	}
	// The request was in flight when the node began to stop: it drained.
	log := n.stderr.String()
	stopping, finishing := strings.Index(log, "stopping: draining in-flight requests"), strings.Index(log, "slow request finishing")
	if stopping < 0 || finishing < 0 || stopping > finishing {
		t.Fatalf("the node's log does not say it began to stop before the request finished:\n%s", log)
	}
}
