package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/egress"
	"github.com/vault-runtime/vault/edge/testenv"
	"github.com/vault-runtime/vault/schemas"
	"github.com/vault-runtime/vault/schemas/oci"
)

// newSupervisor is a supervisor over real runc, tagged for this test
// process, whose Output lines the returned func reads.
func newSupervisor(t testing.TB, dir, rootfs string) (*Supervisor, func() []Line) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "containers need root")
	}
	rt, err := New("", filepath.Join(dir, "runc"), slog.New(slog.DiscardHandler))
	if errors.Is(err, ErrNoRunc) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []Line
	s, err := NewSupervisor(context.Background(), Config{Runtime: rt, Dir: filepath.Join(dir, "bundles"), Volumes: filepath.Join(dir, "volumes"),
		Node: fmt.Sprintf("t%d", os.Getpid()), Rootfs: func(context.Context, string) (string, error) { return rootfs, nil },
		Output: func(l Line) { mu.Lock(); lines = append(lines, l); mu.Unlock() }, Log: slog.New(slog.DiscardHandler),
		Proxy: egress.NewProxy(nil)})
	if err != nil {
		t.Fatal(err)
	}
	return s, func() []Line { mu.Lock(); defer mu.Unlock(); return append([]Line(nil), lines...) }
}

// httpdSpec is busybox httpd in the restricted config, announcing itself
// on stdout first.
func httpdSpec(t testing.TB, fn string, version int) Spec {
	t.Helper()
	m := &schemas.Manifest{Name: fn, Kind: schemas.KindContainer, Image: "busybox", Port: 8080, Container: &schemas.Container{}}
	spec, net, err := oci.Generate(m, oci.ImageConfig{User: "1000:1000",
		Entrypoint: []string{"/bin/busybox", "sh", "-c", "echo listening; exec /bin/busybox httpd -f -p 8080 -h /www"},
		Env:        []string{"PATH=/bin"}, WorkingDir: "/www"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Function: fn, Version: version, Image: "sha256:test", Runtime: raw, Network: string(net), Port: 8080, Health: "/index.html"}
}

// get fetches path from the container through the bridge namespace.
func get(t *testing.T, in *Instance, path string) (string, error) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return in.Dial(ctx) }}}
	resp, err := c.Get("http://" + in.Addr.String() + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestSupervisorRunsRestartsAndAdopts runs busybox httpd through the
// supervisor with real runc: it is healthy when Start returns and answers
// at its address; its output reaches Output; a SIGKILL of its process is
// followed by a restart, counted; paused, it answers nothing until
// resumed; a new supervisor (a restarted node) adopts it, same process,
// still answering; Prune removes it with its namespace and bundle.
func TestSupervisorRunsRestartsAndAdopts(t *testing.T) {
	dir := t.TempDir()
	s, lines := newSupervisor(t, dir, busyboxRootfs(t))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Cleanup(func() {
		s.Prune(context.Background(), nil, 0)
		ip(context.Background(), "", "netns", "delete", s.Namespace())
	})
	sp := httpdSpec(t, "web", 1)
	in, err := s.Start(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if page, err := get(t, in, "/"); err != nil || page != "hello from a container\n" {
		t.Fatalf("GET / = %q, %v", page, err)
	}
	if !eventually(10*time.Second, func() bool {
		for _, l := range lines() {
			if l.Function == "web" && l.Version == 1 && l.Stream == "stdout" && l.Text == "listening" {
				return true
			}
		}
		return false
	}) {
		t.Errorf("the container's stdout line never reached Output: %+v", lines())
	}

	if u, err := in.Usage(); err != nil || u.MemoryBytes == 0 || u.Pids == 0 {
		t.Errorf("usage %+v, %v; want memory and processes counted", u, err)
	}

	first := in.Status()
	if first.State != StateRunning || first.Pid == 0 || first.Restarts != 0 {
		t.Fatalf("after start: %+v", first)
	}
	if err := syscall.Kill(first.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !eventually(20*time.Second, func() bool {
		st := in.Status()
		return st.Restarts == 1 && st.State == StateRunning && st.Pid != first.Pid
	}) {
		t.Fatalf("not restarted after SIGKILL: %+v", in.Status())
	}
	if st := in.Status(); st.LastExit != "killed by SIGKILL" {
		t.Errorf("last exit %q, want the SIGKILL named", st.LastExit)
	}
	if !eventually(10*time.Second, func() bool { page, err := get(t, in, "/"); return err == nil && page == "hello from a container\n" }) {
		t.Fatal("the restarted container does not answer")
	}

	if err := in.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if page, err := get(t, in, "/"); err == nil {
		t.Errorf("a paused container answered %q", page)
	}
	if err := in.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if page, err := get(t, in, "/"); err != nil || page != "hello from a container\n" {
		t.Fatalf("after resume: %q, %v", page, err)
	}

	// A restarted node: supervision ends, the container runs on.
	before := in.Status()
	s.Close()
	s2, _ := newSupervisor(t, dir, busyboxRootfs(t))
	adopted, err := s2.Start(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if st := adopted.Status(); st.Pid != before.Pid || adopted.Addr != in.Addr {
		t.Fatalf("adopted %+v at %s, want pid %d at %s", st, adopted.Addr, before.Pid, in.Addr)
	}
	if page, err := get(t, adopted, "/"); err != nil || page != "hello from a container\n" {
		t.Fatalf("the adopted container: %q, %v", page, err)
	}

	if err := s2.Prune(ctx, map[string]bool{}, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if list, err := s2.cfg.Runtime.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("after prune runc lists %+v, %v", list, err)
	}
	if _, err := os.Stat(filepath.Join("/run/netns", adopted.ID)); !os.IsNotExist(err) {
		t.Errorf("the container's namespace survived prune: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bundles", adopted.ID)); !os.IsNotExist(err) {
		t.Errorf("the bundle survived prune: %v", err)
	}
}

// TestSupervisorReportsAnUnhealthyContainer: a program that exits at once
// never becomes healthy; Start's error says how it ended, and the crash
// loop shows in its state.
func TestSupervisorReportsAnUnhealthyContainer(t *testing.T) {
	dir := t.TempDir()
	s, _ := newSupervisor(t, dir, busyboxRootfs(t))
	t.Cleanup(func() {
		s.Prune(context.Background(), nil, 0)
		ip(context.Background(), "", "netns", "delete", s.Namespace())
	})
	sp := httpdSpec(t, "broken", 1)
	var spec map[string]any
	json.Unmarshal(sp.Runtime, &spec)
	spec["process"].(map[string]any)["args"] = []string{"/bin/busybox", "sh", "-c", "echo no config >&2; exit 3"}
	sp.Runtime, _ = json.Marshal(spec)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := s.Start(ctx, sp)
	if err == nil || !strings.Contains(err.Error(), "exit code 3") || !strings.Contains(err.Error(), "no config") {
		t.Fatalf("Start of a container that exits: %v", err)
	}
	in := s.Instance(s.ID(sp))
	if in == nil {
		t.Fatal("the failing container is not supervised")
	}
	if !eventually(20*time.Second, func() bool { return in.Status().State == StateCrashLoop }) {
		t.Errorf("state %+v, want %s", in.Status(), StateCrashLoop)
	}
}

// TestSupervisorNetworksAndVolumes runs three containers: a1 and a2 on
// network a, b1 on network b with a subnet its record names. The edge
// reaches each at its address; a1 reaches a2 and not b1; a volume
// mounted by a1 is a directory under the supervisor's volumes, owned by
// the container's user, and what a1 writes there is on the host.
func TestSupervisorNetworksAndVolumes(t *testing.T) {
	dir := t.TempDir()
	s, _ := newSupervisor(t, dir, busyboxRootfs(t))
	t.Cleanup(func() {
		s.Prune(context.Background(), nil, 0)
		ip(context.Background(), "", "netns", "delete", s.Namespace())
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := func(fn string, net NetworkRef, volume bool) *Instance {
		sp := httpdSpec(t, fn, 1)
		sp.Networks = []NetworkRef{net}
		if volume {
			var spec map[string]any
			json.Unmarshal(sp.Runtime, &spec)
			spec["mounts"] = append(spec["mounts"].([]any), map[string]any{"destination": "/data", "type": "bind",
				"source": "volume:pgdata", "options": []string{"rbind", "rw", "nosuid", "nodev"}})
			sp.Runtime, _ = json.Marshal(spec)
		}
		in, err := s.Start(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		if page, err := get(t, in, "/"); err != nil || page != "hello from a container\n" {
			t.Fatalf("%s: GET / = %q, %v", fn, page, err)
		}
		return in
	}
	a1 := start("a1", NetworkRef{Name: "a"}, true)
	a2 := start("a2", NetworkRef{Name: "a"}, false)
	b1 := start("b1", NetworkRef{Name: "b", Subnet: "10.215.7.0/24"}, false)
	if !strings.HasPrefix(b1.Addr.Addr().String(), "10.215.7.") || a1.Addr.Addr() == a2.Addr.Addr() {
		t.Fatalf("addresses a1 %s, a2 %s, b1 %s", a1.Addr, a2.Addr, b1.Addr)
	}
	fetch := func(from, to *Instance) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return s.cfg.Runtime.Exec(ctx, from.ID, "/bin/busybox", "wget", "-q", "-O", "-", "http://"+to.Addr.String()+"/")
	}
	if out, err := fetch(a1, a2); err != nil || string(out) != "hello from a container\n" {
		t.Errorf("a1 cannot reach a2 on network a: %q, %v", out, err)
	}
	if out, err := fetch(a1, b1); err == nil {
		t.Errorf("a1 on network a reached b1 on network b: %q", out)
	}
	if _, err := s.cfg.Runtime.Exec(ctx, a1.ID, "/bin/busybox", "sh", "-c", "echo kept > /data/row"); err != nil {
		t.Fatal(err)
	}
	vol := filepath.Join(dir, "volumes", "pgdata")
	if b, err := os.ReadFile(filepath.Join(vol, "row")); err != nil || string(b) != "kept\n" {
		t.Errorf("the volume's file on the host: %q, %v", b, err)
	}
	if fi, err := os.Stat(vol); err != nil || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != 1000 {
		t.Errorf("volume directory %v, %v; want 0700 owned by the container's user", fi, err)
	}

	// A container on two networks holds an address on each, and gives
	// both back when it goes.
	sp := httpdSpec(t, "ab", 1)
	sp.Networks = []NetworkRef{{Name: "a"}, {Name: "b", Subnet: "10.215.7.0/24"}}
	ab, err := s.Start(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	held := func() (n int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, id := range s.addrs {
			if id == ab.ID {
				n++
			}
		}
		return n
	}
	if n := held(); n != 2 {
		t.Errorf("a container on two networks holds %d addresses", n)
	}
	if out, err := fetch(ab, b1); err != nil || string(out) != "hello from a container\n" {
		t.Errorf("a container on networks a and b cannot reach b1: %q, %v", out, err)
	}
	if err := s.Remove(ctx, ab.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n := held(); n != 0 {
		t.Errorf("after removal it still holds %d addresses", n)
	}
}

// TestSupervisorEgress: a container has no route out; one whose spec
// grants an address reaches it through the egress proxy (busybox wget
// reads http_proxy), and one without a grant is refused by the proxy.
func TestSupervisorEgress(t *testing.T) {
	// The upstream listens on the host's own address, which a container
	// could route to if it had any route out.
	hostIP := ""
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() && !p.Addr().IsLoopback() {
			hostIP = p.Addr().String()
			break
		}
	}
	if hostIP == "" {
		t.Skip("the host has no non-loopback IPv4 address to serve the upstream on")
	}
	l, err := net.Listen("tcp", hostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	upstream := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "outside\n") })}}
	upstream.Start()
	defer upstream.Close()
	dir := t.TempDir()
	s, _ := newSupervisor(t, dir, busyboxRootfs(t))
	t.Cleanup(func() {
		s.Prune(context.Background(), nil, 0)
		ip(context.Background(), "", "netns", "delete", s.Namespace())
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pol, err := egress.NewPolicy([]string{strings.TrimPrefix(upstream.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	granted := httpdSpec(t, "granted", 1)
	granted.Egress = egress.NewClient(pol, nil)
	g, err := s.Start(ctx, granted)
	if err != nil {
		t.Fatal(err)
	}
	none, err := s.Start(ctx, httpdSpec(t, "none", 1))
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(in *Instance, env ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return s.cfg.Runtime.Exec(ctx, in.ID, append(append([]string{"/bin/busybox", "env"}, env...), "/bin/busybox", "wget", "-q", "-O", "-", upstream.URL+"/")...)
	}
	if out, err := fetch(g); err != nil || string(out) != "outside\n" {
		t.Errorf("the granted container through the proxy: %q, %v", out, err)
	}
	proxy := fmt.Sprintf("http_proxy=http://%s:%d", s.net.Gateway(), ProxyPort)
	if out, err := fetch(none, proxy); err == nil {
		t.Errorf("a container without a grant got out through the proxy: %q", out)
	}
	if out, err := fetch(g, "http_proxy="); err == nil {
		t.Errorf("a container got out without the proxy: %q", out)
	}

	// Adopted by a new supervisor (a restarted node), then restarted
	// after its process died: still granted, still told where the proxy is.
	s.Close()
	s2, _ := newSupervisor(t, dir, busyboxRootfs(t))
	adopted, err := s2.Start(ctx, granted)
	if err != nil {
		t.Fatal(err)
	}
	pid := adopted.Status().Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !eventually(20*time.Second, func() bool { st := adopted.Status(); return st.Restarts == 1 && st.State == StateRunning }) {
		t.Fatalf("not restarted: %+v", adopted.Status())
	}
	if !eventually(10*time.Second, func() bool {
		out, err := s2.cfg.Runtime.Exec(ctx, adopted.ID, "/bin/busybox", "wget", "-q", "-O", "-", upstream.URL+"/")
		return err == nil && string(out) == "outside\n"
	}) {
		t.Error("the adopted, restarted container lost its way out")
	}
	s2.Prune(context.Background(), nil, 0)
}
