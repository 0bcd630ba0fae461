package isolate

import (
	"github.com/dop251/goja"
)

// Headers.prototype's methods are native functions over goHeaders
// (headers.go), and its iterators are Go objects whose next is native:
// iterating a Headers builds no generator, no Map and no array of keys,
// which is what made Hono's middleware (each copies and walks the
// response's headers) costly. Names, lengths, the toStringTag, the
// iterator's prototype chain and the errors are those the JS class had.

// headersIterKind is what a Headers iterator gives: names, values or
// [name, value] pairs.
type headersIterKind uint8

const (
	iterEntries headersIterKind = iota
	iterKeys
	iterValues
)

// headersIter is a Headers iterator: an index into the sorted, combined
// list, which it reads anew at each step as the standard asks.
type headersIter struct {
	h    *goHeaders
	kind headersIterKind
	i    int
	ownProps
}

// named gives a native function the name and length a JS method of that
// signature would have.
func (inst *instance) named(f func(goja.FunctionCall) goja.Value, name string, length int) *goja.Object {
	fn := inst.vm.ToValue(f).(*goja.Object)
	_ = fn.DefineDataProperty("name", inst.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = fn.DefineDataProperty("length", inst.vm.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return fn
}

// constructHeaders is new Headers(init).
func (inst *instance) constructHeaders(call goja.ConstructorCall) *goja.Object {
	h := &goHeaders{inst: inst}
	inst.fillHeaders(h, call.Argument(0))
	// goja made call.This with the right prototype (a subclass's, under
	// extends); the Headers takes it over.
	h.obj = inst.vm.NewDynamicObject(h)
	_ = h.obj.SetPrototype(call.This.Prototype())
	return h.obj
}

// installHeaders defines Headers on the host object, for js/10-core.js
// to publish.
func (inst *instance) installHeaders(host *goja.Object) {
	vm := inst.vm
	ctor := vm.ToValue(inst.constructHeaders).(*goja.Object)
	_ = ctor.DefineDataProperty("name", vm.ToValue("Headers"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	proto := ctor.Get("prototype").(*goja.Object)
	inst.headersProto = proto
	// last is the Headers the last method was called on: middleware calls
	// several in a row on one object, and goja's Export allocates.
	var last *goHeaders
	this := func(call goja.FunctionCall) *goHeaders {
		if last != nil && call.This == goja.Value(last.obj) {
			return last
		}
		if h := headerListOf(call.This); h != nil {
			last = h
			return h
		}
		panic(vm.NewTypeError("illegal invocation: not a Headers"))
	}
	writable := func(call goja.FunctionCall) *goHeaders {
		h := this(call)
		if h.immutable {
			panic(vm.NewTypeError(errImmutable))
		}
		return h
	}
	method := func(name string, length int, f func(goja.FunctionCall) goja.Value) *goja.Object {
		fn := inst.named(f, name, length)
		_ = proto.DefineDataProperty(name, fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		return fn
	}
	method("append", 2, func(call goja.FunctionCall) goja.Value {
		h := writable(call)
		h.add(inst.checkedName(call.Argument(0)), inst.headerValueOf(call.Argument(1)))
		return goja.Undefined()
	})
	method("delete", 1, func(call goja.FunctionCall) goja.Value {
		h := writable(call)
		h.remove(inst.lowerName(jsString(call.Argument(0))))
		return goja.Undefined()
	})
	method("get", 1, func(call goja.FunctionCall) goja.Value {
		v, ok := this(call).value(inst.lowerName(jsString(call.Argument(0))))
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(v)
	})
	method("getSetCookie", 0, func(call goja.FunctionCall) goja.Value {
		h := this(call)
		var out []any
		if i := h.index("set-cookie"); i >= 0 {
			out = make([]any, len(h.fields[i].values))
			for j, v := range h.fields[i].values {
				out[j] = v
			}
		}
		return vm.NewArray(out...)
	})
	method("has", 1, func(call goja.FunctionCall) goja.Value {
		return vm.ToValue(this(call).index(inst.lowerName(jsString(call.Argument(0)))) >= 0)
	})
	method("set", 2, func(call goja.FunctionCall) goja.Value {
		h := writable(call)
		h.put(inst.checkedName(call.Argument(0)), inst.headerValueOf(call.Argument(1)))
		return goja.Undefined()
	})

	iterProto := vm.CreateObject(inst.iteratorPrototype())
	iterator := func(kind headersIterKind) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			o := vm.NewDynamicObject(&headersIter{h: this(call), kind: kind})
			_ = o.SetPrototype(iterProto)
			return o
		}
	}
	entries := method("entries", 0, iterator(iterEntries))
	method("keys", 0, iterator(iterKeys))
	method("values", 0, iterator(iterValues))
	_ = proto.DefineDataPropertySymbol(goja.SymIterator, entries, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	method("forEach", 1, func(call goja.FunctionCall) goja.Value {
		h := this(call)
		cb, ok := goja.AssertFunction(call.Argument(0))
		if !ok {
			panic(vm.NewTypeError("Headers.forEach: the callback is not a function"))
		}
		for i := 0; i < len(h.pairs()); i++ {
			p := h.pairs()[i]
			if _, err := cb(call.Argument(1), vm.ToValue(p.value), vm.ToValue(p.name), call.This); err != nil {
				panic(err)
			}
		}
		return goja.Undefined()
	})
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, vm.ToValue("Headers"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)

	next := inst.named(func(call goja.FunctionCall) goja.Value {
		o, _ := call.This.(*goja.Object)
		var it *headersIter
		if o != nil {
			it, _ = o.Export().(*headersIter)
		}
		if it == nil {
			panic(vm.NewTypeError("illegal invocation: not a Headers iterator"))
		}
		ps := it.h.pairs()
		if it.i >= len(ps) {
			return inst.iterResult(goja.Undefined(), true)
		}
		p := ps[it.i]
		it.i++
		switch it.kind {
		case iterKeys:
			return inst.iterResult(vm.ToValue(p.name), false)
		case iterValues:
			return inst.iterResult(vm.ToValue(p.value), false)
		}
		return inst.iterResult(vm.NewArray(p.name, p.value), false)
	}, "next", 0)
	_ = iterProto.DefineDataProperty("next", next, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = iterProto.DefineDataPropertySymbol(goja.SymToStringTag, vm.ToValue("Headers Iterator"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)

	_ = host.Set("Headers", ctor)
	// setDefaultHeader(headers, name, value): a body's implied type.
	_ = host.Set("setDefaultHeader", func(call goja.FunctionCall) goja.Value {
		headerListOf(call.Argument(0)).setDefault(call.Argument(1).String(), call.Argument(2).String())
		return goja.Undefined()
	})
	// flatHeaders(headers): [name, value, ...] as the server sends them.
	_ = host.Set("flatHeaders", func(call goja.FunctionCall) goja.Value {
		h := this(goja.FunctionCall{This: call.Argument(0)})
		flat := make([]any, 0, 2*len(h.fields))
		for _, f := range h.fields {
			if f.name == "set-cookie" {
				for _, v := range f.values {
					flat = append(flat, f.name, v)
				}
				continue
			}
			v, _ := h.value(f.name)
			flat = append(flat, f.name, v)
		}
		return vm.NewArray(flat...)
	})
	// freezeHeaders(headers): the immutable guard, for Response.redirect()
	// and a clone of the platform's Request.
	_ = host.Set("freezeHeaders", func(call goja.FunctionCall) goja.Value {
		this(goja.FunctionCall{This: call.Argument(0)}).immutable = true
		return goja.Undefined()
	})
}

// iteratorPrototype is %IteratorPrototype%, the prototype of the built-in
// iterators' prototypes (what gives them [Symbol.iterator]() { return
// this }).
func (inst *instance) iteratorPrototype() *goja.Object {
	vm := inst.vm
	arr := vm.NewArray()
	f, _ := goja.AssertFunction(arr.GetSymbol(goja.SymIterator))
	it, err := f(arr)
	if err != nil {
		panic(err)
	}
	return it.ToObject(vm).Prototype().Prototype()
}

// iterResult is {value, done}.
func (inst *instance) iterResult(v goja.Value, done bool) goja.Value {
	o := inst.vm.NewObject()
	_ = o.Set("value", v)
	_ = o.Set("done", done)
	return o
}
