package isolate

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/egress"
)

// fetches tracks an invocation's outbound requests, so that an AbortSignal
// can cancel one.
type fetches struct {
	session *egress.Session
	next    int64
	cancel  map[int64]context.CancelCauseFunc
}

// errAborted is the cause of a fetch its signal aborted.
var errAborted = errors.New("aborted")

// installFetch gives js/50-fetch.js its Go side: host.fetch(method, url,
// flatHeaders, body, redirect) returns [promise, id]; host.abortFetch(id)
// cancels it.
func (inst *instance) installFetch(host *goja.Object) {
	vm := inst.vm
	_ = host.Set("fetch", func(method, url string, flat []string, body goja.Value, redirect string) goja.Value {
		f := &inst.outbound
		if inst.prog.cfg.Egress == nil {
			panic(vm.NewTypeError("fetch is not available: this node gives functions no egress client"))
		}
		if f.session == nil {
			f.session = inst.prog.cfg.Egress.Session(egress.LimitsFrom(inst.prog.cfg.Limits))
			f.cancel = map[int64]context.CancelCauseFunc{}
		}
		req := &egress.Request{Method: method, URL: url, Header: http.Header{}, Redirect: redirect}
		for i := 0; i+1 < len(flat); i += 2 {
			req.Header.Add(flat[i], flat[i+1])
		}
		if b, err := bytesOf(body); err == nil {
			req.Body = b
		} else {
			panic(vm.NewTypeError("fetch: unsupported body"))
		}
		promise, resolve, reject := vm.NewPromise()
		ictx, complete := inst.async()
		ctx, cancel := context.WithCancelCause(ictx)
		f.next++
		id := f.next
		f.cancel[id] = cancel
		session := f.session
		go func() {
			resp, err := session.Fetch(ctx, req)
			cause := context.Cause(ctx)
			complete(func() {
				delete(f.cancel, id)
				cancel(nil)
				if err != nil {
					_ = reject(inst.fetchError(err, cause))
					return
				}
				_ = resolve(inst.fetchedResponse(resp))
			})
		}()
		return vm.NewArray(promise, id)
	})
	_ = host.Set("abortFetch", func(id int64) {
		if cancel, ok := inst.outbound.cancel[id]; ok {
			cancel(errAborted)
		}
	})
}

// fetchError is what a failed fetch rejects with: a TypeError, as in the
// Fetch standard, whose message says why (denied by the allow-list, over
// a limit, timed out), or an AbortError if its signal aborted it.
func (inst *instance) fetchError(err, cause error) goja.Value {
	if errors.Is(cause, errAborted) {
		return inst.domException("The operation was aborted", "AbortError")
	}
	msg := err.Error()
	var e *egress.Error
	if errors.As(err, &e) {
		msg = e.Msg
	}
	return inst.vm.NewTypeError("fetch failed: " + strings.TrimPrefix(msg, "egress: "))
}

func (inst *instance) domException(msg, name string) goja.Value {
	if ctor, ok := goja.AssertConstructor(inst.vm.Get("DOMException")); ok {
		if e, err := ctor(nil, inst.vm.ToValue(msg), inst.vm.ToValue(name)); err == nil {
			return e
		}
	}
	e := inst.vm.NewTypeError(msg)
	_ = e.Set("name", name)
	return e
}

func (inst *instance) fetchedResponse(resp *egress.Response) goja.Value {
	vm := inst.vm
	// The body is the bytes egress read; .body makes them a stream.
	r := &jsResponse{inst: inst, status: resp.Status, statusText: resp.StatusText, headers: inst.headersFromHTTP(resp.Header),
		body: msgBody{raw: resp.Body}, more: &responseMore{url: resp.URL, redirected: resp.Redirected}}
	o := vm.NewDynamicObject(r)
	_ = o.SetPrototype(inst.respProto)
	return o
}
