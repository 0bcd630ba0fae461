package isolate

import (
	"strings"

	"github.com/dop251/goja"
)

// jsResponse is a Response: a goja dynamic object over Go fields, with
// Response.prototype (or a subclass's) as its prototype. `new
// Response("hi")` costs a few allocations and no property writes, and the
// server reads the fields directly. Headers become a JS Headers object
// only when given or asked for.
type jsResponse struct {
	inst       *instance
	status     int
	statusText string
	headers    goja.Value // a Headers object, or nil until needed
	ctype      string     // content type implied by the body, until headers exist
	body       goja.Value // nil, a string, an ArrayBuffer or a view
	raw        []byte     // a body from Go (fetch), when body is nil
	used       bool
	url        string
	redirected bool
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
		return vm.ToValue(r.redirected)
	case "url":
		return vm.ToValue(r.url)
	case "type":
		return vm.ToValue("default")
	case "body":
		return goja.Null()
	case "bodyUsed":
		return vm.ToValue(r.used)
	case "text", "json", "arrayBuffer", "bytes", "formData", "clone":
		return r.inst.responseMethods[key]
	}
	return nil
}

func (r *jsResponse) Set(string, goja.Value) bool { return false }
func (r *jsResponse) Has(key string) bool {
	switch key {
	case "status", "statusText", "ok", "headers", "redirected", "url", "type", "body", "bodyUsed":
		return true
	}
	return false
}
func (r *jsResponse) Delete(string) bool { return false }
func (r *jsResponse) Keys() []string     { return nil }

func (r *jsResponse) headerObject() goja.Value {
	if r.headers == nil {
		h, err := r.inst.newHeaders(goja.Undefined(), goja.Undefined())
		if err != nil {
			panic(err)
		}
		r.headers = h
	}
	if r.ctype != "" {
		r.inst.defaultContentType(r.headers, r.ctype)
		r.ctype = ""
	}
	return r.headers
}

// take marks the body used and returns it as text or bytes.
func (r *jsResponse) take() (goja.Value, []byte) {
	if r.used {
		panic(r.inst.vm.NewTypeError("body already used"))
	}
	r.used = true
	return r.body, r.raw
}

// newResponse is the Response constructor: new Response(body, init).
func (inst *instance) newResponse(call goja.ConstructorCall) *goja.Object {
	vm := inst.vm
	r := &jsResponse{inst: inst, status: 200}
	if body := call.Argument(0); !goja.IsUndefined(body) && !goja.IsNull(body) {
		if goja.IsString(body) {
			r.body, r.ctype = body, "text/plain;charset=UTF-8"
		} else {
			parts, err := inst.bodyInit(goja.Undefined(), body)
			if err != nil {
				panic(err)
			}
			arr := parts.ToObject(vm)
			r.body = arr.Get("0")
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
			if r.body != nil && (r.status == 204 || r.status == 205 || r.status == 304) {
				panic(vm.NewTypeError("a %d response cannot have a body", r.status))
			}
		}
		if t := io.Get("statusText"); t != nil && !goja.IsUndefined(t) {
			r.statusText = t.String()
		}
		if h := io.Get("headers"); h != nil && !goja.IsUndefined(h) {
			hv, err := inst.newHeaders(goja.Undefined(), h)
			if err != nil {
				panic(err)
			}
			r.headers = hv
		}
	}
	// goja made call.This with the right prototype (a subclass's, under
	// extends); the Response takes it over.
	o := vm.NewDynamicObject(r)
	_ = o.SetPrototype(call.This.Prototype())
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
	inst.responseMethods = inst.bodyMethods(func(call goja.FunctionCall) func() (goja.Value, []byte) {
		r := this(call)
		return r.take
	})
	inst.responseMethods["formData"] = vm.ToValue(func(call goja.FunctionCall) goja.Value {
		r := this(call)
		return inst.settled(func() goja.Value {
			ct := ""
			if h := r.headerObject().ToObject(vm); h != nil {
				get, _ := goja.AssertFunction(h.Get("get"))
				if v, err := get(h, vm.ToValue("content-type")); err == nil && !goja.IsNull(v) {
					ct = strings.ToLower(v.String())
				}
			}
			fd, err := inst.formFrom(goja.Undefined(), vm.ToValue(ct), vm.ToValue(bodyText(r.take())))
			if err != nil {
				panic(err)
			}
			return fd
		})
	})
	inst.responseMethods["clone"] = vm.ToValue(func(call goja.FunctionCall) goja.Value {
		r := this(call)
		if r.used {
			panic(vm.NewTypeError("cannot clone a Response whose body was used"))
		}
		c := *r
		if r.headers != nil {
			h, err := inst.newHeaders(goja.Undefined(), r.headers)
			if err != nil {
				panic(err)
			}
			c.headers = h
		}
		o := vm.NewDynamicObject(&c)
		_ = o.SetPrototype(call.This.(*goja.Object).Prototype())
		return o
	})
	// setContentType(response, type): Response.json's content type, which
	// headers given in init override.
	_ = host.Set("setContentType", func(call goja.FunctionCall) goja.Value {
		r := this(goja.FunctionCall{This: call.Argument(0)})
		r.ctype = call.Argument(1).String()
		if r.headers != nil {
			inst.defaultContentType(r.headers, r.ctype)
			r.ctype = ""
		}
		return goja.Undefined()
	})
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

func (inst *instance) defaultContentType(headers goja.Value, ctype string) {
	if _, err := inst.setDefaultHeader(goja.Undefined(), headers, inst.vm.ToValue("content-type"), inst.vm.ToValue(ctype)); err != nil {
		panic(err)
	}
}
