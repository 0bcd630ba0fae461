package integration

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const manifest = `name: greet
entry: index.ts
routes:
  - /greet/*
  - /boom
vars:
  WHO: world
`

func handler(version string) string {
	return `import { shout } from "./lib";
export default {
  async fetch(request: Request, env: { WHO: string }): Promise<Response> {
    if (request.url.endsWith("/boom")) throw new Error("kaboom");
    return new Response(shout("` + version + ` hello " + env.WHO + " " + request.method));
  },
};
`
}

const lib = "export function shout(s: string): string { return s.toUpperCase(); }\n"

// TestDeployActivateServe walks the whole skeleton: init, serve, deploy,
// activate, h2c and TLS requests, a second version, a restart, bad input.
func TestDeployActivateServe(t *testing.T) {
	e := newEnv(t)
	out := e.mustVault("", "init", "--data", e.data)
	if !strings.Contains(out, "initialised "+e.data) {
		t.Fatalf("init output: %q", out)
	}
	t.Run("InitTwiceChangesNothing", func(t *testing.T) {
		before := treeDigest(t, e.data)
		_, errs, code := e.vault("", "init", "--data", e.data)
		if code == 0 || !strings.Contains(errs, "already initialised") {
			t.Fatalf("second init: exit %d, stderr %q", code, errs)
		}
		if treeDigest(t, e.data) != before {
			t.Fatal("second init changed the data directory")
		}
	})
	t.Run("DataDirIsPrivate", func(t *testing.T) {
		for _, p := range []string{e.data, filepath.Join(e.data, "node.key"), filepath.Join(e.config, "operator.key")} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %v, want no group/other access", p, st.Mode().Perm())
			}
		}
	})

	n := e.serve(nodeOptions{tls: true})
	srv := n.server()

	t.Run("SecondServeOnSameDataFails", func(t *testing.T) {
		_, errs, code := e.vault("", "serve", "--data", e.data, "--listen", freeAddr(t), "--nats-listen", freeAddr(t))
		if code == 0 || !strings.Contains(errs, "in use by another vault serve") {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
	})

	fn := e.writeFunction("greet", map[string]string{"vault.yaml": manifest, "index.ts": handler("v1"), "lib.ts": lib})
	// The version, then the URLs where it answers once activated (issue 23).
	if got := e.mustVault(srv, "deploy", fn); !regexp.MustCompile(`^greet@v1 \(seq \d+\)\n(  https?://\S+/greet/ \(once active: vault activate greet@v1\)\n)`).MatchString(got) {
		t.Fatalf("deploy output %q", got)
	}
	t.Run("NotServedBeforeActivation", func(t *testing.T) {
		if r := get(t, h2cClient(), "http://"+n.h2c+"/greet/x"); r.status != 404 {
			t.Fatalf("status %d before activation, want 404", r.status)
		}
	})
	e.mustVault(srv, "activate", "greet@v1")

	t.Run("H2C", func(t *testing.T) {
		r := get(t, h2cClient(), "http://"+n.h2c+"/greet/there")
		if r.status != 200 || r.body != "V1 HELLO WORLD GET" || r.proto != "HTTP/2.0" {
			t.Fatalf("got %d %s %q", r.status, r.proto, r.body)
		}
		if r.header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id header")
		}
	})
	t.Run("TLS13", func(t *testing.T) {
		r := get(t, e.tlsClient(), "https://"+n.tls+"/greet/there")
		if r.status != 200 || r.body != "V1 HELLO WORLD GET" || r.proto != "HTTP/2.0" {
			t.Fatalf("got %d %s %q", r.status, r.proto, r.body)
		}
		if r.tls.Version != 0x0304 || r.tls.NegotiatedProtocol != "h2" {
			t.Fatalf("TLS version %x ALPN %q, want TLS 1.3 and h2", r.tls.Version, r.tls.NegotiatedProtocol)
		}
	})
	t.Run("HTTP1Gets505", func(t *testing.T) {
		for _, addr := range []string{n.h2c} {
			status, body := http1Get(t, addr, "/greet/x")
			if status != 505 || !strings.Contains(body, "HTTP/2 only") {
				t.Fatalf("HTTP/1.1 got %d %q", status, body)
			}
		}
	})
	t.Run("UnmatchedRouteGets404", func(t *testing.T) {
		if r := get(t, h2cClient(), "http://"+n.h2c+"/elsewhere"); r.status != 404 {
			t.Fatalf("status %d, want 404", r.status)
		}
	})
	t.Run("ExceptionGets500WithRequestID", func(t *testing.T) {
		r := get(t, h2cClient(), "http://"+n.h2c+"/boom")
		id := r.header.Get("X-Request-Id")
		if r.status != 500 || id == "" || !strings.Contains(r.body, id) {
			t.Fatalf("got %d %q (request id %q)", r.status, r.body, id)
		}
		// The node survives and keeps serving.
		if r := get(t, h2cClient(), "http://"+n.h2c+"/greet/x"); r.status != 200 {
			t.Fatalf("after an exception: %d", r.status)
		}
		if !strings.Contains(n.stderr.String(), "kaboom") || !strings.Contains(n.stderr.String(), id) {
			t.Error("the node's log does not carry the exception with its request id")
		}
	})

	head := ledgerSeq(t, e, srv)
	t.Run("BadManifestNamesFileLineCol", func(t *testing.T) {
		bad := e.writeFunction("bad", map[string]string{
			"vault.yaml": "name: bad\nentry: index.ts\nroutes:\n  - /ok\n  - no-slash\nlimits:\n  wall_ms: soon\n",
			"index.ts":   handler("bad"),
		})
		_, errs, code := e.vault(srv, "deploy", bad)
		want := []string{
			filepath.Join(bad, "vault.yaml") + ":5:5: route \"no-slash\": path must start with /",
			filepath.Join(bad, "vault.yaml") + ":7:12: limit wall_ms must be a positive whole number",
		}
		for _, w := range want {
			if !strings.Contains(errs, w) {
				t.Errorf("stderr lacks %q:\n%s", w, errs)
			}
		}
		if code == 0 {
			t.Error("deploy of a bad manifest exited 0")
		}
		if got := ledgerSeq(t, e, srv); got != head {
			t.Fatalf("ledger moved from %d to %d on a rejected deploy", head, got)
		}
	})
	t.Run("BadCodeNamesFileLineCol", func(t *testing.T) {
		bad := e.writeFunction("badcode", map[string]string{
			"vault.yaml": "name: badcode\nentry: index.ts\nroutes: [/x]\n",
			"index.ts":   "export default {\n  fetch() { return new Response(\"x\" }\n};\n",
		})
		_, errs, code := e.vault(srv, "deploy", bad)
		if code == 0 || !strings.Contains(errs, filepath.Join(bad, "index.ts")+":2:") {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
		if got := ledgerSeq(t, e, srv); got != head {
			t.Fatalf("ledger moved from %d to %d on a rejected deploy", head, got)
		}
	})

	e.writeFunction("greet", map[string]string{"index.ts": handler("v2")})
	if got := e.mustVault(srv, "deploy", fn); !strings.HasPrefix(got, "greet@v2 ") {
		t.Fatalf("second deploy output %q", got)
	}
	if r := get(t, h2cClient(), "http://"+n.h2c+"/greet/x"); r.body != "V1 HELLO WORLD GET" {
		t.Fatalf("v1 must serve until v2 is activated, got %q", r.body)
	}
	e.mustVault(srv, "activate", "greet@v2")
	if r := get(t, h2cClient(), "http://"+n.h2c+"/greet/x"); r.body != "V2 HELLO WORLD GET" {
		t.Fatalf("after activating v2 got %q", r.body)
	}
	t.Run("ActivateUnknownVersionRefused", func(t *testing.T) {
		_, errs, code := e.vault(srv, "activate", "greet@v9")
		if code == 0 || !strings.Contains(errs, "v1..v2") {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
	})
	ls := e.mustVault(srv, "ls")
	if !regexp.MustCompile(`greet\s+v2\s+active`).MatchString(ls) || !strings.Contains(ls, "/greet/*") {
		t.Fatalf("ls output:\n%s", ls)
	}

	t.Run("RestartServesV2WithoutRedeploy", func(t *testing.T) {
		before := ledgerSeq(t, e, srv)
		n.stop()
		n2 := e.serve(nodeOptions{})
		if r := get(t, h2cClient(), "http://"+n2.h2c+"/greet/x"); r.status != 200 || r.body != "V2 HELLO WORLD GET" {
			t.Fatalf("after restart got %d %q", r.status, r.body)
		}
		if got := ledgerSeq(t, e, n2.server()); got != before {
			t.Fatalf("ledger head %d after restart, was %d", got, before)
		}
		if !strings.Contains(n2.stderr.String(), "projector restored") {
			t.Error("restart replayed from scratch instead of restoring the persisted state")
		}
		n2.stop()
	})
}

// ledgerSeq reads the node's applied sequence through `vault ls --json`.
func ledgerSeq(t *testing.T, e *env, server string) uint64 {
	t.Helper()
	var snap struct {
		State struct {
			Seq uint64 `json:"seq"`
		} `json:"state"`
	}
	if err := json.Unmarshal([]byte(e.mustVault(server, "ls", "--json")), &snap); err != nil {
		t.Fatal(err)
	}
	return snap.State.Seq
}

// http1Get sends a raw HTTP/1.1 request and returns status and body.
func http1Get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
	var status int
	buf := make([]byte, 4096)
	n, _ := conn.Read(buf)
	resp := string(buf[:n])
	fmt.Sscanf(resp, "HTTP/1.1 %d", &status)
	_, body, _ := strings.Cut(resp, "\r\n\r\n")
	return status, body
}

// treeDigest hashes every file's path and content below dir.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		fmt.Fprintf(h, "%s\x00%x\x00", p, sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
