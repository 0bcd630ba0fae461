package egress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// maxRedirects is fetch's limit (WHATWG Fetch, "HTTP-redirect fetch").
const maxRedirects = 20

// Limits cap one invocation's fetches. A zero field means the default of
// schemas.DefaultLimits.
type Limits struct {
	// Subrequests is how many requests the invocation may send; every
	// redirect followed is one more.
	Subrequests int
	// ResponseBytes caps each response body, and each request body.
	ResponseBytes int64
	// Timeout bounds each Fetch call: every redirect and the whole body.
	Timeout time.Duration
}

// LimitsFrom takes a manifest's limits, filling zeros with the defaults.
func LimitsFrom(l schemas.Limits) Limits {
	l = l.WithDefaults()
	return Limits{
		Subrequests:   int(l.Subrequests),
		ResponseBytes: l.SubrequestBytes,
		Timeout:       time.Duration(l.SubrequestMillis) * time.Millisecond,
	}
}

func (l Limits) withDefaults() Limits {
	d := LimitsFrom(schemas.Limits{})
	if l.Subrequests <= 0 {
		l.Subrequests = d.Subrequests
	}
	if l.ResponseBytes <= 0 {
		l.ResponseBytes = d.ResponseBytes
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Session counts one invocation's subrequests. Its Fetch may be called
// from several goroutines at once.
type Session struct {
	c      *Client
	limits Limits
	used   atomic.Int64
}

// Session starts counting subrequests for one invocation.
func (c *Client) Session(l Limits) *Session {
	return &Session{c: c, limits: l.withDefaults()}
}

// Request is a function's fetch, as the JavaScript binding hands it over.
type Request struct {
	Method string // "" means GET
	URL    string
	Header http.Header
	Body   []byte
	// Redirect is "follow" (or ""), "manual" (return the 3xx response) or
	// "error" (fail with ErrRedirect).
	Redirect string
}

// Response is a fetched response with its whole body.
type Response struct {
	Status     int
	StatusText string
	Header     http.Header
	Body       []byte
	URL        string // the final URL, after any redirects
	Redirected bool
}

// Fetch sends r and reads the whole response. ctx is the invocation's:
// when it ends, the fetch ends at once.
func (s *Session) Fetch(ctx context.Context, r *Request) (*Response, error) {
	req, err := s.newRequest(r)
	if err != nil {
		return nil, err
	}
	host := req.URL.Host
	if err := s.c.policy.checkURL(req.URL); err != nil {
		return nil, s.failed(ctx, host, err)
	}
	if err := s.take(host); err != nil {
		return nil, err
	}
	timeout := fail(ErrTimeout, "fetch to %s took longer than %v", host, s.limits.Timeout)
	ctx, cancel := context.WithTimeoutCause(ctx, s.limits.Timeout, timeout)
	defer cancel()

	start := time.Now()
	redirected := false
	hc := &http.Client{Transport: s.c.transport, CheckRedirect: func(next *http.Request, via []*http.Request) error {
		switch r.Redirect {
		case "manual":
			return http.ErrUseLastResponse
		case "error":
			return fail(ErrRedirect, "fetch to %s was redirected to %s, and redirect is \"error\"", host, next.URL.Redacted())
		}
		if len(via) > maxRedirects {
			return fail(ErrRedirect, "fetch to %s: more than %d redirects", host, maxRedirects)
		}
		if err := s.c.policy.checkURL(next.URL); err != nil {
			return err
		}
		if err := s.take(next.URL.Host); err != nil {
			return err
		}
		redirected = true
		return nil
	}}
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, s.failed(ctx, host, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp, s.limits.ResponseBytes)
	if err != nil {
		return nil, s.failed(ctx, host, err)
	}
	s.c.log.Debug("subrequest", "method", req.Method, "host", host, "status", resp.StatusCode,
		"bytes", len(body), "redirected", redirected, "ms", time.Since(start).Milliseconds())
	header := resp.Header.Clone()
	removeHopByHop(header)
	return &Response{
		Status:     resp.StatusCode,
		StatusText: strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)+" "),
		Header:     header,
		Body:       body,
		URL:        resp.Request.URL.String(),
		Redirected: redirected,
	}, nil
}

func (s *Session) take(host string) error {
	if s.used.Add(1) > int64(s.limits.Subrequests) {
		return fail(ErrTooManySubrequests, "fetch to %s: the invocation has used its %d subrequests", host, s.limits.Subrequests)
	}
	return nil
}

// failed gives the error a fetch reports: egress's own (a denial from the
// dialer or a redirect check) without net/http's wrapping, a timeout, or
// the invocation's cancellation.
func (s *Session) failed(ctx context.Context, host string, err error) error {
	var e *Error
	switch {
	case errors.As(err, &e):
	case ctx.Err() != nil:
		cause := context.Cause(ctx)
		if !errors.As(cause, &e) { // the invocation ended, not our timer
			return fmt.Errorf("egress: fetch to %s: %w", host, cause)
		}
	default:
		return fmt.Errorf("egress: fetch to %s: %w", host, err)
	}
	if errors.Is(e, ErrDenied) {
		s.c.log.Warn("egress denied", "host", host, "err", e.Msg)
	}
	return e
}

// readBody reads the whole body, but never holds more than limit+1 bytes:
// a body that announces or turns out to be longer fails at once.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	tooLarge := func() error {
		return fail(ErrResponseTooLarge, "response from %s is larger than the limit of %d bytes", resp.Request.URL.Host, limit)
	}
	if resp.ContentLength > limit {
		return nil, tooLarge()
	}
	size := int64(4096)
	if resp.ContentLength >= 0 {
		size = resp.ContentLength + 1 // room to see EOF without growing
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, tooLarge()
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if int64(len(buf)) > limit {
				return nil, tooLarge()
			}
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// newRequest validates r the way fetch would and builds the request.
func (s *Session) newRequest(r *Request) (*http.Request, error) {
	method, err := requestMethod(r.Method)
	if err != nil {
		return nil, err
	}
	switch r.Redirect {
	case "", "follow", "manual", "error":
	default:
		return nil, fail(ErrBadRequest, "fetch: redirect must be \"follow\", \"manual\" or \"error\", not %q", r.Redirect)
	}
	u, err := url.Parse(r.URL)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fail(ErrBadRequest, "fetch: %q is not an absolute http or https URL", r.URL)
	}
	u.Fragment, u.RawFragment = "", ""
	if len(r.Body) > 0 && (method == "GET" || method == "HEAD") {
		return nil, fail(ErrBadRequest, "fetch: a %s request cannot have a body", method)
	}
	if int64(len(r.Body)) > s.limits.ResponseBytes {
		return nil, fail(ErrBadRequest, "fetch to %s: request body of %d bytes is larger than the limit of %d bytes", u.Host, len(r.Body), s.limits.ResponseBytes)
	}
	header, err := outboundHeader(r.Header)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, fail(ErrBadRequest, "fetch: %v", err)
	}
	req.Header = header
	return req, nil
}
