package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// denoPeer runs testdata/diff/deno-serve.ts on the code section of the
// artifact vault deploy makes of dir (schemas.BuildArtifact, which the CLI
// calls), with the manifest's vars as env, and returns its base URL once it
// listens.
func denoPeer(t testing.TB, deno, dir string) string {
	t.Helper()
	url, _ := denoPeerProcess(t, deno, dir)
	return url
}

// denoPeerProcess is denoPeer that also returns Deno's process ID, for
// the benchmarks that read its CPU time.
func denoPeerProcess(t testing.TB, deno, dir string) (url string, pid int) {
	t.Helper()
	m, code, err := diffBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.js")
	if err := os.WriteFile(bundle, code, 0o600); err != nil {
		t.Fatal(err)
	}
	vars := m.Vars
	if vars == nil {
		vars = map[string]string{}
	}
	envJSON, err := json.Marshal(vars)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	wrapper, err := filepath.Abs(filepath.Join("testdata", "diff", "deno-serve.ts"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(deno, "run", "--no-config", "--no-prompt", "--allow-net", "--allow-read="+bundle,
		wrapper, bundle, port, schemas.BundleGlobal, string(envJSON))
	// A DENO_DIR of its own: Deno keeps the Cache API's entries there, which
	// would otherwise be shared by the two Denos of the self-check, by
	// concurrent runs and by runs that follow.
	cmd.Env = append(os.Environ(), "DENO_NO_UPDATE_CHECK=1", "NO_COLOR=1", "DENO_DIR="+filepath.Join(t.TempDir(), "deno"))
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() { // the app's own console output is read and dropped
			if !signalled && sc.Text() == "deno diff peer ready" {
				ready <- true
				signalled = true
			}
		}
		if !signalled {
			ready <- false
		}
	}()
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() && stderr.String() != "" {
			t.Logf("deno's stderr:\n%s", stderr)
		}
	})
	select {
	case ok := <-ready:
		if !ok {
			<-exited
			t.Fatalf("deno exited before it listened:\n%s", stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("deno not listening after 60s:\n%s", stderr)
	}
	return "http://" + addr, cmd.Process.Pid
}

// diffBundles holds each app's manifest and code once built: bundling
// Hono and zod takes esbuild seconds under the race detector, and the
// self-check runs two Denos per app.
var diffBundles struct {
	sync.Mutex
	built map[string]diffBuilt
}

type diffBuilt struct {
	m    *schemas.Manifest
	code []byte
}

// diffBundle builds dir's artifact as vault deploy does
// (schemas.BuildArtifact) and returns its manifest and code section.
func diffBundle(dir string) (*schemas.Manifest, []byte, error) {
	diffBundles.Lock()
	defer diffBundles.Unlock()
	if b, ok := diffBundles.built[dir]; ok {
		return b.m, b.code, nil
	}
	m, blob, err := schemas.BuildArtifact(dir)
	if err != nil {
		return nil, nil, err
	}
	art, err := schemas.DecodeArtifact(blob)
	if err != nil {
		return nil, nil, err
	}
	if diffBundles.built == nil {
		diffBundles.built = map[string]diffBuilt{}
	}
	diffBundles.built[dir] = diffBuilt{m, art.Section(schemas.SectionCode)}
	return m, art.Section(schemas.SectionCode), nil
}

// vaultPeer deploys dir to node n with the vault CLI and activates it,
// waiting until the node serves it. A refusal is returned, not fatal: the
// app's requests then count as mismatches, and the other apps still run.
func vaultPeer(e *env, n *node, dir string) error {
	out, errs, code := e.vault(n.server(), "deploy", dir)
	if code != 0 {
		return fmt.Errorf("vault deploy %s: exit %d: %s%s", dir, code, out, errs)
	}
	ref, _, _ := strings.Cut(strings.TrimSpace(out), " ")
	out, errs, code = e.vault(n.server(), "activate", ref, "--wait")
	if code != 0 {
		return fmt.Errorf("vault activate %s --wait: exit %d: %s%s", ref, code, out, errs)
	}
	return nil
}

// diffUpstream is the loopback server the streams app's proxy fetches: a
// few fixed answers, one of them sent in chunks with flushes between, so
// the proxy's TransformStream sees more than one chunk, a multi-byte
// character split across two of them.
func diffUpstream(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Upstream-Id", "u-7")
		w.Header().Set("Cache-Control", "public, max-age=60")
		fmt.Fprintf(w, "hello from upstream, via %s, query %q\n", r.Header.Get("X-Via"), r.URL.RawQuery)
	})
	mux.HandleFunc("GET /chunks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		flusher, _ := w.(http.Flusher)
		parts := [][]byte{[]byte("first chunk, "), []byte("caf\xc3"), []byte("\xa9 split, "), []byte("last chunk\n")}
		for _, p := range parts {
			w.Write(p)
			if flusher != nil {
				flusher.Flush()
			}
		}
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		// 256 KiB in 4 KiB writes: many times an HTTP/2 window, so the
		// proxy's stream must move under flow control both ways.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		chunk := []byte(strings.Repeat("big body line, plain ascii\n", 152)[:4096])
		for range 64 {
			w.Write(chunk)
		}
	})
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "upstream has no such thing\n")
	})
	ln, err := net.Listen("tcp", freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
