package isolate

import (
	"github.com/dop251/goja"
)

// jsResponse is a Response: a goja dynamic object over Go fields, with
// Response.prototype (or a subclass's) as its prototype. `new
// Response("hi")` costs a few allocations and no property writes, and the
// server reads the fields directly. Headers are a Go list (headers.go),
// made when given or asked for, and a JS object only when asked for.
type jsResponse struct {
	inst       *instance
	status     int
	statusText string
	headers    *goHeaders // nil until given or needed
	ctype      string     // content type implied by the body, until headers exist
	body       msgBody
	more       *responseMore // nil for most responses
}

// responseMore is what only some Responses have, kept apart so that the
// common `new Response("hi")` stays in a small allocation.
type responseMore struct {
	url        string // a fetched response's
	redirected bool
	isError    bool // Response.error(): type "error"
	props      expando
}

// extra returns r.more, made on first need.
func (r *jsResponse) extra() *responseMore {
	if r.more == nil {
		r.more = &responseMore{}
	}
	return r.more
}

func (r *jsResponse) Get(key string) goja.Value {
	vm := r.inst.vm
	switch key {
	case "status":
		return vm.ToValue(r.status)
	case "statusText":
		return vm.ToValue(r.statusText)
	case "ok":
		return vm.ToValue(r.status >= 200 && r.status < 300)
	case "headers":
		return r.headerObject()
	case "redirected":
		return vm.ToValue(r.more != nil && r.more.redirected)
	case "url":
		if r.more == nil {
			return vm.ToValue("")
		}
		return vm.ToValue(r.more.url)
	case "type":
		if r.isError() {
			return vm.ToValue("error")
		}
		return vm.ToValue("default")
	case "body":
		return r.inst.streamOf(&r.body)
	case "bodyUsed":
		return vm.ToValue(r.inst.bodyUsed(&r.body))
	}
	if r.more != nil {
		if v := r.more.props.get(key); v != nil {
			return v
		}
	}
	switch key {
	case "text", "json", "arrayBuffer", "bytes", "formData", "blob", "clone":
		return r.inst.responseMethods[key]
	}
	return nil
}

// responseGetter reports the Response's read-only attributes: writes to
// them fail, as writes to a getter-only accessor do; any other key is an
// own property the function adds.
func responseGetter(key string) bool {
	switch key {
	case "status", "statusText", "ok", "headers", "redirected", "url", "type", "body", "bodyUsed":
		return true
	}
	return false
}

func (r *jsResponse) Set(key string, v goja.Value) bool {
	if responseGetter(key) {
		return false
	}
	r.extra().props.set(key, v)
	return true
}
func (r *jsResponse) Has(key string) bool {
	return responseGetter(key) || (r.more != nil && r.more.props.has(key))
}
func (r *jsResponse) Delete(key string) bool {
	if r.more != nil {
		r.more.props.delete(key)
	}
	return !responseGetter(key)
}
func (r *jsResponse) Keys() []string {
	if r.more == nil {
		return nil
	}
	return r.more.props.list()
}

func (r *jsResponse) isError() bool { return r.more != nil && r.more.isError }

// headerList is the Response's header list, made on first need with the
// body's implied content type.
func (r *jsResponse) headerList() *goHeaders {
	if r.headers == nil {
		r.headers = &goHeaders{inst: r.inst, immutable: r.isError()}
	}
	if r.ctype != "" {
		r.headers.setDefault("content-type", r.ctype)
		r.ctype = ""
	}
	return r.headers
}

// headerObject is response.headers.
func (r *jsResponse) headerObject() goja.Value { return r.headerList().object() }

// contentType is the Content-Type header's value, or "".
func (r *jsResponse) contentType() string {
	if r.headers == nil {
		return r.ctype
	}
	if v, ok := r.headers.value("content-type"); ok {
		return v
	}
	return r.ctype
}

// newResponse is the Response constructor: new Response(body, init).
func (inst *instance) newResponse(call goja.ConstructorCall) *goja.Object {
	vm := inst.vm
	r := &jsResponse{inst: inst, status: 200}
	if body := call.Argument(0); !goja.IsUndefined(body) && !goja.IsNull(body) {
		if goja.IsString(body) {
			r.body.value, r.ctype = body, "text/plain;charset=UTF-8"
		} else {
			parts, err := inst.bodyInit(goja.Undefined(), body)
			if err != nil {
				panic(err)
			}
			arr := parts.ToObject(vm)
			if v := arr.Get("0"); inst.isStream(v) {
				r.body.stream = v.(*goja.Object)
			} else {
				r.body.value = v
			}
			if ct := arr.Get("1"); !goja.IsNull(ct) && !goja.IsUndefined(ct) {
				r.ctype = ct.String()
			}
		}
	}
	if init := call.Argument(1); !goja.IsUndefined(init) && !goja.IsNull(init) {
		io := init.ToObject(vm)
		if s := io.Get("status"); s != nil && !goja.IsUndefined(s) {
			f := s.ToFloat()
			if f != float64(int(f)) || f < 200 || f > 599 {
				inst.throwRange("Response status must be 200..599, got " + s.String())
			}
			r.status = int(f)
			if (r.body.value != nil || r.body.stream != nil) && (r.status == 204 || r.status == 205 || r.status == 304) {
				panic(vm.NewTypeError("a %d response cannot have a body", r.status))
			}
		}
		if t := io.Get("statusText"); t != nil && !goja.IsUndefined(t) {
			r.statusText = t.String()
		}
		if h := io.Get("headers"); h != nil && !goja.IsUndefined(h) {
			r.headers = &goHeaders{inst: inst}
			inst.fillHeaders(r.headers, h)
		}
	}
	// goja made call.This with the right prototype (a subclass's, under
	// extends); the Response takes it over.
	o := vm.NewDynamicObject(r)
	_ = o.SetPrototype(call.This.Prototype())
	inst.lastResp, inst.lastRespObj = r, o
	return o
}

func (inst *instance) throwRange(msg string) {
	ctor, _ := goja.AssertConstructor(inst.vm.Get("RangeError"))
	e, err := ctor(nil, inst.vm.ToValue(msg))
	if err != nil {
		panic(err)
	}
	panic(e)
}

// installResponse defines Response in Go and its methods; the statics and
// helpers that read better in JS are in js/10-core.js.
func (inst *instance) installResponse(host *goja.Object) {
	vm := inst.vm
	inst.uint8Ctor, _ = goja.AssertConstructor(vm.Get("Uint8Array"))
	ctor := vm.ToValue(inst.newResponse).(*goja.Object)
	_ = host.Set("Response", ctor)
	this := func(call goja.FunctionCall) *jsResponse {
		if o, ok := call.This.(*goja.Object); ok {
			if r, ok := o.Export().(*jsResponse); ok {
				return r
			}
		}
		panic(vm.NewTypeError("illegal invocation: not a Response"))
	}
	inst.responseMethods = inst.bodyMethods(func(call goja.FunctionCall) (*msgBody, func() string) {
		r := this(call)
		return &r.body, r.contentType
	})
	inst.responseMethods["clone"] = vm.ToValue(func(call goja.FunctionCall) goja.Value {
		r := this(call)
		if r.isError() {
			return inst.errorResponse()
		}
		if inst.unusable(&r.body) {
			panic(vm.NewTypeError("cannot clone a Response whose body was used"))
		}
		c := &jsResponse{inst: inst, status: r.status, statusText: r.statusText, ctype: r.ctype}
		if r.more != nil {
			c.more = &responseMore{url: r.more.url, redirected: r.more.redirected}
		}
		c.body = inst.cloneBody(&r.body)
		if r.headers != nil {
			c.headers = r.headers.clone()
			c.headers.immutable = r.headers.immutable
		}
		o := vm.NewDynamicObject(c)
		_ = o.SetPrototype(call.This.(*goja.Object).Prototype())
		return o
	})
	_ = host.Set("errorResponse", inst.errorResponse)
	// setContentType(response, type): Response.json's content type, which
	// headers given in init override.
	_ = host.Set("setContentType", func(call goja.FunctionCall) goja.Value {
		r := this(goja.FunctionCall{This: call.Argument(0)})
		r.ctype = call.Argument(1).String()
		if r.headers != nil {
			r.headerList()
		}
		return goja.Undefined()
	})
	// freezeResponseHeaders(response): Response.redirect()'s headers are
	// immutable.
	_ = host.Set("freezeResponseHeaders", func(call goja.FunctionCall) goja.Value {
		this(goja.FunctionCall{This: call.Argument(0)}).headerList().immutable = true
		return goja.Undefined()
	})
}

// errorResponse is Response.error(): a network error, status 0, no body.
// A handler that returns one fails the invocation (unpack), as in Deno
// and workerd.
func (inst *instance) errorResponse() goja.Value {
	o := inst.vm.NewDynamicObject(&jsResponse{inst: inst, more: &responseMore{isError: true}})
	_ = o.SetPrototype(inst.respProto)
	return o
}

// settled runs f and returns a promise of its result, rejected with what f
// threw. Promise.resolve makes it without goja's resolving functions,
// which cost more than the work in most body methods.
func (inst *instance) settled(f func() goja.Value) (p goja.Value) {
	defer func() {
		if x := recover(); x != nil {
			var reason goja.Value
			switch e := x.(type) {
			case *goja.Exception:
				reason = e.Value()
			case goja.Value:
				reason = e
			default:
				panic(x)
			}
			v, err := inst.promiseReject(inst.promiseCtor, reason)
			if err != nil {
				panic(err)
			}
			p = v
		}
	}()
	v, err := inst.promiseResolve(inst.promiseCtor, f())
	if err != nil {
		panic(err)
	}
	return v
}
