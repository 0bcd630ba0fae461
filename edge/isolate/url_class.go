package isolate

import (
	"reflect"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/weburl"
)

// The URL class is native: a URL is a Go record (jsURL) behind a dynamic
// object, its getters slice the href in Go, and new URL() of an href
// already in the serializer's form (every request.url) is checked in one
// pass without building a URL record (weburl.Canonical). The JS class it
// replaces cost ~26 allocations per new URL: the instance, a symbol slot,
// a 13-element record array and the parse. URLSearchParams stays in
// js/20-url.js; the two meet through the hooks below.

// jsURL is a URL object's state: its serialization, its searchParams once
// read, and whatever own properties the function gives it.
type jsURL struct {
	s      weburl.Serialized
	obj    *goja.Object
	params *goja.Object
	ownProps
}

var jsURLType = reflect.TypeOf((*jsURL)(nil))

// query is the URL's query without the '?', as URLSearchParams parses it.
func (u *jsURL) query() string {
	q := u.s.Get(weburl.Search)
	if q != "" {
		q = q[1:]
	}
	return q
}

// parseHref is new URL(input, base)'s parse: an input already in the
// serializer's form is its own serialization.
func parseHref(input, base string, hasBase bool) (weburl.Serialized, bool) {
	if !hasBase {
		if s, ok := weburl.Canonical(input); ok {
			return s, true
		}
	}
	u, ok := parseURL(input, base, hasBase)
	if !ok {
		return weburl.Serialized{}, false
	}
	return u.Serialize(), true
}

// urlHooks are js/20-url.js's side of searchParams: newParams(url, query)
// makes the URLSearchParams of a URL, resetParams(params, query) gives it
// a new list after the URL's query changed.
type urlHooks struct {
	newParams, resetParams goja.Callable
}

// urlClass builds the URL constructor, for js/20-url.js's lazy make: the
// ~30 native functions of its prototype are made only in runtimes that
// use URL.
// setQuery is URLSearchParams' way to change a URL's query.
func (inst *instance) urlClass(hooks urlHooks) (ctor, setQuery *goja.Object) {
	vm := inst.vm
	var proto *goja.Object
	// usv is a USVString argument: ToString, which throws on a Symbol;
	// goja's String() decodes lone surrogates to U+FFFD.
	usv := func(v goja.Value) string {
		switch v.(type) {
		case goja.String:
			return v.String() // ToString would box it again
		case *goja.Symbol:
			panic(vm.NewTypeError("Cannot convert a Symbol value to a string"))
		}
		return v.ToString().String()
	}
	// parse is the URL parser on the constructor's arguments.
	parse := func(call []goja.Value) (weburl.Serialized, bool) {
		var in, base goja.Value = goja.Undefined(), goja.Undefined()
		if len(call) > 0 {
			in = call[0]
		}
		if len(call) > 1 {
			base = call[1]
		}
		input := usv(in)
		if goja.IsUndefined(base) {
			return parseHref(input, "", false)
		}
		return parseHref(input, usv(base), true)
	}
	invalid := func(call []goja.Value) *goja.Object {
		in := "undefined"
		if len(call) > 0 {
			in = usv(call[0])
		}
		if len(in) > 200 {
			in = in[:200]
		}
		return vm.NewTypeError("Invalid URL: " + jsonQuote(in))
	}
	// last is the URL the last getter ran on, or the newest: a handler
	// reads components of the URL it just made, and goja's Export
	// allocates.
	var last *jsURL
	newURL := func(s weburl.Serialized, p *goja.Object) *goja.Object {
		u := &jsURL{s: s}
		u.obj = vm.NewDynamicObject(u)
		_ = u.obj.SetPrototype(p)
		last = u
		return u.obj
	}
	ctor = vm.ToValue(func(call goja.ConstructorCall) *goja.Object {
		p := call.This.Prototype()
		if p == nil || !inherits(p, proto) {
			panic(vm.NewTypeError("Class constructor URL cannot be invoked without 'new'"))
		}
		s, ok := parse(call.Arguments)
		if !ok {
			panic(invalid(call.Arguments))
		}
		return newURL(s, p)
	}).(*goja.Object)
	_ = ctor.DefineDataProperty("name", vm.ToValue("URL"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = ctor.DefineDataProperty("length", vm.ToValue(1), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	proto = ctor.Get("prototype").(*goja.Object)

	this := func(v goja.Value) *jsURL {
		if last != nil && v == goja.Value(last.obj) {
			return last
		}
		if o, ok := v.(*goja.Object); ok && o.ExportType() == jsURLType {
			last = o.Export().(*jsURL)
			return last
		}
		panic(vm.NewTypeError("Illegal invocation: not a URL"))
	}
	// install gives u the serialization s and brings its searchParams, if
	// any, up to date with the query.
	install := func(u *jsURL, s weburl.Serialized) {
		old := u.s
		u.s = s
		if u.params != nil && old.Get(weburl.Search) != s.Get(weburl.Search) {
			if _, err := hooks.resetParams(goja.Undefined(), u.params, vm.ToValue(u.query())); err != nil {
				panic(err)
			}
		}
	}
	accessor := func(name string, get func(u *jsURL) goja.Value, set func(u *jsURL, v string)) {
		g := inst.named(func(call goja.FunctionCall) goja.Value { return get(this(call.This)) }, "get "+name, 0)
		var s goja.Value
		if set != nil {
			s = inst.named(func(call goja.FunctionCall) goja.Value {
				u := this(call.This)
				set(u, usv(call.Argument(0)))
				return goja.Undefined()
			}, "set "+name, 1)
		}
		_ = proto.DefineAccessorProperty(name, g, s, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	component := func(c weburl.Component) func(u *jsURL) goja.Value {
		return func(u *jsURL) goja.Value { return vm.ToValue(u.s.Get(c)) }
	}
	setter := func(field int64) func(u *jsURL, v string) {
		return func(u *jsURL, v string) {
			if s, ok := setURL(u.s.Href, field, v); ok {
				install(u, s)
			}
		}
	}
	accessor("href", component(weburl.Href), func(u *jsURL, v string) {
		s, ok := parseHref(v, "", false)
		if !ok {
			panic(vm.NewTypeError("Invalid URL: " + jsonQuote(v)))
		}
		install(u, s)
	})
	accessor("origin", func(u *jsURL) goja.Value {
		if p, err := weburl.Parse(u.s.Href, nil); err == nil {
			return vm.ToValue(p.Origin())
		}
		return vm.ToValue("null")
	}, nil)
	for field, c := range urlFields {
		if field > 0 {
			accessor(c.String(), component(c), setter(int64(field)))
		}
	}
	accessor("searchParams", func(u *jsURL) goja.Value {
		if u.params == nil {
			p, err := hooks.newParams(goja.Undefined(), u.obj, vm.ToValue(u.query()))
			if err != nil {
				panic(err)
			}
			u.params = p.(*goja.Object)
		}
		return u.params
	}, nil)
	href := func(call goja.FunctionCall) goja.Value { return vm.ToValue(this(call.This).s.Href) }
	for _, name := range []string{"toString", "toJSON"} {
		_ = proto.DefineDataProperty(name, inst.named(href, name, 0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, vm.ToValue("URL"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)

	static := func(name string, f func(goja.FunctionCall) goja.Value) {
		_ = ctor.DefineDataProperty(name, inst.named(f, name, 1), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	static("canParse", func(call goja.FunctionCall) goja.Value {
		_, ok := parse(call.Arguments)
		return vm.ToValue(ok)
	})
	static("parse", func(call goja.FunctionCall) goja.Value {
		s, ok := parse(call.Arguments)
		if !ok {
			return goja.Null()
		}
		return newURL(s, proto)
	})
	// setQuery(url, query) is URLSearchParams' update steps: the URL's
	// query follows the list, and the list stays as it is.
	setQuery = vm.ToValue(func(call goja.FunctionCall) goja.Value {
		u := this(call.Argument(0))
		if s, ok := setURL(u.s.Href, urlFieldSearch, call.Argument(1).String()); ok {
			u.s = s
		}
		return goja.Undefined()
	}).(*goja.Object)
	return ctor, setQuery
}

// inherits reports whether proto is p or has p on its prototype chain.
func inherits(p, proto *goja.Object) bool {
	for ; p != nil; p = p.Prototype() {
		if p == proto {
			return true
		}
	}
	return false
}
