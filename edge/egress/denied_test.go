package egress

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestFetchDenied(t *testing.T) {
	srv := newServer(t, echo)
	port := srv.port()
	tests := []struct {
		name     string
		patterns []string
		hosts    map[string]string
		url      string
		msg      string
	}{
		{"NotListed", []string{"api.example.com"}, nil, "http://evil.example/", "egress to evil.example is not in the function's allow-list"},
		{"LoopbackBehindListedName", []string{"api.example.com"}, map[string]string{"api.example.com": "127.0.0.1"},
			"http://api.example.com:" + port + "/", "egress to api.example.com:" + port + ": it resolves to 127.0.0.1, which is a loopback address"},
		{"MappedLoopbackBehindListedName", []string{"api.example.com"}, map[string]string{"api.example.com": "::ffff:127.0.0.1"},
			"http://api.example.com:" + port + "/", "it resolves to 127.0.0.1, which is a loopback address"},
		{"NAT64LoopbackBehindListedName", []string{"api.example.com"}, map[string]string{"api.example.com": "64:ff9b::7f00:1"},
			"http://api.example.com:" + port + "/", "the NAT64 form of a loopback address"},
		{"OneLoopbackAmongPublic", []string{"api.example.com"}, map[string]string{"api.example.com": "203.0.113.9,127.0.0.1"},
			"http://api.example.com:" + port + "/", "it resolves to 127.0.0.1"},
		{"MetadataBehindListedName", []string{"*.example.com"}, map[string]string{"meta.example.com": "169.254.169.254"},
			"http://meta.example.com/", "it resolves to 169.254.169.254, which is the cloud metadata address"},
		{"MetadataIP", []string{"*.example.com"}, nil, "http://169.254.169.254/latest/meta-data/", "egress to 169.254.169.254 is not"},
		{"MetadataName", []string{"*.google.internal"}, map[string]string{"metadata.google.internal": "127.0.0.1"},
			"http://metadata.google.internal:" + port + "/", "cloud metadata endpoints are never reachable"},
		{"MappedLoopbackLiteral", []string{"::/0", "api.example.com"}, nil, "http://[::ffff:127.0.0.1]:" + port + "/", "egress to [::ffff:127.0.0.1]:" + port + " is not"},
		{"DecimalIP", []string{"127.0.0.1"}, nil, "http://2130706433:" + port + "/", "the IPv4 address 127.0.0.1 in an unusual notation"},
		{"OctalIP", []string{"127.0.0.1"}, nil, "http://0177.0.0.1:" + port + "/", "the IPv4 address 127.0.0.1 in an unusual notation"},
		{"OtherPort", []string{"127.0.0.1:1"}, nil, srv.URL, "egress to 127.0.0.1:" + port + " is not"},
		{"LoopbackGrantOnOtherPort", []string{"api.example.com", "localhost:1"}, map[string]string{"api.example.com": "127.0.0.1"},
			"http://api.example.com:" + port + "/", "loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c := newTestClient(t, tt.patterns, tt.hosts)
			c.log = slog.New(slog.NewTextHandler(&logs, nil)).With("fn", "hello")
			_, err := c.Session(Limits{}).Fetch(context.Background(), &Request{URL: tt.url})
			if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Fetch(%s) = %v, want ErrDenied with %q", tt.url, err, tt.msg)
			}
			if !strings.Contains(logs.String(), `msg="egress denied" fn=hello host=`) {
				t.Errorf("log %q lacks the denial with the function's name", logs.String())
			}
		})
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("denied fetches reached the server %d times", n)
	}
}

func TestFetchRedirectDenied(t *testing.T) {
	target := newServer(t, echo)
	tests := []struct {
		name     string
		patterns []string
		location string
		want     error
		msg      string
	}{
		{"ToNotListed", nil, "http://evil.example/x", ErrDenied, "egress to evil.example is not"},
		{"ToOtherPort", nil, target.URL, ErrDenied, "egress to 127.0.0.1:" + target.port() + " is not"},
		{"ToPrivateByName", []string{"*.example.com"}, "http://internal.example.com/", ErrDenied, "it resolves to 10.1.2.3, which is a private address"},
		{"ToLoopbackByName", []string{"*.example.com"}, "http://sneaky.example.com:" + target.port() + "/", ErrDenied, "it resolves to 127.0.0.1, which is a loopback address"},
		{"ToMetadataIP", []string{"*.example.com"}, "http://169.254.169.254/latest/meta-data/", ErrDenied, "egress to 169.254.169.254 is not"},
		{"ToMappedLoopback", []string{"::/0"}, "http://[::ffff:127.0.0.1]:" + target.port() + "/", ErrDenied, "is not in the function's allow-list"},
		{"ToDecimalIP", nil, "http://2130706433:" + target.port() + "/", ErrDenied, "unusual notation"},
		{"ToFile", nil, "file:///etc/passwd", ErrBadRequest, `not "file:"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.location, http.StatusFound)
			})
			c := newTestClient(t, append([]string{"127.0.0.1:" + origin.port()}, tt.patterns...),
				map[string]string{"internal.example.com": "10.1.2.3", "sneaky.example.com": "127.0.0.1"})
			_, err := c.Session(Limits{}).Fetch(context.Background(), &Request{URL: origin.URL})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Fetch = %v, want %v with %q", err, tt.want, tt.msg)
			}
			if origin.hits.Load() != 1 {
				t.Errorf("origin hit %d times", origin.hits.Load())
			}
		})
	}
	if n := target.hits.Load(); n != 0 {
		t.Errorf("denied redirects reached the target %d times", n)
	}
}

// redirector serves /hop/N, which redirects to /hop/N-1, and /hop/0,
// which echoes; /loop redirects forever.
func redirector(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/loop" {
		http.Redirect(w, r, "/loop", http.StatusFound)
		return
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
	if n == 0 {
		echo(w, r)
		return
	}
	code := http.StatusFound
	if r.Method == "POST" {
		code = http.StatusTemporaryRedirect // keeps method and body
	}
	http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), code)
}

func TestFetchRedirect(t *testing.T) {
	srv := newServer(t, redirector)
	c := newTestClient(t, []string{"127.0.0.1"}, nil)
	ctx := context.Background()

	t.Run("Follow", func(t *testing.T) {
		resp, err := c.Session(Limits{Subrequests: 3}).Fetch(ctx, &Request{Method: "POST", URL: srv.URL + "/hop/2", Body: []byte("again")})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Redirected || resp.URL != srv.URL+"/hop/0" || string(resp.Body) != "again" || resp.Header.Get("X-Got-Method") != "POST" {
			t.Errorf("redirected %v to %s, body %q, method %s", resp.Redirected, resp.URL, resp.Body, resp.Header.Get("X-Got-Method"))
		}
	})
	t.Run("ErrTooManySubrequests", func(t *testing.T) {
		_, err := c.Session(Limits{Subrequests: 2}).Fetch(ctx, &Request{URL: srv.URL + "/hop/2"})
		if !errors.Is(err, ErrTooManySubrequests) || !strings.Contains(err.Error(), "used its 2 subrequests") {
			t.Errorf("Fetch = %v, want ErrTooManySubrequests: each hop counts", err)
		}
	})
	t.Run("Manual", func(t *testing.T) {
		resp, err := c.Session(Limits{}).Fetch(ctx, &Request{URL: srv.URL + "/hop/1", Redirect: "manual"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusFound || resp.Header.Get("Location") != "/hop/0" || resp.Redirected || resp.URL != srv.URL+"/hop/1" {
			t.Errorf("manual: %d, Location %q, redirected %v, URL %s", resp.Status, resp.Header.Get("Location"), resp.Redirected, resp.URL)
		}
	})
	t.Run("ErrRedirectModeError", func(t *testing.T) {
		_, err := c.Session(Limits{}).Fetch(ctx, &Request{URL: srv.URL + "/hop/1", Redirect: "error"})
		if !errors.Is(err, ErrRedirect) {
			t.Errorf("Fetch = %v, want ErrRedirect", err)
		}
	})
	t.Run("ErrRedirectLoop", func(t *testing.T) {
		before := srv.hits.Load()
		_, err := c.Session(Limits{Subrequests: 100}).Fetch(ctx, &Request{URL: srv.URL + "/loop"})
		if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "more than 20 redirects") {
			t.Errorf("Fetch = %v, want ErrRedirect after 20", err)
		}
		if n := srv.hits.Load() - before; n != 21 {
			t.Errorf("%d requests, want 21 (the first and 20 redirects)", n)
		}
	})
}
