package egress

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFetchTooManySubrequests(t *testing.T) {
	srv := newServer(t, echo)
	c := newTestClient(t, []string{"127.0.0.1"}, nil)
	s := c.Session(Limits{Subrequests: 5})
	var wg sync.WaitGroup
	var ok, refused atomic.Int64
	for range 12 {
		wg.Go(func() {
			_, err := s.Fetch(context.Background(), &Request{URL: srv.URL})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrTooManySubrequests):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 || refused.Load() != 7 || srv.hits.Load() != 5 {
		t.Errorf("%d ok, %d refused, %d reached the server; want 5, 7, 5", ok.Load(), refused.Load(), srv.hits.Load())
	}
	if _, err := c.Session(Limits{Subrequests: 5}).Fetch(context.Background(), &Request{URL: srv.URL}); err != nil {
		t.Errorf("a new session has its own budget: %v", err)
	}
}

func TestFetchResponseTooLarge(t *testing.T) {
	const limit = 1000
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // no Content-Length
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		if n < 0 { // endless
			for {
				if _, err := w.Write(make([]byte, 32<<10)); err != nil {
					return
				}
			}
		}
		_, _ = w.Write(bytes.Repeat([]byte("x"), n))
	})
	c := newTestClient(t, []string{"127.0.0.1"}, nil)
	tests := []struct {
		name  string
		query string
		want  error
	}{
		{"AtLimit", "n=1000", nil},
		{"AtLimitChunked", "n=1000&chunked", nil},
		{"Empty", "n=0", nil},
		{"ErrResponseTooLargeAnnounced", "n=1001", ErrResponseTooLarge},
		{"ErrResponseTooLargeChunked", "n=1001&chunked", ErrResponseTooLarge},
		{"ErrResponseTooLargeEndless", "n=-1&chunked", ErrResponseTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Session(Limits{ResponseBytes: limit}).Fetch(context.Background(), &Request{URL: srv.URL + "/?" + tt.query})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Fetch = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "larger than the limit of 1000 bytes") {
				t.Errorf("message %q does not name the limit", err)
			}
			if err == nil && len(resp.Body) > limit {
				t.Errorf("body of %d bytes", len(resp.Body))
			}
		})
	}
}

func TestFetchTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
		}
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	c := newTestClient(t, []string{"127.0.0.1"}, nil)

	for _, path := range []string{"/head", "/body"} {
		t.Run("ErrTimeout"+path, func(t *testing.T) {
			start := time.Now()
			_, err := c.Session(Limits{Timeout: 100 * time.Millisecond}).Fetch(context.Background(), &Request{URL: srv.URL + path})
			if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "took longer than 100ms") {
				t.Errorf("Fetch = %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			<-entered
		})
	}
	t.Run("Canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-entered
			cancel()
		}()
		start := time.Now()
		_, err := c.Session(Limits{Timeout: time.Minute}).Fetch(ctx, &Request{URL: srv.URL + "/head"})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Errorf("Fetch = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v to notice the cancellation", d)
		}
	})
}

func TestFetchBadRequest(t *testing.T) {
	srv := newServer(t, echo)
	c := newTestClient(t, []string{"127.0.0.1"}, nil)
	tests := []struct {
		name string
		req  Request
		msg  string
	}{
		{"NotAURL", Request{URL: "::"}, "not an absolute http or https URL"},
		{"Relative", Request{URL: "/api"}, "not an absolute"},
		{"Scheme", Request{URL: "ftp://127.0.0.1/"}, `not "ftp:"`},
		{"Credentials", Request{URL: "http://u:secret@127.0.0.1/"}, "credentials (http://u:xxxxx@127.0.0.1/)"},
		{"MethodConnect", Request{Method: "connect", URL: srv.URL}, "method CONNECT is forbidden"},
		{"MethodNotToken", Request{Method: "GE T", URL: srv.URL}, "invalid method"},
		{"GetWithBody", Request{URL: srv.URL, Body: []byte("x")}, "a GET request cannot have a body"},
		{"BodyTooLarge", Request{Method: "PUT", URL: srv.URL, Body: make([]byte, 11)}, "request body of 11 bytes is larger than the limit of 10 bytes"},
		{"RedirectMode", Request{URL: srv.URL, Redirect: "follow-maybe"}, "redirect must be"},
		{"HeaderName", Request{URL: srv.URL, Header: http.Header{"Bad Name": {"x"}}}, "invalid header name"},
		{"HeaderValue", Request{URL: srv.URL, Header: http.Header{"X-A": {"a\r\nX-Injected: 1"}}}, "invalid value for header X-A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Session(Limits{ResponseBytes: 10}).Fetch(context.Background(), &tt.req)
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Fetch = %v, want ErrBadRequest with %q", err, tt.msg)
			}
		})
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("bad requests reached the server %d times", n)
	}
}
