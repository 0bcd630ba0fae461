package devloop

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is Out for a test: Run writes from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const fnManifest = "name: greet\nentry: src/index.ts\nroutes:\n  - /*\n"

func fnSource(answer string) string {
	return `export default {
  async fetch(request: Request): Promise<Response> {
    console.log("serving " + new URL(request.url).pathname);
    return new Response("` + answer + `");
  },
};
`
}

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestRunRedeploysOnSave(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "vault.yaml"), []byte(fnManifest), 0o644)
	entry := filepath.Join(dir, "src", "index.ts")
	os.WriteFile(entry, []byte(fnSource("one")), 0o644)

	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Dir: dir, TempDir: tmp, Out: out}) }()

	eventually(t, 30*time.Second, "no deploy of greet@v1:\n"+out.String(), func() bool {
		return strings.Contains(out.String(), "deployed greet@v1")
	})
	addr := regexp.MustCompile(`http  http://([0-9.:]+)/`).FindStringSubmatch(out.String())
	if addr == nil {
		t.Fatalf("no front address printed:\n%s", out)
	}
	url := "http://" + addr[1] + "/some/path"
	if got := get(url); got != "one" {
		t.Fatalf("first answer %q, want one", got)
	}
	eventually(t, 5*time.Second, "the request and its console line were not printed:\n"+out.String(), func() bool {
		s := out.String()
		return strings.Contains(s, "GET /some/path 200") && strings.Contains(s, "greet@v1 info: serving /some/path")
	})

	t.Run("EditServes", func(t *testing.T) {
		os.WriteFile(entry, []byte(fnSource("two")), 0o644)
		// integration's TestDevLoop holds the real binary to a second; here
		// the race detector and a shared machine get more.
		eventually(t, 5*time.Second, "the edit is not served", func() bool { return get(url) == "two" })
	})
	t.Run("CompileErrorKeepsOldVersion", func(t *testing.T) {
		os.WriteFile(entry, []byte("export default {\n  fetch( {\n"), 0o644)
		pos := regexp.MustCompile(`error \(greet@v2 keeps serving\):\n(?s:.*)src/index\.ts:\d+:\d+: `)
		eventually(t, 5*time.Second, "no error with file:line:col:\n"+out.String(), func() bool { return pos.MatchString(out.String()) })
		if got := get(url); got != "two" {
			t.Errorf("after a bad save the answer is %q, want two (the version before)", got)
		}
	})
	t.Run("OldCodeServesItsVersion", func(t *testing.T) {
		os.WriteFile(entry, []byte(fnSource("one")), 0o644)
		eventually(t, 5*time.Second, "v1 is not served again:\n"+out.String(), func() bool {
			return strings.Contains(out.String(), "serving again greet@v1") && get(url) == "one"
		})
	})
	t.Run("SaveWithoutCodeChangeIsUnchanged", func(t *testing.T) {
		os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("not code\n"), 0o644)
		eventually(t, 5*time.Second, "no word that nothing changed:\n"+out.String(), func() bool {
			return strings.Contains(out.String(), "unchanged: greet@v1 serves this code already")
		})
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the data directory is still there: %v", entries)
	}
	if !strings.Contains(out.String(), "removed "+tmp) {
		t.Errorf("no word of the removal:\n%s", out)
	}
}

func TestValidate(t *testing.T) {
	if err := (Config{Dir: t.TempDir()}).Validate(); err == nil || !strings.Contains(err.Error(), "vault.yaml") {
		t.Errorf("a directory without vault.yaml: err = %v", err)
	}
	if err := (Config{}).Validate(); err == nil {
		t.Error("no directory: no error")
	}
}
