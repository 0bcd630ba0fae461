package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/vault-runtime/vault/cli/registry/testimage"
	"github.com/vault-runtime/vault/edge/testenv"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/schemas"
	"github.com/vault-runtime/vault/schemas/oci"
)

// realRegistry is the CNCF distribution registry (`make tools` builds it
// at the version .ci/tools/go.mod pins) as a process of its own on
// loopback, with htpasswd auth.
type realRegistry struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  *lockedBuffer
}

func startRegistry(t testing.TB, user, password string) *realRegistry {
	t.Helper()
	bin := testenv.Tool("registry")
	if bin == "" {
		testenv.Missing(t, "the distribution registry is not installed: run make tools")
	}
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, fmt.Appendf(nil, "%s:%s\n", user, hash), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &realRegistry{addr: freeAddr(t), done: make(chan struct{}), log: &lockedBuffer{}}
	config := filepath.Join(dir, "config.yml")
	os.WriteFile(config, fmt.Appendf(nil, "version: 0.1\nlog: {level: warn}\nstorage:\n  filesystem: {rootdirectory: %s}\n  delete: {enabled: true}\n"+
		"http: {addr: %s}\nauth:\n  htpasswd: {realm: vault-test, path: %s}\n", filepath.Join(dir, "storage"), r.addr, htpasswd), 0o600)
	r.cmd = exec.Command(bin, "serve", config)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("registry log:\n%s", r.log)
		}
	})
	// Ready when the API answers, refusing a request without a login.
	waitFor(t, 30*time.Second, "the registry to answer", func() bool {
		select {
		case <-r.done:
			t.Fatalf("the registry exited:\n%s", r.log)
		default:
		}
		res, err := http.Get("http://" + r.addr + "/v2/")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusUnauthorized
	})
	return r
}

func (r *realRegistry) stop() {
	select {
	case <-r.done:
	default:
		r.cmd.Process.Kill()
		<-r.done
	}
}

// vaultStdin runs a vault command with stdin.
func (e *env) vaultStdin(server, stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, vaultBin, args...)
	cmd.Env = e.environ("VAULT_SERVER=" + server)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		e.t.Fatalf("vault %v: %v", args, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// imagesStatus is what `vault status --json` says of images.
type imagesStatus struct {
	Images map[string]struct {
		Unpacked bool   `json:"unpacked"`
		Path     string `json:"path"`
		Err      string `json:"error"`
	} `json:"images"`
}

// TestImagesThroughARealRegistry loads the busybox test image into a hub,
// pushes it to a registry with htpasswd auth (refused before `vault
// registry login`), removes it, pulls it back by tag with the same
// digest, and checks that an edge, with the registry stopped, has the
// image from its mirror, unpacked.
func TestImagesThroughARealRegistry(t *testing.T) {
	reg := startRegistry(t, "alice", "s3cret")
	page := "served from a vault image\n"
	img, err := testimage.Build(testimage.Options{Page: page})
	if errors.Is(err, testimage.ErrNoBusybox) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t)
	e := s.e
	tarball := filepath.Join(e.root, "busybox.tar")
	if err := testimage.Save(img, "vault.test/busybox:1", tarball); err != nil {
		t.Fatal(err)
	}
	hub, leaf := s.hub()
	s.join("edge")
	edge := s.edge("edge", leaf)
	srv := hub.server()

	// A tarball holds a Docker manifest of the image: its digest is the
	// one every later step must keep.
	out := e.mustVault(srv, "image", "load", tarball, "--as", "vault.test/busybox:1")
	f := strings.Fields(out)
	if len(f) < 3 || f[1] != "is" || !strings.HasPrefix(f[2], "sha256:") {
		t.Fatalf("vault image load printed %q", out)
	}
	want, err := v1.NewHash(f[2])
	if err != nil {
		t.Fatal(err)
	}
	remoteRef := reg.addr + "/team/busybox:1.0"
	_, stderr, code := e.vault(srv, "image", "push", "vault.test/busybox:1", remoteRef)
	if code == 0 || !strings.Contains(stderr, "vault registry login "+reg.addr) {
		t.Fatalf("push without a login: exit %d, %s", code, stderr)
	}
	if _, stderr, code := e.vaultStdin(srv, "wrong\n", "registry", "login", reg.addr, "-u", "alice", "--password-stdin"); code == 0 || !strings.Contains(stderr, "authentication required") {
		t.Fatalf("login with a wrong password: exit %d, %s", code, stderr)
	}
	if out, stderr, code := e.vaultStdin(srv, "s3cret\n", "registry", "login", reg.addr, "-u", "alice", "--password-stdin"); code != 0 {
		t.Fatalf("login: exit %d\n%s%s", code, out, stderr)
	}
	if fi, err := os.Stat(filepath.Join(e.config, "registries.age")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved logins: %v, %v", fi, err)
	} else if b, _ := os.ReadFile(filepath.Join(e.config, "registries.age")); bytes.Contains(b, []byte("s3cret")) {
		t.Fatal("the saved login holds the password in plaintext")
	}
	e.mustVault(srv, "image", "push", "vault.test/busybox:1", remoteRef)
	ref, _ := name.ParseReference(remoteRef)
	desc, err := remote.Get(ref, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}))
	if err != nil || desc.Digest != want {
		t.Fatalf("the registry has %v (%v), want %s", desc, err, want)
	}

	e.mustVault(srv, "image", "rm", "vault.test/busybox:1")
	if out := e.mustVault(srv, "image", "ls"); strings.Contains(out, "busybox") {
		t.Fatalf("vault image ls after rm:\n%s", out)
	}
	out = e.mustVault(srv, "image", "pull", remoteRef)
	if !strings.Contains(out, "is "+want.String()) {
		t.Fatalf("vault image pull printed %q, want the digest %s", out, want)
	}
	var inspected struct {
		Pulls []struct {
			Repository, Tag string
		} `json:"pulls"`
		ImageConfig struct {
			Config struct {
				User       string
				Entrypoint []string
			} `json:"config"`
		} `json:"imageConfig"`
	}
	if err := json.Unmarshal([]byte(e.mustVault(srv, "image", "inspect", remoteRef, "--json")), &inspected); err != nil {
		t.Fatal(err)
	}
	// Removed, then pulled again: a new image record, with that pull only.
	if n := len(inspected.Pulls); n != 1 || inspected.Pulls[0].Repository != reg.addr+"/team/busybox" || inspected.Pulls[0].Tag != "1.0" ||
		inspected.ImageConfig.Config.User != "1000:1000" || inspected.ImageConfig.Config.Entrypoint[0] != "/bin/busybox" {
		t.Fatalf("inspect: %+v", inspected)
	}

	// The edge has it from its mirror; no registry is needed.
	reg.stop()
	var st imagesStatus
	waitFor(t, 60*time.Second, "the edge to unpack the image", func() bool {
		if err := json.Unmarshal([]byte(e.mustVault(edge.server(), "status", "--json")), &st); err != nil {
			t.Fatal(err)
		}
		return st.Images[want.String()].Unpacked
	})
	tree := st.Images[want.String()].Path
	if !strings.HasPrefix(tree, s.dir("edge")) {
		t.Fatalf("the edge's tree is %s, outside its data directory", tree)
	}
	if b, err := os.ReadFile(filepath.Join(tree, "www", "index.html")); err != nil || string(b) != page {
		t.Fatalf("the edge's tree serves %q, %v", b, err)
	}
	if target, err := os.Readlink(filepath.Join(tree, "bin", "httpd")); err != nil || target != "busybox" {
		t.Fatalf("bin/httpd -> %q, %v", target, err)
	}
	// A container deploy pins the digest its tag names in the ledger (the
	// registry is stopped: nothing is pulled), and holds on to the image.
	dir := e.writeFunction("web", map[string]string{
		"vault.yaml": "name: web\nkind: container\nimage: " + remoteRef + "\nport: 8080\nroutes: [/web/*]\n",
	})
	if out := e.mustVault(srv, "deploy", dir); !strings.Contains(out, "web@v1") || !strings.Contains(out, "runs image "+want.String()) {
		t.Fatalf("vault deploy of a container printed %q", out)
	}
	if out := e.mustVault(srv, "ls"); !strings.Contains(out, "image "+want.String()[:len("sha256:")+12]) {
		t.Fatalf("vault ls does not show the version's image:\n%s", out)
	}
	if _, stderr, code := e.vault(srv, "image", "rm", remoteRef); code == 0 || !strings.Contains(stderr, "deployed versions use it (web@v1)") {
		t.Fatalf("image rm of an image in use: exit %d, %s", code, stderr)
	}
	// Activation is a ledger fact like any other. A node that cannot run
	// containers (not root) says so; one that can runs the pinned image.
	if os.Geteuid() != 0 {
		if _, stderr, code := e.vault(srv, "activate", "web@v1"); code == 0 || !strings.Contains(stderr, "recorded at seq") ||
			!strings.Contains(stderr, "containers need the container runtime") {
			t.Fatalf("activate a container on a node that cannot run one: exit %d, %s", code, stderr)
		}
	} else {
		e.mustVault(srv, "activate", "web@v1", "--wait")
		if ps := e.ps(srv, "web"); len(ps) != 2 || ps[0].State != "running" || ps[1].State != "running" || ps[0].ID == ps[1].ID {
			t.Fatalf("ps after activating the container: %+v; want it running on the hub and on the edge", ps)
		}
		// Through the edge node's own shield: busybox httpd answers for
		// the path it has no file for, proxied with the edge's request ID.
		r := get(t, h2cClient(), "http://"+edge.h2c+"/web/missing")
		if r.status != 404 || !strings.Contains(r.body, "404 Not Found") || r.header.Get("X-Request-Id") == "" {
			t.Fatalf("GET through the edge node: %d %q %v", r.status, r.body, r.header)
		}
	}

	// The image records verify offline like every other record.
	e.mustVault(srv, "ledger", "verify")
}

// TestContainerGatekeeper deploys containers whose runtime configs break
// the gatekeeper's rules: a rule that no signature lifts is refused to
// anyone; what needs approval is refused to a deploy key alone, and
// admitted once an admin signed the proposal too; the ledger verifies.
func TestContainerGatekeeper(t *testing.T) {
	img, err := testimage.Build(testimage.Options{})
	if errors.Is(err, testimage.ErrNoBusybox) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	alice := newEnv(t)
	alice.mustVault("", "init", "--data", alice.data)
	n := alice.serve(nodeOptions{})
	srv := n.server()
	tarball := filepath.Join(alice.root, "busybox.tar")
	if err := testimage.Save(img, "vault.test/busybox:1", tarball); err != nil {
		t.Fatal(err)
	}
	loaded := strings.Fields(alice.mustVault(srv, "image", "load", tarball, "--as", "vault.test/busybox:1"))
	if len(loaded) < 3 || !strings.HasPrefix(loaded[2], "sha256:") {
		t.Fatalf("vault image load printed %q", loaded)
	}
	image := loaded[2]
	bob := alice.colleague("bob")
	_, bobKey := keyID(t, bob)
	alice.mustVault(srv, "keys", "add", bobKey, "--role", "deploy")

	container := func(name, security string) string {
		return alice.writeFunction(name, map[string]string{
			"vault.yaml": "name: " + name + "\nkind: container\nimage: vault.test/busybox:1\nport: 8080\nroutes: [/" + name + "/*]\n" + security,
		})
	}
	if out := bob.mustVault(srv, "deploy", container("plain", "")); !strings.Contains(out, "plain@v1") {
		t.Fatalf("a restricted container: %q", out)
	}
	_, errs, code := bob.vault(srv, "deploy", container("admin", "security: {capabilities: [SYS_ADMIN]}\n"))
	if code == 0 || !strings.Contains(errs, "gatekeeper rule 1 (CAP_SYS_ADMIN requires privileged mode): process.capabilities.bounding: CAP_SYS_ADMIN") {
		t.Fatalf("CAP_SYS_ADMIN unprivileged: exit %d, %s", code, errs)
	}
	priv := container("priv", "security: {privileged: true}\n")
	_, errs, code = bob.vault(srv, "deploy", priv)
	if code == 0 || !strings.Contains(errs, "gatekeeper rule 5 (privileged needs approval") {
		t.Fatalf("privileged by a deploy key alone: exit %d, %s", code, errs)
	}
	proposal := filepath.Join(alice.root, "priv.json")
	bob.mustVault(srv, "deploy", priv, "-o", proposal)
	bob.mustVault(srv, "sign", proposal)
	if _, errs, code := bob.vault(srv, "submit", proposal); code == 0 || !strings.Contains(errs, "gatekeeper rule 5") {
		t.Fatalf("submit without the admin: exit %d, %s", code, errs)
	}
	alice.mustVault(srv, "sign", proposal)
	if out := alice.mustVault(srv, "submit", proposal); !strings.Contains(out, "deploy priv") {
		t.Fatalf("submit with the admin's approval: %q", out)
	}
	if out := alice.mustVault(srv, "ls"); !strings.Contains(out, "priv") || !strings.Contains(out, "plain") || strings.Contains(out, "admin ") {
		t.Fatalf("vault ls:\n%s", out)
	}
	alice.mustVault(srv, "ledger", "verify")

	// Around the gate, straight into the stream: a privileged deploy signed
	// by a deploy key alone. The projector rejects it and verify fails.
	carol, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	alice.mustVault(srv, "keys", "add", publicKeyArg(carol), "--role", "deploy")
	snap := alice.snapshot(srv)
	plain := snap.State.Functions["plain"].Versions[0]
	spec, network, err := oci.Generate(&schemas.Manifest{Name: "forged", Kind: schemas.KindContainer, Image: "x", Port: 8080,
		Container: &schemas.Container{Security: schemas.Security{Privileged: true}}}, oci.ImageConfig{User: "1000", Entrypoint: []string{"/bin/sh"}})
	if err != nil {
		t.Fatal(err)
	}
	runtime, _ := json.Marshal(spec)
	forged := sealFor(t, snap.State.Ledger, events.TypeDeployed, "forged", events.Deployed{Name: "forged", Artifact: plain.Artifact, Size: plain.Size,
		Image: image, Runtime: runtime, Network: string(network)}, carol)
	nodeConn := dialAsNode(t, alice, alice.data, srv)
	defer nodeConn.Close()
	js, _ := jetstream.New(nodeConn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := js.Publish(ctx, ledger.RecordsSubject, forged)
	if err != nil {
		t.Fatal(err)
	}
	n.waitLog(t, "gatekeeper rule 5 (privileged needs approval")
	if ls := alice.mustVault(srv, "ls"); strings.Contains(ls, "forged") {
		t.Fatalf("the forged privileged deploy became a version:\n%s", ls)
	}
	_, errs, code = alice.vault(srv, "ledger", "verify")
	if code == 0 || !strings.Contains(errs, "seq "+itoa(ack.Sequence)) || !strings.Contains(errs, "gatekeeper rule 5") {
		t.Fatalf("verify after the forged record: exit %d, %s", code, errs)
	}
}
