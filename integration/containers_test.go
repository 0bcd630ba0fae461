package integration

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
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
func containerEnv(t testing.TB) (e *env, n *node, images [2]string) {
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
// namespaces, overlays and the node's bridge namespace.
func removeContainers(data string) {
	root := filepath.Join(data, "containers", "runc")
	if _, err := os.Stat(filepath.Join(data, "containers")); err != nil {
		return
	}
	out, _ := exec.Command("runc", "--root", root, "list", "-q").Output()
	for _, id := range strings.Fields(string(out)) {
		exec.Command("runc", "--root", root, "delete", "--force", id).Run()
		exec.Command("ip", "netns", "delete", id).Run()
	}
	if ns, err := os.ReadFile(filepath.Join(data, "containers", "netns")); err == nil {
		exec.Command("ip", "netns", "delete", strings.TrimSpace(string(ns))).Run()
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
	// httpd -v writes a line for each request on its stderr: the
	// function's logs have it, from this node, with its stream.
	waitFor(t, 20*time.Second, "the container's output in vault logs", func() bool {
		logs := e.mustVault(srv, "logs", "web", "--since", "0")
		return strings.Contains(logs, "v1 stderr: ") && strings.Contains(logs, "response:200")
	})
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
	m := get(t, http.DefaultClient, "http://"+n.admin+"/metrics").body
	for _, want := range []string{`vault_container_restarts_total{function="web",version="1"} 1`, `vault_container_state{function="web",state="running",version="1"} 1`,
		`vault_container_memory_bytes{function="web",version="1"} `, `vault_requests_total{code="2xx",function="web",version="1"} `} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics has no %q", want)
		}
	}

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

	e.mustVault(srv, "rm", "web", "--yes") // retire's alias
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

// TestContainerRunExecStopStartVolumes: vault run deploys and activates an
// image in one step; vault exec runs a command in the container after
// recording it (the output and exit code come back; a deploy key is
// refused; the ledger holds the record); a volume keeps what a version
// wrote for the next version; stop ends the container (503 "is stopped")
// and start runs it again.
func TestContainerRunExecStopStartVolumes(t *testing.T) {
	e, n, _ := containerEnv(t)
	srv := n.server()
	c := h2cClient()
	e.mustVault(srv, "run", "--name", "web", "--route", "/*", "--port", "8080", "--health", "/index.html", "vault.test/busybox:1")
	if r := get(t, c, "http://"+n.h2c+"/index.html"); r.status != 200 || r.body != "v1\n" {
		t.Fatalf("after vault run: %d %q", r.status, r.body)
	}
	if out := e.mustVault(srv, "run", "--name", "web", "--route", "/*", "--port", "8080", "--health", "/index.html", "vault.test/busybox:1"); !strings.Contains(out, "web@v1 already serves") {
		t.Errorf("vault run of what serves: %q", out)
	}

	out, errs, code := e.vault(srv, "exec", "web", "--", "cat", "/www/index.html")
	if code != 0 || out != "v1\n" || !strings.Contains(errs, "exec recorded at seq") {
		t.Fatalf("vault exec cat: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, errs, code := e.vault(srv, "exec", "web", "--", "sh", "-c", "echo oops >&2; exit 3"); code != 3 || !strings.Contains(errs, "oops") {
		t.Fatalf("vault exec of a failing command: exit %d, stderr %q", code, errs)
	}
	if out, _, code := e.vault(srv, "exec", "web", "--", "id", "-u"); code != 0 || out != "1000\n" {
		t.Errorf("exec runs as the container's user: exit %d, %q", code, out)
	}
	bob := e.colleague("bob")
	_, bobKey := keyID(t, bob)
	e.mustVault(srv, "keys", "add", bobKey, "--role", "deploy")
	if _, errs, code := bob.vault(srv, "exec", "web", "--", "ls"); code == 0 || !strings.Contains(errs, "no admin role") {
		t.Fatalf("exec by a deploy key: exit %d, %s", code, errs)
	}
	if log := e.mustVault(srv, "ledger", "log"); strings.Count(log, "container.exec") != 3 {
		t.Errorf("the ledger holds %d container.exec records, want 3:\n%s", strings.Count(log, "container.exec"), log)
	}

	// A volume outlives the version that wrote to it.
	e.mustVault(srv, "volume", "create", "data")
	vol := func(image string) string {
		return e.writeFunction("db-"+image[len(image)-1:], map[string]string{"vault.yaml": "name: db\nkind: container\nimage: " + image +
			"\nport: 8080\nhealth: /index.html\nroutes: [/db/*]\nvolumes: [{name: data, path: /data}]\n"})
	}
	e.mustVault(srv, "deploy", vol("vault.test/busybox:1"))
	e.mustVault(srv, "activate", "db@v1", "--wait")
	if _, errs, code := e.vault(srv, "exec", "db", "--", "sh", "-c", "echo kept > /data/row"); code != 0 {
		t.Fatalf("write to the volume: exit %d, %s", code, errs)
	}
	e.mustVault(srv, "deploy", vol("vault.test/busybox:2"))
	e.mustVault(srv, "activate", "db@v2", "--wait")
	if out, errs, code := e.vault(srv, "exec", "db", "--", "cat", "/data/row"); code != 0 || out != "kept\n" {
		t.Fatalf("v2 reads the volume: exit %d, %q, %s", code, out, errs)
	}
	if _, errs, code := e.vault(srv, "volume", "rm", "data"); code == 0 || !strings.Contains(errs, "db@v") {
		t.Errorf("volume rm while mounted: exit %d, %s", code, errs)
	}

	// Egress: a container whose manifest lists an address reaches it
	// through the node's proxy; the others reach nothing.
	if up := hostUpstream(t); up != "" {
		e.mustVault(srv, "deploy", e.writeFunction("out", map[string]string{"vault.yaml": "name: out\nkind: container\nimage: vault.test/busybox:1" +
			"\nport: 8080\nroutes: [/out/*]\negress: [\"" + strings.TrimPrefix(up, "http://") + "\"]\n"}))
		e.mustVault(srv, "activate", "out@v1", "--wait")
		if out, errs, code := e.vault(srv, "exec", "out", "--", "wget", "-q", "-O", "-", up+"/"); code != 0 || out != "outside\n" {
			t.Errorf("a granted container's egress: exit %d, %q, %s", code, out, errs)
		}
		if _, _, code := e.vault(srv, "exec", "web", "--timeout", "3s", "--", "wget", "-q", "-O", "-", up+"/"); code == 0 {
			t.Errorf("a container without egress reached %s", up)
		}
	}

	info := e.mustVault(srv, "info")
	for _, want := range []string{"containers  runc (runc version", "running", "volume      data: mounted by db@v1, db@v2", "network     default: chosen by each node"} {
		if !strings.Contains(info, want) {
			t.Errorf("vault info has no %q:\n%s", want, info)
		}
	}

	// Stop and start.
	e.mustVault(srv, "stop", "web", "--wait")
	if r := get(t, c, "http://"+n.h2c+"/index.html"); r.status != 503 || !strings.Contains(r.body, "web is stopped") {
		t.Fatalf("a stopped function answered %d %q", r.status, r.body)
	}
	waitFor(t, 30*time.Second, "the stopped function's container removed", func() bool { return len(e.ps(srv, "web")) == 0 })
	if _, errs, code := e.vault(srv, "pause", "web"); code == 0 || !strings.Contains(errs, "web is stopped") {
		t.Errorf("pause of a stopped function: exit %d, %s", code, errs)
	}
	e.mustVault(srv, "start", "web", "--wait")
	if r := get(t, c, "http://"+n.h2c+"/index.html"); r.status != 200 || r.body != "v1\n" {
		t.Fatalf("after start: %d %q", r.status, r.body)
	}
	if ps := e.ps(srv, "web"); len(ps) != 1 || ps[0].State != "running" {
		t.Errorf("ps after start: %+v", ps)
	}

	// A volume the ledger removes goes from the node, data and all.
	vdir := filepath.Join(e.data, "volumes", "data")
	if _, err := os.Stat(filepath.Join(vdir, "row")); err != nil {
		t.Fatalf("the volume's file before its removal: %v", err)
	}
	e.mustVault(srv, "rm", "db", "--yes")
	e.mustVault(srv, "volume", "rm", "data")
	waitFor(t, 30*time.Second, "the removed volume's directory gone", func() bool {
		_, err := os.Stat(vdir)
		return os.IsNotExist(err)
	})
}

// hostUpstream serves "outside" on the host's own non-loopback address
// (where a container with any route out could reach it) for the test,
// and returns its URL; "" if the host has no such address.
func hostUpstream(t *testing.T) string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || !p.Addr().Is4() || p.Addr().IsLoopback() {
			continue
		}
		l, err := net.Listen("tcp", p.Addr().String()+":0")
		if err != nil {
			continue
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "outside\n") })}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		return "http://" + l.Addr().String()
	}
	return ""
}
