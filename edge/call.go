package edge

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/edge/sched"
)

// call is one request on its way through the scheduler to an isolate. It
// is pooled: its task's Run and Shed and its interrupt hook are bound
// once, so submitting costs no allocation.
type call struct {
	s      *Server
	r      *h2.Request
	id     string
	target *target
	choice *choice
	start  time.Time
	task   sched.Task
	// slot is the scheduler's place of the running invocation: among
	// the running, whose count it frees when interrupted, or on the heavy
	// lane, where its Do runs the invocation on an idle-priority thread.
	slot        sched.Slot
	interrupted func()
	// The invocation as slot.Do runs it (invoke): bound once, with its
	// arguments and results in these fields, so a call allocates no
	// closure.
	invokeFn func()
	ctx      context.Context
	cancel   context.CancelCauseFunc // ctx's, until run takes it
	req      *isolate.Request
	resp     *isolate.Response
	err      error
}

var calls sync.Pool // of *call

func init() {
	calls.New = func() any {
		c := &call{}
		c.task.Run, c.task.Shed = c.runIn, c.shed
		c.interrupted = c.free
		c.invokeFn = c.invoke
		return c
	}
}

func newCall(s *Server, r *h2.Request, id string, t *target, ch *choice, start time.Time) *call {
	c := calls.Get().(*call)
	c.s, c.r, c.id, c.target, c.choice, c.start = s, r, id, t, ch, start
	c.task.Class = ch.class
	// Not derived from r.Context(): following the stream that way costs
	// allocations and locks of the connection's per request. The engine
	// arms OnReset under the lock it takes anyway to serve the request,
	// on its own goroutine: an executor would take it again (CancelOnReset)
	// and, holding its thread, pay a hand-off of its P when it waits.
	c.ctx, c.cancel = context.WithCancelCause(context.Background())
	r.OnReset = c.cancel
	return c
}

func (c *call) release() {
	if c.cancel != nil { // shed: run never took the context
		c.cancel(nil)
	}
	c.ctx, c.cancel = nil, nil
	c.s, c.r, c.target, c.choice = nil, nil, nil, nil
	c.task.Class = nil
	c.slot = sched.Slot{}
	calls.Put(c)
}

// runIn runs the call in a scheduler slot. An invocation a limit or a kill
// interrupted frees its slot at once (free), even when it is stuck in a Go
// call that does not see the interrupt: the node's concurrency goes to
// requests someone still waits for, and the isolate is discarded when the
// call returns.
func (c *call) runIn(slot sched.Slot) {
	c.slot = slot
	c.run()
}

// free releases the call's scheduler slot; the isolate calls it when the
// invocation is interrupted.
func (c *call) free() { c.slot.Release() }

// run invokes the function and answers, on an executor or, for a heavy
// version, on a goroutine of its own while slot.Do runs the invocation on
// a heavy lane thread.
func (c *call) run() {
	s, r, ch := c.s, c.r, c.choice
	scheme := "http"
	if r.TLS {
		scheme = "https"
	}
	ctx, cancel := c.ctx, c.cancel
	c.cancel = nil
	done := c.target.calls.start(cancel)
	req := &isolate.Request{
		ID: c.id, Method: r.Method, URL: scheme + "://" + r.Authority + r.Path, Header: r.Header, Body: r.Body,
		Interrupted: c.interrupted, Thread: c.slot.Thread(),
	}
	if r.BodyStream != nil {
		req.BodyStream = r.BodyStream
	}
	c.req = req
	if err := c.slot.Do(ctx, c.invokeFn); err != nil {
		c.err = err // it waited for the heavy lane and gave up
	}
	resp, err := c.resp, c.err
	c.ctx, c.req, c.resp, c.err = nil, nil, nil, nil
	if err == nil && resp.Stream != nil {
		// The function is still producing the body: the call ends when
		// the engine closes the stream (streamed).
		out := &h2.Response{Status: resp.Status, Header: c.header(resp), Stream: &streamed{
			inner: resp.Stream, s: s, fn: c.target.fn, version: ch.version, id: c.id, handles: ch.handles,
			status: resp.Status, start: c.start, done: done, cancel: cancel, body: r.BodyStream,
		}}
		r.Respond(out)
		c.release()
		return
	}
	done()
	cause := context.Cause(ctx)
	cancel(nil)
	if r.BodyStream != nil {
		// What the function did not read is discarded (h2 reopens no
		// window for it).
		_ = r.BodyStream.Close()
	}
	if err != nil {
		c.answer(s.failure(c.target.fn, ch.version, c.id, err, cause))
		return
	}
	c.answer(&h2.Response{Status: resp.Status, Header: c.header(resp), Body: resp.Body})
}

// invoke runs the invocation in c.ctx and c.req (slot.Do calls it).
func (c *call) invoke() { c.resp, c.err = c.choice.program.Invoke(c.ctx, c.req) }

// answer sends the call's whole response, counts it and ends the call.
func (c *call) answer(out *h2.Response) {
	c.r.Respond(out)
	c.s.metrics.Request(c.choice.handles, out.Status, time.Since(c.start))
	c.release()
}

// header is the function's response header with the request's ID.
func (c *call) header(resp *isolate.Response) http.Header {
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	resp.Header["X-Request-Id"] = []string{c.id}
	return resp.Header
}

// shed answers a request the scheduler did not run: its queue was full,
// the request waited too long, or (ErrHeavyLaneFull) the version is
// CPU-heavy and the lane for such versions was full, which is answered as
// a failure of the invocation.
func (c *call) shed(why error, retryAfter time.Duration) {
	if errors.Is(why, sched.ErrHeavyLaneFull) {
		if c.r.BodyStream != nil {
			_ = c.r.BodyStream.Close()
		}
		c.answer(c.s.failure(c.target.fn, c.choice.version, c.id, why, nil))
		return
	}
	resp := textResponse(http.StatusServiceUnavailable, c.id, "the node is overloaded; retry later")
	resp.Header.Set("Retry-After", strconv.Itoa(retrySeconds(retryAfter)))
	c.r.Respond(resp)
	c.s.metrics.Shed(c.choice.handles, "overload")
	c.s.metrics.Request(c.choice.handles, http.StatusServiceUnavailable, time.Since(c.start))
	c.release()
}

// failure maps an invocation error to the caller's answer and logs it.
// It is the one place where an invocation's errors become HTTP statuses.
func (s *Server) failure(fn string, version int, id string, err, cause error) *h2.Response {
	status, what := http.StatusInternalServerError, "the function failed"
	var limit *isolate.LimitError
	switch {
	case errors.Is(cause, ErrKilled):
		status, what = http.StatusServiceUnavailable, "the invocation was killed by an operator"
	case errors.As(err, &limit) && limit.Limit == isolate.LimitResponseBody:
		status, what = http.StatusInternalServerError, "the function's response exceeded a limit: "+limit.Reason()
	case limit != nil:
		// The limit and the measured use: the caller can tell a slow
		// function from a broken one.
		status, what = http.StatusServiceUnavailable, "the function exceeded a limit: "+limit.Reason()
	case errors.Is(err, sched.ErrHeavyLaneFull):
		status, what = http.StatusServiceUnavailable, "the function used a lot of CPU recently and the node's share for such functions is taken; retry later"
	case errors.Is(err, isolate.ErrCanceled), errors.Is(err, sched.ErrCanceled):
		status, what = 499, "the request was canceled"
	case errors.Is(err, sched.ErrClosed):
		status, what = http.StatusServiceUnavailable, "the node is shutting down; retry later"
	}
	s.log.Warn("invocation failed", "fn", fn, "version", version, "request", id, "status", status, "err", err)
	resp := textResponse(status, id, what)
	if status == http.StatusServiceUnavailable {
		resp.Header.Set("Retry-After", "1")
	}
	return resp
}

// streamed is a response body the function is still producing
// (isolate.Response.Stream), as the engine reads it. The call's
// bookkeeping (kill registration, context, request body, metrics, the
// log line of a failure) ends when the engine closes it: after the last
// chunk, after an error, or when the client went away.
type streamed struct {
	inner   io.ReadCloser
	s       *Server
	fn      string
	version int
	id      string
	handles *metrics.FnHandles
	status  int
	start   time.Time
	done    func()                  // ends the call's kill registration
	cancel  context.CancelCauseFunc // the invocation's context
	body    io.ReadCloser           // the request body still arriving, or nil

	mu  sync.Mutex
	err error // what ended the stream, if not its end
}

func (b *streamed) Read(p []byte) (int, error) {
	n, err := b.inner.Read(p)
	if err != nil && err != io.EOF {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

var _ h2.Buffered = (*streamed)(nil)

// Buffered hands the engine the whole body of a stream the function has
// already finished (h2.Buffered), if it has.
func (b *streamed) Buffered() ([]byte, bool) {
	if w, ok := b.inner.(h2.Buffered); ok {
		return w.Buffered()
	}
	return nil, false
}

// Close is called once by the engine.
func (b *streamed) Close() error {
	err := b.inner.Close() // cancels the function's stream if it is still going
	b.done()
	b.cancel(nil)
	if b.body != nil {
		_ = b.body.Close()
	}
	b.mu.Lock()
	failed := b.err
	b.mu.Unlock()
	if failed != nil && !errors.Is(failed, isolate.ErrStreamClosed) {
		// The status went out with the headers; the client saw a reset.
		b.s.log.Warn("streamed response failed", "fn", b.fn, "version", b.version, "request", b.id, "status", b.status, "err", failed)
	}
	b.s.metrics.Request(b.handles, b.status, time.Since(b.start))
	return err
}
