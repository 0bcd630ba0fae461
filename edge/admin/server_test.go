package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// start serves reg and ready on a loopback port until the test ends.
func start(t *testing.T, reg prometheus.Gatherer, ready func() error) string {
	t.Helper()
	s := New("127.0.0.1:0", reg, ready, nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return "http://" + s.Addr()
}

func do(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "vault_test_total", Help: "A test counter."})
	reg.MustRegister(c)
	c.Add(3)
	url := start(t, reg, nil) + "/metrics"

	t.Run("Text", func(t *testing.T) {
		resp, body := do(t, "GET", url, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if !strings.Contains(body, "\nvault_test_total 3\n") {
			t.Errorf("no vault_test_total 3 in:\n%s", body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("OpenMetrics", func(t *testing.T) {
		// What Prometheus 2.x sends.
		accept := "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
			"text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
		resp, body := do(t, "GET", url, http.Header{"Accept": {accept}})
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
			t.Errorf("Content-Type %q", ct)
		}
		if !strings.Contains(body, "vault_test_total 3") || !strings.HasSuffix(body, "# EOF\n") {
			t.Errorf("not OpenMetrics with vault_test_total 3:\n%s", body)
		}
	})
	t.Run("Head", func(t *testing.T) {
		resp, body := do(t, "HEAD", url, nil)
		if resp.StatusCode != http.StatusOK || body != "" {
			t.Errorf("HEAD: %d %q", resp.StatusCode, body)
		}
	})
}

func TestProbes(t *testing.T) {
	var notReady atomic.Pointer[error]
	paused := errors.New("draining")
	notReady.Store(&paused)
	ready := func() error {
		if p := notReady.Load(); p != nil {
			return *p
		}
		return nil
	}
	base := start(t, prometheus.NewRegistry(), ready)

	check := func(t *testing.T, path string, code int, body string) {
		t.Helper()
		resp, got := do(t, "GET", base+path, nil)
		if resp.StatusCode != code || got != body {
			t.Errorf("GET %s = %d %q, want %d %q", path, resp.StatusCode, got, code, body)
		}
	}
	t.Run("Healthz", func(t *testing.T) { check(t, "/healthz", 200, "ok\n") })
	t.Run("NotReady", func(t *testing.T) { check(t, "/readyz", 503, "not ready: draining\n") })
	t.Run("Ready", func(t *testing.T) {
		notReady.Store(nil)
		check(t, "/readyz", 200, "ready\n")
	})
	t.Run("NotReadyAgain", func(t *testing.T) {
		behind := errors.New("applied 40 of 42")
		notReady.Store(&behind)
		check(t, "/readyz", 503, "not ready: applied 40 of 42\n")
	})
	t.Run("NilReadyIsReady", func(t *testing.T) {
		resp, body := do(t, "GET", start(t, prometheus.NewRegistry(), nil)+"/readyz", nil)
		if resp.StatusCode != 200 || body != "ready\n" {
			t.Errorf("%d %q", resp.StatusCode, body)
		}
	})
}

func TestRefused(t *testing.T) {
	base := start(t, prometheus.NewRegistry(), nil)
	tests := []struct {
		name, method, path string
		code               int
	}{
		{"NotFound", "GET", "/", 404},
		{"NotFoundUnderMetrics", "GET", "/metrics/x", 404},
		{"NotFoundPost", "POST", "/debug", 404},
		{"MethodNotAllowedPost", "POST", "/metrics", 405},
		{"MethodNotAllowedPut", "PUT", "/readyz", 405},
		{"MethodNotAllowedDelete", "DELETE", "/healthz", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := do(t, tt.method, base+tt.path, nil)
			if resp.StatusCode != tt.code {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.code)
			}
			if tt.code == 405 {
				if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
					t.Errorf("Allow = %q, want GET, HEAD", allow)
				}
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	s := New("127.0.0.1:0", prometheus.NewRegistry(), nil, nil)
	if s.Addr() != "" {
		t.Errorf("Addr before Start = %q", s.Addr())
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown before Start: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v, want ErrStarted", err)
	}
	addr := s.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Errorf("Addr = %q, want the bound loopback port", addr)
	}
	t.Run("BusyAddress", func(t *testing.T) {
		if err := New(addr, prometheus.NewRegistry(), nil, nil).Start(); err == nil {
			t.Error("a second server bound the same address")
		}
	})
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("served after Shutdown")
	}
}
