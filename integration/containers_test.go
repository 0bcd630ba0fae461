package integration

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	vnode "github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/cli/registry/testimage"
	"github.com/vault-runtime/vault/edge/testenv"
)

// containerEnv is a node that runs containers, with the busybox test
// image loaded as vault.test/busybox:1 (page "v1") and :2 (page "v2").
// Containers outlive their node by design: the test removes what its
// nodes left, with runc and ip, when it ends.
func containerEnv(t *testing.T) (e *env, n *node, images [2]string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "containers need root")
	}
	for _, tool := range []string{"runc", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, "%s: %v", tool, err)
		}
	}
	e = newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	t.Cleanup(func() { removeContainers(t, e.data) })
	n = e.serve(nodeOptions{})
	for i, page := range []string{"v1", "v2"} {
		img, err := testimage.Build(testimage.Options{Page: page + "\n"})
		if errors.Is(err, testimage.ErrNoBusybox) {
			testenv.Missing(t, "%v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		ref := "vault.test/busybox:" + page[1:]
		tarball := filepath.Join(e.root, page+".tar")
		if err := testimage.Save(img, ref, tarball); err != nil {
			t.Fatal(err)
		}
		out := strings.Fields(e.mustVault(n.server(), "image", "load", tarball, "--as", ref))
		images[i] = out[2]
	}
	return e, n, images
}

// removeContainers deletes every container a node of data left, their
// namespaces and the node's bridge namespace.
func removeContainers(t *testing.T, data string) {
	root := filepath.Join(data, "containers", "runc")
	out, _ := exec.Command("runc", "--root", root, "list", "-q").Output()
	for _, id := range strings.Fields(string(out)) {
		exec.Command("runc", "--root", root, "delete", "--force", id).Run()
		exec.Command("ip", "netns", "delete", id).Run()
		if parts := strings.SplitN(id, "-", 3); len(parts) == 3 {
			exec.Command("ip", "netns", "delete", "vault-"+parts[1]).Run()
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], data) {
			unix.Unmount(f[4], unix.MNT_DETACH)
		}
	}
}

// ps is vault ps --json's containers of fn, on every node.
func (e *env) ps(server, fn string) []vnode.PsContainer {
	e.t.Helper()
	var answers []vnode.PsAnswer
	if err := json.Unmarshal([]byte(e.mustVault(server, "ps", "--json")), &answers); err != nil {
		e.t.Fatal(err)
	}
	var out []vnode.PsContainer
	for _, a := range answers {
		for _, c := range a.Containers {
			if c.Function == fn {
				out = append(out, c)
			}
		}
	}
	return out
}

// containerDeploy writes a container function named name on image ref.
func (e *env) containerDeploy(name, ref, more string) string {
	return e.writeFunction(name, map[string]string{
		"vault.yaml": "name: " + name + "\nkind: container\nimage: " + ref + "\nport: 8080\nhealth: /index.html\nstop_grace: 200ms\nroutes: [/*]\n" + more,
	})
}

// TestContainersThroughTheEdge runs the busybox httpd image as a
// container version with real runc, reached through the edge: it serves
// once activated, with the request ID; paused it answers 503 and resumed
// 200; a SIGKILL of its process is restarted and counted; a new version
// takes over and the old container goes; a rollback brings the old
// version back; with the node killed the container still answers on its
// address, and the restarted node adopts it, same process; retired, it
// is removed.
func TestContainersThroughTheEdge(t *testing.T) {
	e, n, _ := containerEnv(t)
	srv := n.server()
	e.mustVault(srv, "deploy", e.containerDeploy("web", "vault.test/busybox:1", ""))
	e.mustVault(srv, "activate", "web@v1", "--wait")
	base := "http://" + n.h2c + "/index.html"
	c := h2cClient()
	r := get(t, c, base)
	if r.status != 200 || r.body != "v1\n" || r.header.Get("X-Request-Id") == "" {
		t.Fatalf("through the edge: %d %q %v", r.status, r.body, r.header)
	}
	ps := e.ps(srv, "web")
	if len(ps) != 1 || ps[0].Version != 1 || ps[0].State != "running" || ps[0].Pid == 0 || ps[0].MemoryBytes == 0 {
		t.Fatalf("ps after activate: %+v", ps)
	}
	first := ps[0]

	e.mustVault(srv, "pause", "web")
	waitFor(t, 10*time.Second, "503 while paused", func() bool { return get(t, c, base).status == 503 })
	if r := get(t, c, base); r.header.Get("Retry-After") == "" {
		t.Errorf("paused answer without Retry-After: %v", r.header)
	}
	if ps := e.ps(srv, "web"); len(ps) != 1 || ps[0].State != "paused" {
		t.Errorf("ps while paused: %+v", ps)
	}
	e.mustVault(srv, "resume", "web")
	waitFor(t, 10*time.Second, "200 after resume", func() bool { r := get(t, c, base); return r.status == 200 && r.body == "v1\n" })

	if out := e.mustVault(srv, "kill", "web", "--signal", "KILL"); !strings.Contains(out, "sent SIGKILL to 1 container(s)") {
		t.Fatalf("vault kill: %q", out)
	}
	waitFor(t, 20*time.Second, "the killed container restarted", func() bool {
		ps := e.ps(srv, "web")
		return len(ps) == 1 && ps[0].Restarts == 1 && ps[0].State == "running" && ps[0].Pid != first.Pid
	})
	if ps := e.ps(srv, "web"); !strings.Contains(ps[0].LastExit, "SIGKILL") {
		t.Errorf("last exit %q, want SIGKILL named", ps[0].LastExit)
	}
	waitFor(t, 10*time.Second, "200 after the restart", func() bool { r := get(t, c, base); return r.status == 200 && r.body == "v1\n" })

	// A new version: live once healthy, then the old container goes.
	e.mustVault(srv, "deploy", e.containerDeploy("web", "vault.test/busybox:2", ""))
	e.mustVault(srv, "activate", "web@v2", "--wait")
	if r := get(t, c, base); r.status != 200 || r.body != "v2\n" {
		t.Fatalf("after activating v2: %d %q", r.status, r.body)
	}
	waitFor(t, 30*time.Second, "v1's container removed", func() bool {
		ps := e.ps(srv, "web")
		return len(ps) == 1 && ps[0].Version == 2
	})
	e.mustVault(srv, "rollback", "web")
	waitFor(t, 30*time.Second, "v1 again after the rollback", func() bool { r := get(t, c, base); return r.status == 200 && r.body == "v1\n" })

	// The node dies; the container does not.
	ps = e.ps(srv, "web")
	if len(ps) != 1 || ps[0].Version != 1 {
		t.Fatalf("ps after rollback: %+v", ps)
	}
	before := ps[0]
	n.kill()
	bridgeNS := "vault-" + strings.SplitN(before.ID, "-", 3)[1]
	if page, err := getInNS(bridgeNS, before.Addr); err != nil || !strings.HasSuffix(page, "\r\n\r\nv1\n") {
		t.Fatalf("with the node killed, the container at %s answered %q, %v", before.Addr, page, err)
	}
	n = e.serveOn(n.h2c, n.nats, 60*time.Second)
	if r := get(t, c, base); r.status != 200 || r.body != "v1\n" {
		t.Fatalf("after the node restarted: %d %q", r.status, r.body)
	}
	if ps := e.ps(srv, "web"); len(ps) != 1 || ps[0].Pid != before.Pid || ps[0].Addr != before.Addr {
		t.Fatalf("after the node restarted, ps %+v; want the adopted pid %d at %s", ps, before.Pid, before.Addr)
	}
	if !strings.Contains(n.stderr.String(), "adopted a running container") {
		t.Errorf("the restarted node did not say it adopted the container")
	}

	e.mustVault(srv, "retire", "web", "--yes")
	waitFor(t, 30*time.Second, "the retired function's container removed", func() bool { return len(e.ps(srv, "web")) == 0 })
	waitFor(t, 10*time.Second, "runc lists no container after retire", func() bool {
		out, err := exec.Command("runc", "--root", filepath.Join(e.data, "containers", "runc"), "list", "-q").Output()
		return err == nil && len(strings.TrimSpace(string(out))) == 0
	})
}

// getInNS sends GET / to addr from network namespace ns and returns the
// whole answer; the socket is made on a thread moved into ns, which ends
// with its goroutine.
func getInNS(ns, addr string) (string, error) {
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- result{"", err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{"", err}
			return
		}
		conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			done <- result{"", err}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(3 * time.Second))
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Close = true
		req.Write(conn)
		out, err := io.ReadAll(conn)
		done <- result{string(out), err}
	}()
	r := <-done
	return r.out, r.err
}
