package isolate

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// TestWorkersModule: cloudflare:workers, bundled as vault deploy bundles
// it and imported as hono/logger does (await import), gives the env
// object the handler receives and a waitUntil that extends the current
// invocation like ctx.waitUntil; the global it reads is not enumerable.
func TestWorkersModule(t *testing.T) {
	code, sm := bundleFiles(t, map[string]string{"index.js": `
export default {
  async fetch(request, env, ctx) {
    const w = await import("cloudflare:workers");
    w.waitUntil(new Promise((ok) => setTimeout(ok, 5)).then(() => console.log("waited for " + new URL(request.url).pathname)));
    return Response.json({
      same: w.env === env, greeting: w.env.GREETING,
      enumerable: Object.keys(globalThis).some((k) => k.includes("workers")),
      hidden: Object.getOwnPropertySymbols(globalThis).map(String).some((n) => n.includes("cloudflare:workers")),
    });
  },
};`})
	var mu sync.Mutex
	var logs []string
	sink := sinkFunc(func(e LogEntry) { mu.Lock(); logs = append(logs, e.Message); mu.Unlock() })
	p, err := Compile(Config{Function: "w", Version: 1, Code: code, SourceMap: sm, Vars: map[string]string{"GREETING": "hi"},
		Logger: discardLogger(), Logs: sink, Limits: roomyCPU(schemas.Limits{})})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(resp.Body), `{"same":true,"greeting":"hi","enumerable":false,"hidden":true}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(logs, "\n")
		mu.Unlock()
		if got == "waited for /p" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the module's waitUntil work never ran; logs %q", got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestWorkersModuleAtTopLevel: a static import gives the top level the
// function's vars before the handler exists.
func TestWorkersModuleAtTopLevel(t *testing.T) {
	code, sm := bundleFiles(t, map[string]string{"index.js": `
import { env } from "cloudflare:workers";
const greeting = env.GREETING + " from the top level";
export default { fetch(request, handlerEnv) { return new Response(greeting + ", " + handlerEnv.GREETING + " from the handler"); } };`})
	p, err := Compile(Config{Function: "w", Version: 1, Code: code, SourceMap: sm, Vars: map[string]string{"GREETING": "hi"},
		Logger: discardLogger(), Limits: roomyCPU(schemas.Limits{})})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(resp.Body), "hi from the top level, hi from the handler"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
}

func TestWorkersModuleAtTopLevelIsTheHandlersEnv(t *testing.T) {
	code, sm := bundleFiles(t, map[string]string{"index.js": `
import { env } from "cloudflare:workers";
export default { fetch(request, handlerEnv) { return new Response(String(env === handlerEnv)); } };`})
	p, err := Compile(Config{Function: "w", Version: 1, Code: code, SourceMap: sm, Logger: discardLogger(), Limits: roomyCPU(schemas.Limits{})})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if resp, err := invoke(t, p, "GET", ""); err != nil || string(resp.Body) != "true" {
			t.Fatalf("invoke %d: %v %v", i, resp, err)
		}
	}
}
