package isolate

import (
	"net/http"
	"strings"

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
	signal  goja.Value
	used    bool
}

// newRequest makes the handler's Request for the current invocation.
func (inst *instance) newRequest(req *Request) *goja.Object {
	m, ok := inst.methods[req.Method]
	if !ok {
		m = inst.vm.ToValue(req.Method)
	}
	r := &serverRequest{inst: inst, seq: inst.seq, req: req, method: m}
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
		return inst.vm.ToValue(r.used)
	case "body":
		return goja.Null()
	case "redirect":
		return inst.vm.ToValue("follow")
	case "signal":
		if r.signal == nil {
			r.signal = inst.newSignal()
		}
		return r.signal
	case "text", "json", "arrayBuffer", "bytes", "formData", "clone":
		return inst.serverMethods[key]
	}
	return nil
}

func (r *serverRequest) Set(string, goja.Value) bool { return false }
func (r *serverRequest) Has(key string) bool {
	switch key {
	case "url", "method", "headers", "bodyUsed", "body", "redirect", "signal":
		return true
	}
	return false
}
func (r *serverRequest) Delete(string) bool { return false }
func (r *serverRequest) Keys() []string     { return nil }

// live returns the request's data, or throws: a Request kept past its
// invocation cannot read what has gone back to the server.
func (r *serverRequest) live() *Request {
	if r.inst.req == nil || r.seq != r.inst.seq {
		panic(r.inst.vm.NewTypeError("this Request belongs to an invocation that has ended"))
	}
	return r.req
}

func (inst *instance) requestHeaders(r *serverRequest) goja.Value {
	return inst.headersOf(r.live().Header)
}

// headersOf makes a JS Headers object of Go headers.
func (inst *instance) headersOf(header http.Header) goja.Value {
	flat := make([]any, 0, 2*len(header))
	for k, vs := range header {
		lk := strings.ToLower(k)
		for _, v := range vs {
			flat = append(flat, lk, v)
		}
	}
	h, err := inst.headersFromFlat(goja.Undefined(), inst.vm.NewArray(flat...))
	if err != nil {
		panic(err)
	}
	return h
}

// take marks the body used and returns it.
func (r *serverRequest) take() []byte {
	req := r.live()
	if r.used {
		panic(r.inst.vm.NewTypeError("body already used"))
	}
	r.used = true
	return req.Body
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
	inst.serverMethods = inst.bodyMethods(func(call goja.FunctionCall) func() (goja.Value, []byte) {
		r := this(call)
		return func() (goja.Value, []byte) { return nil, r.take() }
	})
	// formData and clone are written in JS on top of the above.
	inst.serverMethods["formData"] = host.Get("serverFormData")
	inst.serverMethods["clone"] = host.Get("serverClone")
	// serverBody(request, peek) takes the body (or, with peek, copies it
	// for a clone) as an ArrayBuffer, or null when there is none.
	_ = host.Set("serverBody", func(call goja.FunctionCall) goja.Value {
		r := this(goja.FunctionCall{This: call.Argument(0)})
		var body []byte
		if call.Argument(1).ToBoolean() {
			if r.used {
				panic(vm.NewTypeError("body already used"))
			}
			body = r.live().Body
		} else {
			body = r.take()
		}
		if len(body) == 0 {
			return goja.Null()
		}
		return vm.ToValue(vm.NewArrayBuffer(append([]byte(nil), body...)))
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
