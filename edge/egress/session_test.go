package egress

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// newTestClient gives a Client whose resolver knows only hosts (name to
// comma-separated addresses), so no test asks DNS or reads /etc/hosts.
func newTestClient(t *testing.T, patterns []string, hosts map[string]string) *Client {
	t.Helper()
	p, err := NewPolicy(patterns)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(p, slog.New(slog.DiscardHandler))
	c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		list, ok := hosts[host]
		if !ok {
			return nil, fmt.Errorf("test resolver: no such host %s", host)
		}
		var ips []netip.Addr
		for s := range strings.SplitSeq(list, ",") {
			ips = append(ips, netip.MustParseAddr(s))
		}
		return ips, nil
	}
	// Whatever a regression lets through, a test never connects beyond
	// loopback.
	control := c.dialer.Control
	c.dialer.Control = func(network, address string, raw syscall.RawConn) error {
		if ap, err := netip.ParseAddrPort(address); err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("test dialed %s, which is not loopback", address)
			return errors.New("test: only loopback")
		}
		return control(network, address, raw)
	}
	t.Cleanup(c.Close)
	return c
}

// server is a loopback HTTP server that counts its requests and its new
// connections.
type server struct {
	*httptest.Server
	hits, conns atomic.Int64
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *server) port() string { return strconv.Itoa(s.Listener.Addr().(*net.TCPAddr).Port) }

// echo answers with what it received, in X-Got-* headers and the body.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Got-Method", r.Method)
	w.Header().Set("X-Got-Host", r.Host)
	w.Header().Set("X-Got-Proto", r.Proto)
	w.Header()["X-Got-Ua"] = r.Header["User-Agent"]
	w.Header()["X-Got-Custom"] = r.Header["X-Custom"]
	w.Header()["X-Got-Secret"] = r.Header["X-Secret"]
	w.Header().Set("Upgrade", "h2c") // hop-by-hop: must not reach the function
	w.WriteHeader(http.StatusCreated)
	_, _ = io.Copy(w, r.Body)
}

func TestFetch(t *testing.T) {
	srv := newServer(t, echo)
	c := newTestClient(t, []string{"127.0.0.1"}, nil)

	resp, err := c.Session(Limits{}).Fetch(context.Background(), &Request{
		Method: "post", URL: srv.URL + "/hello#frag", Body: []byte("ping"),
		Header: http.Header{
			"x-custom": {"1"}, "Connection": {"X-Secret"}, "X-Secret": {"s"},
			"Keep-Alive": {"timeout=5"}, "Host": {"evil.example"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"X-Got-Method": "POST", "X-Got-Host": "127.0.0.1:" + srv.port(), "X-Got-Ua": UserAgent,
		"X-Got-Custom": "1", "X-Got-Secret": "", "Upgrade": "",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if resp.Status != 201 || resp.StatusText != "Created" || string(resp.Body) != "ping" ||
		resp.URL != srv.URL+"/hello" || resp.Redirected {
		t.Errorf("response = %d %q, body %q, URL %s, redirected %v", resp.Status, resp.StatusText, resp.Body, resp.URL, resp.Redirected)
	}

	// A second invocation reuses the connection, and the function's own
	// User-Agent is kept.
	resp, err = c.Session(Limits{}).Fetch(context.Background(), &Request{URL: srv.URL, Header: http.Header{"User-Agent": {"mine"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("X-Got-Ua"); got != "mine" {
		t.Errorf("User-Agent = %q, want the function's", got)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections for two fetches, want 1 (reuse)", n)
	}
}

func TestFetchLocalhost(t *testing.T) {
	srv := newServer(t, echo)
	c := newTestClient(t, []string{"localhost"}, nil) // no resolver entry: localhost never asks DNS
	resp, err := c.Session(Limits{}).Fetch(context.Background(), &Request{URL: "http://localhost:" + srv.port() + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 {
		t.Errorf("status %d", resp.Status)
	}
}

// TestFetchGrantedByName: a listed name that resolves to a private
// address is reachable when a pattern grants the address too.
func TestFetchGrantedByName(t *testing.T) {
	srv := newServer(t, echo)
	for _, grant := range []string{"127.0.0.0/8", "127.0.0.1:" + srv.port(), "localhost"} {
		t.Run(grant, func(t *testing.T) {
			c := newTestClient(t, []string{"api.example.com", grant}, map[string]string{"api.example.com": "127.0.0.1"})
			resp, err := c.Session(Limits{}).Fetch(context.Background(), &Request{URL: "http://api.example.com:" + srv.port() + "/"})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("X-Got-Host"); got != "api.example.com:"+srv.port() {
				t.Errorf("Host = %q, want the name, not the address", got)
			}
		})
	}
}

func TestFetchHTTPS(t *testing.T) {
	var serverName atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serverName.Store(r.TLS.ServerName)
		echo(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)

	c := newTestClient(t, []string{"example.com", "127.0.0.1"}, map[string]string{"example.com": "127.0.0.1"})
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	c.transport.TLSClientConfig.RootCAs = roots
	resp, err := c.Session(Limits{}).Fetch(context.Background(), &Request{URL: "https://example.com:" + port + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("X-Got-Proto"); got != "HTTP/2.0" {
		t.Errorf("proto %q, want HTTP/2.0", got)
	}
	if got := serverName.Load(); got != "example.com" {
		t.Errorf("SNI %q, want the name: the certificate is checked against it, not the dialed address", got)
	}
}

// TestFetchIgnoresProxyEnvironment: a proxy would be dialed instead of the
// destination, so the dial-time checks would test the wrong address.
func TestFetchIgnoresProxyEnvironment(t *testing.T) {
	proxy := newServer(t, echo)
	srv := newServer(t, echo)
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	c := newTestClient(t, []string{"api.example.com", "127.0.0.1"}, map[string]string{"api.example.com": "127.0.0.1"})
	if _, err := c.Session(Limits{}).Fetch(context.Background(), &Request{URL: "http://api.example.com:" + srv.port() + "/"}); err != nil {
		t.Fatal(err)
	}
	if proxy.hits.Load() != 0 || srv.hits.Load() != 1 {
		t.Errorf("proxy hit %d times, destination %d", proxy.hits.Load(), srv.hits.Load())
	}
}

func TestLimitsFrom(t *testing.T) {
	if got, want := (Limits{}).withDefaults(), (Limits{Subrequests: 50, ResponseBytes: 8 << 20, Timeout: 10 * time.Second}); got != want {
		t.Errorf("default limits = %+v, want %+v", got, want)
	}
}
