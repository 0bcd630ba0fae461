package container

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/testenv"
	"github.com/vault-runtime/vault/schemas"
	"github.com/vault-runtime/vault/schemas/oci"
)

// busyboxRootfs is a root filesystem with Debian's busybox-static, an
// unprivileged user and a page.
func busyboxRootfs(t testing.TB) string {
	t.Helper()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		testenv.Missing(t, "busybox-static: %v", err)
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "etc", "www", "tmp", "proc", "dev", "sys"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// As in images: runc keeps a tmpfs mountpoint's mode.
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"bin/busybox": string(bin), "etc/passwd": "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
		"etc/group": "root:x:0:\napp:x:1000:\n", "www/index.html": "hello from a container\n"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// eventually polls cond, backing off, until it holds or within passed.
func eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
}

// TestRunsWhatTheGatekeeperAdmitted runs busybox httpd in the restricted
// config Generate makes (the gatekeeper admits it without approval) with
// real runc, and checks from inside what the config promises: the user,
// a read-only root with a writable /tmp, masked kernel files; then
// signals, state and deletion.
func TestRunsWhatTheGatekeeperAdmitted(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "runc runs containers as root here")
	}
	rt, err := New("", filepath.Join(t.TempDir(), "runc"), slog.New(slog.DiscardHandler))
	if errors.Is(err, ErrNoRunc) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	rootfs := busyboxRootfs(t)
	m := &schemas.Manifest{Name: "web", Kind: schemas.KindContainer, Image: "busybox", Port: 8080, Container: &schemas.Container{}}
	spec, net, err := oci.Generate(m, oci.ImageConfig{User: "1000:1000", Entrypoint: []string{"/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"},
		Env: []string{"PATH=/bin"}, WorkingDir: "/www"})
	if err != nil {
		t.Fatal(err)
	}
	if err := oci.Judge(oci.Abstract(spec, net), false); err != nil {
		t.Fatalf("the gatekeeper refuses the default: %v", err)
	}
	ctx := context.Background()
	id := ID("", "web", 1, "sha256:test")
	if again := ID("", "web", 1, "sha256:test"); again != id || ID("", "web", 2, "sha256:test") == id {
		t.Fatalf("IDs are not deterministic per version: %s %s", id, again)
	}
	b, err := rt.Create(ctx, id, filepath.Join(t.TempDir(), "bundle"), rootfs, "", spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Delete(context.Background(), id, true) })
	if fi, err := os.Stat(filepath.Join(b.Dir, "config.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config.json: %v %v", fi, err)
	}
	if st, err := rt.State(ctx, id); err != nil || st.Status != "created" {
		t.Fatalf("after create: %+v, %v", st, err)
	}
	if err := rt.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	var page []byte
	if !eventually(20*time.Second, func() bool {
		page, err = rt.Exec(ctx, id, "/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/")
		return err == nil
	}) {
		t.Fatalf("httpd never answered inside the container: %v\nstderr: %s", err, tail(b.Stderr, 2048))
	}
	if string(page) != "hello from a container\n" {
		t.Fatalf("page %q", page)
	}
	for _, c := range []struct {
		args []string
		ok   bool
		out  string
	}{
		{[]string{"/bin/busybox", "id", "-u"}, true, "1000"},
		{[]string{"/bin/busybox", "touch", "/www/x"}, false, ""},
		{[]string{"/bin/busybox", "touch", "/tmp/x"}, true, ""},
		{[]string{"/bin/busybox", "ls", "-A", "/sys/firmware"}, true, ""}, // masked: an empty tmpfs
		{[]string{"/bin/busybox", "hostname", "evil"}, false, ""},
	} {
		out, err := rt.Exec(ctx, id, c.args...)
		if (err == nil) != c.ok || !strings.Contains(string(out), c.out) || c.out == "" && c.ok && len(out) > 0 {
			t.Errorf("%v: %q, %v; want ok=%v with %q", c.args, out, err, c.ok, c.out)
		}
	}
	if list, err := rt.List(ctx); err != nil || len(list) != 1 || list[0].ID != id || list[0].Status != "running" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	// busybox httpd, PID 1 without a SIGTERM handler, ignores SIGTERM:
	// Stop kills it after the grace period.
	if err := rt.Stop(ctx, id, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st, err := rt.State(ctx, id); err != nil || st.Status != "stopped" {
		t.Fatalf("after Stop: %+v, %v", st, err)
	}
	if err := rt.Delete(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.State(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("state after delete: %v", err)
	}
}
