package isolate

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dop251/goja"
)

// Invoke runs the handler for one request. The error wraps one of the
// Err* values; the function's own message is in its text. The response
// returns as soon as the handler's promise settles; a body the function is
// still producing (Response.Stream) and ctx.waitUntil work go on in the
// background, under the same limits, and the instance goes back to the
// pool after them.
//
// Invoke runs on the caller's goroutine: admission (which thread, when,
// whether at all) is the caller's, the node's scheduler.
func (p *Program) Invoke(ctx context.Context, req *Request) (*Response, error) {
	inst, err := p.get()
	if err != nil {
		return nil, fmt.Errorf("start isolate: %w", err)
	}
	resp, err := inst.invoke(ctx, req)
	if err == nil && inst.out != nil {
		return p.streamBody(ctx, inst, resp), nil // stream_out.go
	}
	if err == nil && len(inst.loop.waiting) > 0 {
		// The caller is done with the request; only the limits bound
		// the rest.
		inst.watch.detach()
		go p.finish(inst)
		return resp, nil
	}
	p.release(inst, err)
	return resp, err
}

// finish runs an invocation's waitUntil work after its response went out.
func (p *Program) finish(inst *instance) {
	inst.watch.resume()
	err := inst.drain()
	p.release(inst, err)
}

// release ends the invocation and pools the instance if it is clean: no
// error, nothing tripped, no Go work still out.
func (p *Program) release(inst *instance, err error) {
	if err != nil {
		p.emit(inst.reqID(), "error", SourceRuntime, err.Error())
	}
	inst.reportRejections()
	pending := inst.loop.pending > 0
	inst.loop.reset()
	inst.loop.pending = 0
	inst.req = nil
	inst.current = nil
	inst.out = nil
	inst.outbound = fetches{}
	tripped := inst.watch.end()
	if err == nil && tripped == nil && !pending {
		p.put(inst)
	} else {
		p.live.Add(-1) // discarded
	}
}

// invoke runs the handler until its response is ready. On success the
// watchdog is still running (release ends it).
func (inst *instance) invoke(ctx context.Context, req *Request) (resp *Response, err error) {
	inst.seq++
	inst.req = req
	inst.watch.begin(ctx, req.Interrupted, req.Thread)
	err = inst.call(func() error {
		res, err := inst.fetch(inst.module, inst.newRequest(req), inst.env, inst.ctx)
		if err != nil {
			return err
		}
		if res, err = inst.settle(res); err != nil {
			return err
		}
		resp, err = inst.unpack(res)
		return err
	})
	// An idle instance must not keep the last Response's body alive.
	inst.lastResp, inst.lastRespObj = nil, nil
	if err == nil && inst.out == nil && len(inst.loop.waiting) > 0 {
		inst.watch.suspend() // finish resumes on its own goroutine
	}
	return resp, err
}

// unpack reads the handler's Response straight from its Go fields.
func (inst *instance) unpack(v goja.Value) (*Response, error) {
	obj, ok := v.(*goja.Object)
	var r *jsResponse
	switch {
	case ok && obj == inst.lastRespObj:
		r = inst.lastResp
	case ok:
		r, _ = obj.Export().(*jsResponse)
	}
	if r == nil {
		return nil, fmt.Errorf("%w: fetch handler must return a Response, got %s", ErrBadResponse, typeOf(v))
	}
	resp := &Response{Status: r.status, Header: http.Header{}}
	if r.headers != nil {
		r.headers.toHTTP(resp.Header)
	}
	if r.ctype != "" && resp.Header["Content-Type"] == nil {
		resp.Header["Content-Type"] = []string{r.ctype}
	}
	if r.isError() {
		return nil, fmt.Errorf("%w: fetch handler returned Response.error()", ErrBadResponse)
	}
	if r.body.used {
		// As Deno: the body went to whoever read it.
		return nil, fmt.Errorf("%w: the body of the returned Response was already read", ErrBadResponse)
	}
	body := r.body.raw
	switch {
	case r.body.value != nil:
		b, err := bytesOf(r.body.value)
		if err != nil {
			return nil, err
		}
		body = b
	case r.body.stream != nil:
		if raw, ok := inst.takeBytes(r.body.stream); ok {
			body = raw
			break
		}
		if inst.unusable(&r.body) {
			return nil, errStreamBody
		}
		out, err := inst.startStream(r.body.stream)
		if err != nil {
			return nil, err
		}
		resp.Stream = out
		return resp, nil
	}
	if max := inst.prog.cfg.Limits.ResponseBodyBytes; int64(len(body)) > max {
		return nil, &LimitError{Limit: LimitResponseBody, Used: int64(len(body)), Max: max}
	}
	resp.Body = body
	return resp, nil
}

func typeOf(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if obj, ok := v.(*goja.Object); ok {
		return "an object (" + obj.ClassName() + ")"
	}
	return v.ExportType().String()
}

// bytesOf reads a body value: null, a string, an ArrayBuffer or a view.
// It always copies: the VM may change the buffer after the call.
func bytesOf(v goja.Value) ([]byte, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	if s, ok := v.(goja.String); ok {
		return []byte(s.String()), nil // Export would box the string first
	}
	switch x := v.Export().(type) {
	case string:
		return []byte(x), nil
	case goja.ArrayBuffer:
		return append([]byte(nil), x.Bytes()...), nil
	case []byte:
		return append([]byte(nil), x...), nil
	}
	return nil, fmt.Errorf("%w: body of type %s", ErrBadResponse, v.ExportType())
}

func classify(err error) error {
	var intr *goja.InterruptedError
	if errors.As(err, &intr) {
		if cause, ok := intr.Value().(error); ok {
			return cause
		}
		return fmt.Errorf("%w: %v", ErrCanceled, intr.Value())
	}
	var overflow *goja.StackOverflowError
	if errors.As(err, &overflow) {
		return fmt.Errorf("%w: RangeError: Maximum call stack size exceeded (%d calls)%s", ErrThrew, maxCallDepth, overflow.Error())
	}
	var exc *goja.Exception
	if errors.As(err, &exc) {
		return fmt.Errorf("%w: %s", ErrThrew, exc.String())
	}
	if errors.Is(err, ErrThrew) || errors.Is(err, ErrBadResponse) || errors.Is(err, ErrUnsettled) ||
		errors.Is(err, ErrResponseTooLarge) || errors.Is(err, ErrCanceled) || errors.Is(err, ErrCPUTime) ||
		errors.Is(err, ErrWallTime) || errors.Is(err, ErrMemory) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrThrew, err)
}

func describe(v goja.Value) string {
	if obj, ok := v.(*goja.Object); ok {
		if stack := obj.Get("stack"); stack != nil && !goja.IsUndefined(stack) {
			return stack.String()
		}
	}
	return v.String()
}

// reportRejections logs the promises the invocation rejected and never
// handled, as a browser's console would; the invocation's result stands.
func (inst *instance) reportRejections() {
	for _, p := range inst.loop.rejected {
		inst.prog.emit(inst.reqID(), "error", SourceRuntime, "uncaught (in promise) "+describe(p.Result()))
	}
}
