package isolate

import (
	"github.com/dop251/goja"
)

// serverRequest is the Request a handler receives: a goja dynamic object
// over Go data, with Request.prototype as its prototype (instanceof holds).
// Making it costs one small allocation and no property writes; headers and
// body cross into JavaScript only when the function asks for them. It has
// no own enumerable keys, like a browser's Request.
type serverRequest struct {
	inst    *instance
	seq     uint64
	req     *Request
	url     goja.Value
	method  goja.Value
	headers goja.Value
	signal  *requestSignal // made when the function asks for it
	body    msgBody
	props   *expando // made on the first write
}

// requestSignal is the Request's AbortSignal and what aborts it.
type requestSignal struct{ signal, abort goja.Value }

// newRequest makes the handler's Request for the current invocation.
func (inst *instance) newRequest(req *Request) *goja.Object {
	m, ok := inst.methods[req.Method]
	if !ok {
		m = inst.vm.ToValue(req.Method)
	}
	r := &serverRequest{inst: inst, seq: inst.seq, req: req, method: m}
	if len(req.Body) > 0 {
		r.body.raw = req.Body
	}
	if req.BodyStream != nil {
		r.body.src = req.BodyStream
	}
	inst.current = r
	o := inst.vm.NewDynamicObject(r)
	_ = o.SetPrototype(inst.reqProto)
	return o
}

func (r *serverRequest) Get(key string) goja.Value {
	inst := r.inst
	switch key {
	case "url":
		if r.url == nil {
			r.url = inst.vm.ToValue(r.req.URL)
		}
		return r.url
	case "method":
		return r.method
	case "headers":
		if r.headers == nil {
			r.headers = inst.requestHeaders(r)
		}
		return r.headers
	case "bodyUsed":
		return inst.vm.ToValue(inst.bodyUsed(&r.body))
	case "body":
		r.live()
		return inst.streamOf(&r.body)
	case "redirect":
		return inst.vm.ToValue("follow")
	case "signal":
		if r.signal == nil {
			pair := inst.newSignal().ToObject(inst.vm)
			r.signal = &requestSignal{signal: pair.Get("0"), abort: pair.Get("1")}
		}
		return r.signal.signal
	}
	if v := r.props.get(key); v != nil {
		return v
	}
	switch key {
	case "text", "json", "arrayBuffer", "bytes", "formData", "blob", "clone":
		return inst.serverMethods[key]
	}
	return nil
}

// requestGetter reports the Request's read-only attributes; any other key
// is an own property the function adds (itty-router's params, query).
func requestGetter(key string) bool {
	switch key {
	case "url", "method", "headers", "bodyUsed", "body", "redirect", "signal":
		return true
	}
	return false
}

func (r *serverRequest) Set(key string, v goja.Value) bool {
	if requestGetter(key) {
		return false
	}
	if r.props == nil {
		r.props = &expando{}
	}
	r.props.set(key, v)
	return true
}
func (r *serverRequest) Has(key string) bool { return requestGetter(key) || r.props.has(key) }
func (r *serverRequest) Delete(key string) bool {
	r.props.delete(key)
	return !requestGetter(key)
}
func (r *serverRequest) Keys() []string { return r.props.list() }

// abortSignal aborts the request's signal, if the function asked for it:
// the client went away while the response was streaming.
func (r *serverRequest) abortSignal(reason goja.Value) {
	if r.signal == nil {
		return
	}
	if f, ok := goja.AssertFunction(r.signal.abort); ok {
		_, _ = f(goja.Undefined(), reason)
	}
}

// live returns the request's data, or throws: a Request kept past its
// invocation cannot read what has gone back to the server.
func (r *serverRequest) live() *Request {
	if r.inst.req == nil || r.seq != r.inst.seq {
		panic(r.inst.vm.NewTypeError("this Request belongs to an invocation that has ended"))
	}
	return r.req
}

// requestHeaders is the platform Request's headers: immutable, as the
// standard and Deno have them.
func (inst *instance) requestHeaders(r *serverRequest) goja.Value {
	h := inst.headersFromHTTP(r.live().Header)
	h.immutable = true
	return h.object()
}

// installServerRequest makes the body methods of server requests, once per
// instance. They resolve or reject a promise like the Body mixin does.
func (inst *instance) installServerRequest(host *goja.Object) {
	vm := inst.vm
	this := func(call goja.FunctionCall) *serverRequest {
		if o, ok := call.This.(*goja.Object); ok {
			if r, ok := o.Export().(*serverRequest); ok {
				return r
			}
		}
		panic(vm.NewTypeError("illegal invocation: not a Request"))
	}
	inst.serverMethods = inst.bodyMethods(func(call goja.FunctionCall) (*msgBody, func() string) {
		r := this(call)
		r.live()
		return &r.body, func() string { return r.req.Header.Get("Content-Type") }
	})
	// clone is written in JS on top of serverBody.
	inst.serverMethods["clone"] = host.Get("serverClone")
	// serverBody(request, peek) takes the body for another Request (or,
	// with peek, a copy or a tee branch of it for a clone): an ArrayBuffer,
	// a ReadableStream, or null when there is none.
	_ = host.Set("serverBody", func(call goja.FunctionCall) goja.Value {
		r := this(goja.FunctionCall{This: call.Argument(0)})
		r.live()
		b := &r.body
		if call.Argument(1).ToBoolean() {
			c := inst.cloneBody(b)
			return inst.bodyValue(&c)
		}
		if b.value == nil && b.raw == nil && b.src == nil && b.stream == nil {
			return goja.Null()
		}
		if inst.unusable(b) {
			panic(vm.NewTypeError("body already used"))
		}
		if b.src != nil {
			inst.streamOf(b)
		}
		v := inst.bodyValue(b)
		b.used = true
		return v
	})
	_ = host.Set("isServerRequest", func(v goja.Value) bool {
		o, ok := v.(*goja.Object)
		if !ok {
			return false
		}
		_, ok = o.Export().(*serverRequest)
		return ok
	})
}
