package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWorkersModuleEndToEnd deploys a TypeScript module that imports a
// relative file and a package from node_modules and uses the Web APIs a
// Workers function expects, and checks a throw deep in the imported file is
// logged with the original file and line.
func TestWorkersModuleEndToEnd(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"upstream": "`+r.URL.Path+`"}`)
	}))
	defer upstream.Close()

	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	dir := e.writeFunction("api", map[string]string{
		"vault.yaml": "name: api\nentry: src/index.ts\nroutes: [/api/*]\negress: [127.0.0.1]\nvars:\n  UPSTREAM: " + upstream.URL + "\n",
		"src/index.ts": `import { shout } from "./lib/words";
import { pad } from "tiny-pad";

interface Env { UPSTREAM: string }

export default {
  async fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/api/boom") {
      return shout("");
    }
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    const up = await (await fetch(env.UPSTREAM + "/from-vault")).json();
    await new Promise((ok) => setTimeout(ok, 5));
    ctx.waitUntil(Promise.resolve());
    return Response.json({
      who: shout(url.searchParams.get("name") ?? "nobody"),
      padded: pad("7", 3),
      sha: hex.slice(0, 8),
      upstream: up.upstream,
      b64: btoa("vault"),
      id: crypto.randomUUID().length,
    });
  },
};
`,
		"src/lib/words.ts": `export function shout(s: string): string {
  if (s === "") {
    throw new Error("nothing to shout");
  }
  return s.toUpperCase() + "!";
}
`,
		"node_modules/tiny-pad/package.json": `{"name": "tiny-pad", "version": "1.0.0", "main": "index.js"}`,
		"node_modules/tiny-pad/index.js":     "exports.pad = function (s, n) { while (s.length < n) s = '0' + s; return s; };\n",
	})
	e.mustVault(srv, "deploy", dir)
	e.mustVault(srv, "activate", "api@v1")

	c := h2cClient()
	r := get(t, c, "http://"+n.h2c+"/api/hello?name=ada")
	want := `{"who":"ADA!","padded":"007","sha":"ba7816bf","upstream":"/from-vault","b64":"dmF1bHQ=","id":36}`
	if r.status != http.StatusOK || r.body != want {
		t.Fatalf("got %d %s, want %s", r.status, r.body, want)
	}

	r = get(t, c, "http://"+n.h2c+"/api/boom")
	id := r.header.Get("X-Request-Id")
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, id) {
		t.Fatalf("boom: %d %q, want 500 with request id %s", r.status, r.body, id)
	}
	// The stack names the TypeScript sources, not the bundle.
	n.waitLog(t, "nothing to shout")
	log := n.stderr.String()
	for _, frame := range []string{"src/lib/words.ts:3", "src/index.ts:10"} {
		if !strings.Contains(log, frame) {
			t.Errorf("the logged stack lacks %s:\n%s", frame, log)
		}
	}
}
