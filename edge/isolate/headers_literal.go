package isolate

import (
	"reflect"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/http/httpguts"
)

// A Response's init often gives its headers as an object literal:
// `{headers: {"content-type": "text/plain"}}`. Building a JS Headers of it
// (a Map, an array per name, a call per header) was most of such a
// response's cost, and most handlers never read the headers back. So an
// init whose headers are a plain object is read here into a flat list of
// lower-case names and values, converted and checked as new Headers(init)
// does (own enumerable keys in order, String of each value, trimmed,
// refused with the same TypeError), and the JS Headers is made from the
// list only if the function asks for response.headers.

// plainObjectType is what goja exports an ordinary object as; proxies,
// arrays, functions and Go-backed objects export as other types.
var plainObjectType = reflect.TypeOf(map[string]any(nil))

// literalHeaders reads v as a header record if it is a plain object whose
// prototype is Object.prototype and which is not iterable, with valid
// names; ok is false (and nothing of v was read but its keys) for anything
// else, which goes through the JS Headers class.
func (inst *instance) literalHeaders(v goja.Value) (flat []string, ok bool) {
	o, isObj := v.(*goja.Object)
	if !isObj || o.ExportType() != plainObjectType || o.Prototype() != inst.objectProto {
		return nil, false
	}
	if it := o.GetSymbol(goja.SymIterator); it != nil && !goja.IsUndefined(it) && !goja.IsNull(it) {
		return nil, false
	}
	keys := o.Keys()
	for _, k := range keys {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, false // the JS class throws its own TypeError
		}
	}
	flat = make([]string, 0, 2*len(keys))
	for _, k := range keys {
		flat = append(flat, strings.ToLower(k), inst.headerValueOf(o.Get(k)))
	}
	return flat, true
}

// headerValueOf converts a header value as the Headers class does:
// String(v), trimmed of HTTP whitespace, refused if it holds a byte a
// header value may not.
func (inst *instance) headerValueOf(v goja.Value) string {
	var s string
	if sym, isSym := v.(*goja.Symbol); isSym {
		s = "Symbol(" + sym.String() + ")" // String(symbol) does not throw
	} else if v == nil {
		s = "undefined"
	} else {
		s = v.String()
	}
	s, ok := headerValue(s)
	if !ok {
		panic(inst.vm.NewTypeError("invalid header value"))
	}
	return s
}

// headerValue is a header value as the Headers class keeps it: trimmed of
// HTTP whitespace; ok is false if it holds a byte a value may not.
func headerValue(v string) (string, bool) {
	v = strings.Trim(v, " \t\r\n")
	return v, httpguts.ValidHeaderFieldValue(v) && !strings.ContainsAny(v, "\r\n")
}

// literalHeaderValue is headers.get(name) of a flat list.
func literalHeaderValue(flat []string, name string) (string, bool) {
	var vs []string
	for i := 0; i+1 < len(flat); i += 2 {
		if flat[i] == name {
			vs = append(vs, flat[i+1])
		}
	}
	return strings.Join(vs, ", "), vs != nil
}
