package isolate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dop251/goja"
	"github.com/vault-runtime/vault/schemas"
)

// BenchmarkPeerApps is make bench-peers' suite in process: each app of
// examples/peers bundled as vault deploy bundles it, invoked warm with the
// request h2load sends, its answer read to the end. It leaves out the
// HTTP/2 server and the scheduler, so its profile is the JavaScript side
// alone. Apps with npm packages need make peers-deps first.
//
// With VAULT_JS_PROFILE=PREFIX each app's run also writes goja's own
// profile, by JavaScript function and line (bundle or vault:js/ file), to
// PREFIX-APP.prof: go tool pprof -top -lines PREFIX-sse.prof.
func BenchmarkPeerApps(b *testing.B) {
	secret := "bench-peers-jwt-secret-not-a-real-one"
	cases := []struct {
		app    string
		method string
		path   string
		header http.Header
		body   []byte
	}{
		{app: "hello", method: "GET", path: "/"},
		{app: "hello-url", method: "GET", path: "/greet"},
		{app: "hono", method: "GET", path: "/api/items/12", header: http.Header{"Origin": {"https://app.example.com"}}},
		{app: "jwt", method: "GET", path: "/me", header: http.Header{"Authorization": {"Bearer " + benchJWT(secret)}}},
		{app: "json", method: "POST", path: "/", header: http.Header{"Content-Type": {"application/json"}}, body: benchOrder(4096)},
		{app: "sse", method: "GET", path: "/events"},
	}
	for _, c := range cases {
		b.Run(c.app, func(b *testing.B) {
			p := compilePeerApp(b, c.app)
			req := &Request{ID: "r", Method: c.method, URL: "http://localhost" + c.path, Header: c.header, Body: c.body}
			if req.Header == nil {
				req.Header = http.Header{}
			}
			req.Header.Set("User-Agent", "h2load nghttp2/1.52.0")
			req.Header.Set("Accept", "*/*")
			ctx := context.Background()
			if prefix := os.Getenv("VAULT_JS_PROFILE"); prefix != "" {
				stop := jsProfile(b, prefix+"-"+c.app+".prof")
				defer stop()
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := p.Invoke(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				if resp.Status != 200 {
					b.Fatalf("status %d: %s", resp.Status, resp.Body)
				}
				if resp.Stream != nil {
					if _, err := io.ReadAll(resp.Stream); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// jsProfile starts goja's sampling profiler of JavaScript, written to
// path when the returned stop is called.
func jsProfile(b *testing.B, path string) (stop func()) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := goja.StartProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		goja.StopProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

// compilePeerApp bundles examples/peers/APP and compiles it with the
// manifest's vars and limits.
func compilePeerApp(b *testing.B, app string) *Program {
	b.Helper()
	dir := filepath.Join("..", "..", "examples", "peers", app)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
			b.Skipf("%s needs its npm packages: make peers-deps", dir)
		}
	}
	m, blob, err := schemas.BuildArtifact(dir)
	if err != nil {
		b.Fatal(err)
	}
	art, err := schemas.DecodeArtifact(blob)
	if err != nil {
		b.Fatal(err)
	}
	p, err := Compile(Config{Function: m.Name, Version: 1, Code: art.Section(schemas.SectionCode),
		SourceMap: art.Section(schemas.SectionSourceMap), Vars: m.Vars, Limits: m.Limits, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// benchJWT is the HS256 token of BenchmarkPeers/jwt.
func benchJWT(secret string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := enc.EncodeToString([]byte(`{"iss":"https://issuer.example.com","aud":"bench","sub":"user-42","scope":"read:items","iat":1799990000,"exp":1800003600}`))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + enc.EncodeToString(mac.Sum(nil))
}

// benchOrder is a JSON order of about size bytes, like BenchmarkPeers/json's.
func benchOrder(size int) []byte {
	type item struct {
		ID    int     `json:"id"`
		Name  string  `json:"name"`
		Price float64 `json:"price"`
	}
	var items []item
	var out []byte
	for i := 1; ; i++ {
		name := fmt.Sprintf("item %03d", i)
		if i%7 == 0 {
			name += " café"
		}
		items = append(items, item{ID: i, Name: name, Price: float64(i*379%10000) / 100})
		next, _ := json.Marshal(map[string]any{"order": "bench-0001", "items": items})
		if len(next) > size {
			break
		}
		out = next
	}
	if pad := size - len(out); pad > 12 {
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		m["note"] = strings.Repeat("x", pad-10)
		out, _ = json.Marshal(m)
	}
	return out
}
