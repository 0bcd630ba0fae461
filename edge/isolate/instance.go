package isolate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dop251/goja"
)

// Invocation failures. Callers branch on them with errors.Is.
var (
	ErrThrew            = errors.New("isolate: function threw")
	ErrWallTime         = errors.New("isolate: wall time limit exceeded")
	ErrCanceled         = errors.New("isolate: invocation canceled")
	ErrUnsettled        = errors.New("isolate: handler's promise never settled")
	ErrBadResponse      = errors.New("isolate: handler returned an invalid response")
	ErrResponseTooLarge = errors.New("isolate: response body exceeds the limit")
)

// Request is what a function's fetch handler receives.
type Request struct {
	ID     string
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Response is what the handler returned.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

type instance struct {
	vm       *goja.Runtime
	module   goja.Value
	fetch    goja.Callable
	env, ctx goja.Value
	request  goja.Callable
	response goja.Callable
	prog     *Program
	reqID    string
}

func (p *Program) newInstance() (*instance, error) {
	pre, err := compiledPrelude()
	if err != nil {
		return nil, fmt.Errorf("prelude: %w", err)
	}
	vm := goja.New()
	inst := &instance{vm: vm, prog: p}
	host := vm.NewObject()
	inst.installHost(host)
	if err := vm.GlobalObject().DefineDataProperty("__vault", host, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		return nil, err
	}
	for _, prog := range pre {
		if _, err := vm.RunProgram(prog); err != nil {
			return nil, fmt.Errorf("prelude: %w", err)
		}
	}
	if _, err := vm.RunProgram(p.prog); err != nil {
		return nil, fmt.Errorf("evaluate module: %w", err)
	}
	mod := vm.Get(ModuleGlobal)
	if mod == nil || goja.IsUndefined(mod) || goja.IsNull(mod) {
		return nil, ErrNoHandler
	}
	def := mod.ToObject(vm).Get("default")
	if def == nil || goja.IsUndefined(def) || goja.IsNull(def) {
		return nil, ErrNoHandler
	}
	fetch, ok := goja.AssertFunction(def.ToObject(vm).Get("fetch"))
	if !ok {
		return nil, ErrNoHandler
	}
	inst.module, inst.fetch = def, fetch
	inst.request, _ = goja.AssertFunction(host.Get("request"))
	inst.response, _ = goja.AssertFunction(host.Get("response"))

	env := vm.NewObject()
	for k, v := range p.cfg.Vars {
		_ = env.Set(k, v)
	}
	inst.env = env
	ctx := vm.NewObject()
	_ = ctx.Set("waitUntil", func(goja.Value) {})
	_ = ctx.Set("passThroughOnException", func() {})
	inst.ctx = ctx
	return inst, nil
}

func (inst *instance) console(level, msg string) {
	inst.prog.emit(inst.reqID, level, SourceConsole, msg)
}

// Invoke runs the handler for one request. The error wraps one of the
// Err* values above; the function's own message is in its text.
func (p *Program) Invoke(ctx context.Context, req *Request) (*Response, error) {
	inst, err := p.get()
	if err != nil {
		return nil, fmt.Errorf("start isolate: %w", err)
	}
	resp, clean, err := inst.invoke(ctx, req, p)
	if clean && err == nil {
		p.put(inst)
	}
	if err != nil {
		p.emit(req.ID, "error", SourceRuntime, err.Error())
	}
	return resp, err
}

// invoke reports clean=false when the instance must be discarded.
func (inst *instance) invoke(ctx context.Context, req *Request, p *Program) (resp *Response, clean bool, err error) {
	vm := inst.vm
	inst.reqID = req.ID
	wall := time.Duration(p.cfg.Limits.WallMillis) * time.Millisecond
	timer := time.AfterFunc(wall, func() { vm.Interrupt(ErrWallTime) })
	stopCancel := context.AfterFunc(ctx, func() { vm.Interrupt(ErrCanceled) })
	defer func() {
		// An interrupt that fired, even after the handler returned, leaves
		// the runtime flagged: such an instance is not reused.
		if !timer.Stop() || !stopCancel() {
			clean = false
		}
	}()

	flat := make([]any, 0, 2*len(req.Header))
	for k, vs := range req.Header {
		for _, v := range vs {
			flat = append(flat, k, v)
		}
	}
	jsReq, err := inst.request(goja.Undefined(), vm.ToValue(req.Method), vm.ToValue(req.URL), vm.NewArray(flat...), vm.ToValue(string(req.Body)))
	if err != nil {
		return nil, false, classify(err)
	}
	res, err := inst.fetch(inst.module, jsReq, inst.env, inst.ctx)
	if err != nil {
		return nil, false, classify(err)
	}
	if prom, ok := res.Export().(*goja.Promise); ok {
		switch prom.State() {
		case goja.PromiseStateFulfilled:
			res = prom.Result()
		case goja.PromiseStateRejected:
			return nil, false, fmt.Errorf("%w: uncaught (in promise) %s", ErrThrew, describe(prom.Result()))
		default:
			return nil, false, ErrUnsettled
		}
	}
	parts, err := inst.response(goja.Undefined(), res)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrBadResponse, classify(err))
	}
	return inst.unpack(parts, p.cfg.Limits.ResponseBodyBytes)
}

func (inst *instance) unpack(parts goja.Value, maxBody int64) (*Response, bool, error) {
	arr := parts.ToObject(inst.vm)
	resp := &Response{Status: int(arr.Get("0").ToInteger()), Header: http.Header{}}
	flat, _ := arr.Get("1").Export().([]any)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		resp.Header[http.CanonicalHeaderKey(k)] = append(resp.Header[http.CanonicalHeaderKey(k)], v)
	}
	body, err := bytesOf(arr.Get("2"))
	if err != nil {
		return nil, false, err
	}
	if int64(len(body)) > maxBody {
		return nil, true, fmt.Errorf("%w: %d bytes, limit %d", ErrResponseTooLarge, len(body), maxBody)
	}
	resp.Body = body
	return resp, true, nil
}

// bytesOf reads a body value: null, a string, an ArrayBuffer or a view.
func bytesOf(v goja.Value) ([]byte, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
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
	var exc *goja.Exception
	if errors.As(err, &exc) {
		return fmt.Errorf("%w: %s", ErrThrew, exc.String())
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
