package edge

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/uri"
)

// handler is the edge's side of the HTTP/2 engine. Both methods run on a
// connection's reader goroutine and never block: Route answers what needs
// no function (400, 404, paused, 429, 413) at once, Serve hands the
// request to the scheduler, which decides where and when it runs.
type handler struct{ s *Server }

func (h *handler) Route(r *h2.Request) (int64, *h2.Response) {
	s := h.s
	id := newRequestID()
	if r.Path == "*" { // OPTIONS * asks about the server: no function answers for it
		return 0, textResponse(http.StatusNotFound, id, "no route for OPTIONS *")
	}
	if err := normalize(r); err != nil {
		return 0, textResponse(http.StatusBadRequest, id, strings.TrimPrefix(err.Error(), "uri: "))
	}
	path := r.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	t, ok := s.fns.lookup(r.Authority, path)
	if !ok {
		return 0, textResponse(http.StatusNotFound, id, fmt.Sprintf("no route for %s%s", r.Authority, path))
	}
	if t.paused {
		what := " is paused"
		if t.stopped {
			what = " is stopped"
		}
		resp := textResponse(http.StatusServiceUnavailable, id, t.fn+what)
		resp.Header.Set("Retry-After", strconv.Itoa(pausedRetryAfter))
		return 0, resp
	}
	now := time.Now()
	rule := s.shield.Match(r.Authority, path)
	if ok, wait := s.shield.Allow(rule, r.RemoteAddr.Addr(), now); !ok {
		resp := textResponse(http.StatusTooManyRequests, id, "too many requests from your address; retry later")
		resp.Header.Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
		return 0, resp
	}
	c := t.pick()
	if c.up != nil {
		limit := c.up.bodyLimit
		if routeLimit, ok := s.shield.RuleBodyLimit(rule); ok {
			limit = routeLimit
		}
		r.Value = &proxied{s: s, r: r, id: id, up: c.up, start: now}
		return limit, nil
	}
	limit := c.program.Limits().RequestBodyBytes
	if routeLimit, ok := s.shield.RuleBodyLimit(rule); ok {
		limit = routeLimit
	}
	r.Value = newCall(s, r, id, t, c, now)
	return limit, nil
}

// normalize rewrites r's authority and path in their normal form (package
// uri) before anything reads them: the router, the shield and the
// function's request.url then all see the same target. It refuses a
// target they could read differently, and a method that is not a token
// (RFC 9113 §8.2.1: no NUL, CR or LF in any field; the function reads it).
func normalize(r *h2.Request) error {
	if !httpguts.ValidHeaderFieldName(r.Method) {
		return errors.New("malformed :method")
	}
	a, err := uri.Authority(r.Authority)
	if err != nil {
		return err
	}
	p, err := uri.Path(r.Path)
	if err != nil {
		return err
	}
	r.Authority, r.Path = a, p
	return nil
}

func (h *handler) Serve(r *h2.Request) {
	switch v := r.Value.(type) {
	case *call:
		h.s.sched.Submit(&v.task)
	case *proxied:
		// A container's request waits on its network, not on a core: it
		// does not take a scheduler slot.
		go v.run()
	default: // cannot happen: Route set it
		r.Respond(textResponse(http.StatusInternalServerError, newRequestID(), "request lost between route and serve"))
	}
}

// pausedRetryAfter is the Retry-After, in seconds, of a paused route.
const pausedRetryAfter = 5

// textResponse is a plain-text answer that names the request.
func textResponse(status int, id, msg string) *h2.Response {
	return &h2.Response{Status: status, Header: http.Header{
		"Content-Type": {"text/plain; charset=utf-8"}, "X-Request-Id": {id},
	}, Body: []byte(msg + " (request id " + id + ")\n")}
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
