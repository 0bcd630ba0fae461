package isolate

import (
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/http/httpguts"
)

// Headers is a Go structure behind a goja dynamic object: the header list
// of the Fetch standard, read and written by native methods on
// Headers.prototype (headers_class.go). The server's Request, a
// Response's init and the server reading a Response all reach the list
// directly; a JS object is made only when a function asks for .headers.
//
// Names are kept lower case, each with its values in the order they came:
// get() joins them with ", ", except that iteration gives every Set-Cookie
// value on its own, as the standard's "sort and combine" does.

// headerField is one name of a header list and its values.
type headerField struct {
	name   string
	values []string
}

// headerPair is one entry of the sorted, combined view iteration shows.
type headerPair struct{ name, value string }

// goHeaders is a header list, and the Headers object over it once made.
type goHeaders struct {
	inst      *instance
	fields    []headerField
	immutable bool         // the platform's Request, Response.error()/redirect()
	sorted    []headerPair // sort and combine of fields; nil when stale
	obj       *goja.Object // the Headers object, once made
	ownProps               // own properties a function adds
}

// errImmutable is what writing to an immutable Headers throws.
const errImmutable = "Headers are immutable"

// index is the position of name (lower case) in h.fields, or -1.
func (h *goHeaders) index(name string) int {
	for i := range h.fields {
		if h.fields[i].name == name {
			return i
		}
	}
	return -1
}

// add appends a value under a checked, lower-case name.
func (h *goHeaders) add(name, value string) {
	h.sorted = nil
	if i := h.index(name); i >= 0 {
		h.fields[i].values = append(h.fields[i].values, value)
		return
	}
	h.fields = append(h.fields, headerField{name: name, values: []string{value}})
}

// put replaces every value of name with value.
func (h *goHeaders) put(name, value string) {
	h.sorted = nil
	if i := h.index(name); i >= 0 {
		h.fields[i].values = append(h.fields[i].values[:0:0], value)
		return
	}
	h.fields = append(h.fields, headerField{name: name, values: []string{value}})
}

// remove drops name.
func (h *goHeaders) remove(name string) {
	if i := h.index(name); i >= 0 {
		h.sorted = nil
		h.fields = slices.Delete(h.fields, i, i+1)
	}
}

// value is get(name): the values joined, ok false when absent.
func (h *goHeaders) value(name string) (string, bool) {
	i := h.index(name)
	if i < 0 {
		return "", false
	}
	vs := h.fields[i].values
	if len(vs) == 1 {
		return vs[0], true
	}
	return strings.Join(vs, ", "), true
}

// setDefault sets name to value unless it is there already (a body's
// implied Content-Type).
func (h *goHeaders) setDefault(name, value string) {
	if h.index(name) < 0 {
		h.add(name, value)
	}
}

// copyFrom appends src's list (new Headers(headers), clone()).
func (h *goHeaders) copyFrom(src *goHeaders) {
	h.sorted = nil
	for _, f := range src.fields {
		if i := h.index(f.name); i >= 0 {
			h.fields[i].values = append(h.fields[i].values, f.values...)
			continue
		}
		h.fields = append(h.fields, headerField{name: f.name, values: slices.Clone(f.values)})
	}
}

// clone is a mutable copy of h's list.
func (h *goHeaders) clone() *goHeaders {
	c := &goHeaders{inst: h.inst, fields: make([]headerField, 0, len(h.fields))}
	c.copyFrom(h)
	return c
}

// pairs is the sorted, combined list iteration walks, kept until the list
// changes: each step of an iterator reads it anew, as the standard asks,
// without sorting again.
func (h *goHeaders) pairs() []headerPair {
	if h.sorted != nil {
		return h.sorted
	}
	fs := slices.Clone(h.fields)
	slices.SortFunc(fs, func(a, b headerField) int { return strings.Compare(a.name, b.name) })
	out := make([]headerPair, 0, len(fs))
	for _, f := range fs {
		if f.name == "set-cookie" {
			for _, v := range f.values {
				out = append(out, headerPair{f.name, v})
			}
			continue
		}
		v := f.values[0]
		if len(f.values) > 1 {
			v = strings.Join(f.values, ", ")
		}
		out = append(out, headerPair{f.name, v})
	}
	h.sorted = out
	return out
}

// toHTTP adds the list to an http.Header as the server sends it: one line
// per name, values joined, but one line per Set-Cookie. The values are
// shared, capped so that an append on either side copies.
func (h *goHeaders) toHTTP(out http.Header) {
	for _, f := range h.fields {
		ck := h.inst.canonicalName(f.name)
		vs := f.values
		if f.name != "set-cookie" && len(vs) > 1 {
			vs = []string{strings.Join(vs, ", ")}
		}
		if out[ck] == nil {
			out[ck] = vs[:len(vs):len(vs)]
			continue
		}
		out[ck] = append(out[ck], vs...)
	}
}

// headersFromHTTP makes the list of a Go http.Header (the server's
// Request, a fetched Response). Names are lower-cased once per instance.
func (inst *instance) headersFromHTTP(header http.Header) *goHeaders {
	h := &goHeaders{inst: inst, fields: make([]headerField, 0, len(header))}
	for k, vs := range header {
		if len(vs) == 0 {
			continue
		}
		// Capped, so that an append copies rather than writes into
		// header's arrays.
		h.fields = append(h.fields, headerField{name: inst.lowerName(k), values: vs[:len(vs):len(vs)]})
	}
	return h
}

// lowerName is strings.ToLower of a header name, remembered per instance:
// the same few names come with every request.
func (inst *instance) lowerName(k string) string {
	return remembered(&inst.lowerNames, k, strings.ToLower)
}

// canonicalName is http.CanonicalHeaderKey of a lower-case name,
// remembered per instance as lowerName is.
func (inst *instance) canonicalName(name string) string {
	return remembered(&inst.canonicalNames, name, http.CanonicalHeaderKey)
}

// remembered is f(k), from *memo if it was asked before; memo keeps at
// most 256 names, so that names made up per request cannot grow it.
func remembered(memo *map[string]string, k string, f func(string) string) string {
	if v, ok := (*memo)[k]; ok {
		return v
	}
	v := f(k)
	if *memo == nil {
		*memo = map[string]string{}
	}
	if len(*memo) < 256 {
		(*memo)[k] = v
	}
	return v
}

// object is the Headers object over h, made on first need with
// Headers.prototype.
func (h *goHeaders) object() *goja.Object {
	if h.obj == nil {
		h.obj = h.inst.vm.NewDynamicObject(h)
		_ = h.obj.SetPrototype(h.inst.headersProto)
	}
	return h.obj
}

// goHeadersType is what a Headers object exports as.
var goHeadersType = reflect.TypeOf((*goHeaders)(nil))

// headerListOf is the goHeaders behind a Headers object (a subclass's
// too), or nil. The type is looked at first: exporting an ordinary
// object copies all its properties into a map.
func headerListOf(v goja.Value) *goHeaders {
	o, ok := v.(*goja.Object)
	if !ok || o.ExportType() != goHeadersType {
		return nil
	}
	return o.Export().(*goHeaders)
}

// checkedName is a header name as a Headers method takes it: String(v),
// refused with a TypeError unless a valid token, then lower-cased.
func (inst *instance) checkedName(v goja.Value) string {
	return inst.checkedNameString(jsString(v))
}

// checkedNameString is checkedName of a string.
func (inst *instance) checkedNameString(n string) string {
	if !httpguts.ValidHeaderFieldName(n) {
		panic(inst.vm.NewTypeError("invalid header name: " + jsonQuote(n)))
	}
	return inst.lowerName(n)
}

// jsString is String(v): symbols give their description, as String does
// (goja's ToString throws on them).
func jsString(v goja.Value) string {
	if sym, isSym := v.(*goja.Symbol); isSym {
		return "Symbol(" + sym.String() + ")"
	}
	if v == nil {
		return "undefined"
	}
	return v.String()
}

// jsonQuote is JSON.stringify of a string, for error messages.
func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// fillHeaders adds init to h as new Headers(init) does: another Headers is
// copied, an iterable gives pairs, any other object is a record of its
// own enumerable keys in order.
func (inst *instance) fillHeaders(h *goHeaders, init goja.Value) {
	if init == nil || goja.IsUndefined(init) || goja.IsNull(init) {
		return
	}
	vm := inst.vm
	o, ok := init.(*goja.Object)
	if _, isFunc := goja.AssertFunction(init); !ok || isFunc {
		panic(vm.NewTypeError("Headers: init must be an object, a sequence of pairs or Headers"))
	}
	if src := headerListOf(o); src != nil {
		h.copyFrom(src)
		return
	}
	if it := o.GetSymbol(goja.SymIterator); it != nil {
		if _, isFunc := goja.AssertFunction(it); isFunc {
			vm.ForOf(o, func(pair goja.Value) bool {
				name, value := inst.headerPairOf(pair)
				h.add(inst.checkedName(name), inst.headerValueOf(value))
				return true
			})
			return
		}
	}
	// A record: one array holds a value per key, each name's values a
	// capped slice of it, so that an append copies.
	keys := o.Keys()
	if h.fields == nil {
		h.fields = make([]headerField, 0, len(keys))
	}
	vals := make([]string, len(keys))
	for i, k := range keys {
		name := inst.checkedNameString(k)
		vals[i] = inst.headerValueOf(o.Get(k))
		if j := h.index(name); j >= 0 {
			h.fields[j].values = append(h.fields[j].values, vals[i])
			continue
		}
		h.fields = append(h.fields, headerField{name: name, values: vals[i : i+1 : i+1]})
	}
	h.sorted = nil
}

// headerPairOf reads one item of a sequence of pairs: Array.from(item)
// must have two elements.
func (inst *instance) headerPairOf(item goja.Value) (name, value goja.Value) {
	vm := inst.vm
	var arr *goja.Object
	if o, ok := item.(*goja.Object); ok && o.ClassName() == "Array" {
		arr = o
	} else {
		from, _ := goja.AssertFunction(inst.arrayFrom)
		v, err := from(goja.Undefined(), item)
		if err != nil {
			panic(err)
		}
		arr = v.ToObject(vm)
	}
	if arr.Get("length").ToInteger() != 2 {
		panic(vm.NewTypeError("header pairs must have two items"))
	}
	return arr.Get("0"), arr.Get("1")
}
