package integration

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/testenv"
)

// devRun is a running `vault dev`.
type devRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
	err    error
	// front is the http address it printed, data its data directory.
	front, data string
}

// startDev runs `vault dev dir` with its temporary directories under
// tmp and waits until it printed that fn@v1 is deployed.
func (e *env) startDev(dir, tmp, fn string) *devRun {
	t := e.t.(*testing.T)
	t.Helper()
	d := &devRun{t: t, out: &lockedBuffer{}, exited: make(chan struct{})}
	d.cmd = exec.Command(vaultBin, "dev", dir)
	d.cmd.Env = append(e.environ(), "TMPDIR="+tmp)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.exited
		if t.Failed() {
			t.Logf("output of vault dev:\n%s", d.out)
		}
	})
	d.waitOutput(60*time.Second, regexp.MustCompile(`deployed `+fn+`@v1 `))
	if m := regexp.MustCompile(`http  http://([0-9.:]+)/`).FindStringSubmatch(d.out.String()); m != nil {
		d.front = m[1]
	}
	if m := regexp.MustCompile(`data  (\S+) `).FindStringSubmatch(d.out.String()); m != nil {
		d.data = m[1]
	}
	if d.front == "" || d.data == "" {
		t.Fatalf("vault dev printed no http address or data directory")
	}
	return d
}

// waitOutput polls the output until re matches it, or fails the test.
func (d *devRun) waitOutput(within time.Duration, re *regexp.Regexp) {
	d.t.Helper()
	deadline := time.Now().Add(within)
	for !re.MatchString(d.out.String()) {
		select {
		case <-d.exited:
			d.t.Fatalf("vault dev exited (%v) before printing %s", d.err, re)
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("after %v vault dev has not printed %s", within, re)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// get is the body of GET path through the front, over HTTP/1.1.
func (d *devRun) get(path string) string {
	resp, err := http.Get("http://" + d.front + path)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func devSource(answer string) string {
	return "export default {\n  async fetch(request: Request): Promise<Response> {\n" +
		"    console.log(\"answering " + answer + "\");\n    return new Response(\"" + answer + "\");\n  },\n};\n"
}

// TestDevLoop is issue 23's developer loop: vault new, then vault dev on
// it: an edit is served within a second, a syntax error is reported with
// file:line:col while the version before keeps serving, and SIGINT stops
// it cleanly, removing its data directory.
func TestDevLoop(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.root, "greet")
	if out := e.mustVault("", "new", dir); !strings.Contains(out, "vault dev "+dir) {
		t.Errorf("vault new does not say how to run it:\n%s", out)
	}
	entry := filepath.Join(dir, "src", "index.ts")
	if err := os.WriteFile(entry, []byte(devSource("one")), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	d := e.startDev(dir, tmp, "greet")
	if !strings.HasPrefix(d.data, tmp) {
		t.Errorf("data directory %s is not under TMPDIR %s", d.data, tmp)
	}
	if got := d.get("/x"); got != "one" {
		t.Fatalf("GET /x = %q, want one", got)
	}
	d.waitOutput(5*time.Second, regexp.MustCompile(`GET /x 200 `))
	d.waitOutput(5*time.Second, regexp.MustCompile(`greet@v1 info: answering one`))

	if err := os.WriteFile(entry, []byte(devSource("two")), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := time.Now()
	for d.get("/x") != "two" {
		if time.Since(saved) > time.Second {
			t.Fatalf("the edit was not served within a second of the save (GET /x = %q)", d.get("/x"))
		}
		time.Sleep(10 * time.Millisecond)
	}

	if err := os.WriteFile(entry, []byte("export default {\n  fetch(request {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.waitOutput(5*time.Second, regexp.MustCompile(`(?s)error \(greet@v2 keeps serving\):.*`+regexp.QuoteMeta(entry)+`:2:\d+: `))
	if got := d.get("/x"); got != "two" {
		t.Errorf("after a syntax error GET /x = %q, want two (the version before)", got)
	}

	d.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("vault dev did not stop within 30s of SIGINT")
	}
	if d.err != nil {
		t.Errorf("vault dev did not exit 0 after SIGINT: %v", d.err)
	}
	if _, err := os.Stat(d.data); !os.IsNotExist(err) {
		t.Errorf("the data directory %s is still there (%v)", d.data, err)
	}
}

// TestNewHonoServes: the hono template, its package installed from its
// lockfile by npm ci, deploys and answers under vault dev.
func TestNewHonoServes(t *testing.T) {
	e := newEnv(t)
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "the hono template needs npm")
	}
	dir := filepath.Join(e.root, "app")
	e.mustVault("", "new", dir, "--template", "hono")
	ci := exec.Command(npm, "ci", "--no-audit", "--no-fund")
	ci.Dir = dir
	if out, err := ci.CombinedOutput(); err != nil {
		testenv.Missing(t, "npm ci in the hono template failed (no registry?): %v\n%s", err, out)
	}
	d := e.startDev(dir, t.TempDir(), "app")
	if got, want := d.get("/hello/you"), `{"greeting":"Hello, you"}`; got != want {
		t.Errorf("GET /hello/you = %q, want %q", got, want)
	}
}
