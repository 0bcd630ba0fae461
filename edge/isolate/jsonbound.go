package isolate

import (
	"math"
	"strconv"

	"github.com/dop251/goja"
)

// maxJSONNesting bounds how deeply JSON.parse and JSON.stringify nest
// arrays and objects: deeper input throws a RangeError. goja's own
// JSON.parse and JSON.stringify recurse in Go once per level with no
// bound: 8 MiB of "[" overflowed the 1 GB goroutine stack. Measured here,
// goja's parse takes about 0.4 KB of Go stack per level, its stringify
// 0.8 KB and a reviver walk 0.7 KB: at 5000 levels each stays under 4 MB.
// Real JSON nests a few dozen levels (V8's own Array.prototype.toString
// gives up near 4000); the bound also keeps goja's stringify, whose cycle
// check scans every level above at each level, from quadratic run times.
const maxJSONNesting = 5000

// maxJSONIndent bounds the indentation of JSON.stringify's deepest line
// (the nesting times the width of its space argument). Each level's
// indentation is a string of its own and every line repeats it, so the
// memory an indented stringify takes is quadratic in the nesting: 5000
// levels at a width of 10 would be some 250 MB, taken before any limit
// can interrupt the call.
const maxJSONIndent = 2000

// boundJSON replaces JSON.parse and JSON.stringify with wrappers that keep
// goja's results and errors but refuse nesting deeper than maxJSONNesting.
func (inst *instance) boundJSON() error {
	vm := inst.vm
	json := vm.Get("JSON").ToObject(vm)
	parse, _ := goja.AssertFunction(json.Get("parse"))
	stringify, _ := goja.AssertFunction(json.Get("stringify"))
	reflect := vm.Get("Reflect").ToObject(vm)
	b := jsonBounds{inst: inst, parse: parse, stringify: stringify}
	b.isArray, _ = goja.AssertFunction(vm.Get("Array").ToObject(vm).Get("isArray"))
	b.defineProperty, _ = goja.AssertFunction(reflect.Get("defineProperty"))
	b.deleteProperty, _ = goja.AssertFunction(reflect.Get("deleteProperty"))
	for _, m := range []struct {
		name   string
		length int
		f      func(goja.FunctionCall) goja.Value
	}{{"parse", 2, b.parseCall}, {"stringify", 3, b.stringifyCall}} {
		fn := vm.ToValue(m.f).(*goja.Object)
		if err := nameNative(vm, fn, m.name, m.length); err != nil {
			return err
		}
		if err := json.DefineDataProperty(m.name, fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return err
		}
	}
	inst.jsonParse = func(_ goja.Value, args ...goja.Value) (v goja.Value, err error) {
		if ex := vm.Try(func() { v, err = b.parseText(args[0]) }); ex != nil {
			return nil, ex
		}
		return v, err
	}
	return nil
}

type jsonBounds struct {
	inst                           *instance
	parse, stringify               goja.Callable
	isArray                        goja.Callable
	defineProperty, deleteProperty goja.Callable
}

func (b *jsonBounds) tooDeep(limit int) {
	b.inst.throwRange("JSON nests deeper than " + strconv.Itoa(limit) + " levels")
}

// parseText is goja's JSON.parse of text after a scan for its depth.
func (b *jsonBounds) parseText(text goja.Value) (goja.Value, error) {
	s := text.ToString()
	if jsonNesting(s.String()) > maxJSONNesting {
		b.tooDeep(maxJSONNesting)
	}
	return b.parse(goja.Undefined(), s)
}

func (b *jsonBounds) parseCall(call goja.FunctionCall) goja.Value {
	v, err := b.parseText(call.Argument(0))
	if err != nil {
		panic(err)
	}
	reviver, ok := goja.AssertFunction(call.Argument(1))
	if !ok {
		return v
	}
	root := b.inst.vm.NewObject()
	if err := root.Set("", v); err != nil {
		panic(err)
	}
	return b.revive(reviver, root, "", 0)
}

// jsonNesting is the deepest nesting of brackets outside strings in s. For
// any prefix that is valid JSON it is the parser's depth, so it bounds how
// far goja's parser recurses before it returns or meets a syntax error.
func jsonNesting(s string) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > deepest {
				deepest = depth
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// revive is ECMA-262's InternalizeJSONProperty with a depth bound: the
// reviver may hang deeper values on the tree it walks.
func (b *jsonBounds) revive(reviver goja.Callable, holder *goja.Object, name string, depth int) goja.Value {
	vm := b.inst.vm
	key := vm.ToValue(name)
	val := holder.Get(name)
	if val == nil {
		val = goja.Undefined()
	}
	if obj, ok := val.(*goja.Object); ok {
		if depth >= maxJSONNesting {
			b.tooDeep(maxJSONNesting)
		}
		each := func(k string) {
			v := b.revive(reviver, obj, k, depth+1)
			if goja.IsUndefined(v) {
				b.call(b.deleteProperty, goja.Undefined(), obj, vm.ToValue(k))
				return
			}
			desc := vm.NewObject()
			_ = desc.Set("value", v)
			_ = desc.Set("writable", true)
			_ = desc.Set("enumerable", true)
			_ = desc.Set("configurable", true)
			b.call(b.defineProperty, goja.Undefined(), obj, vm.ToValue(k), desc)
		}
		if b.call(b.isArray, goja.Undefined(), obj).ToBoolean() {
			n := math.Min(math.Max(math.Trunc(obj.Get("length").ToFloat()), 0), 1<<53-1)
			for i := float64(0); i < n; i++ {
				each(strconv.FormatFloat(i, 'f', -1, 64))
			}
		} else {
			for _, k := range obj.Keys() {
				each(k)
			}
		}
	}
	return b.call(reviver, holder, key, val)
}

func (b *jsonBounds) call(f goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	v, err := f(this, args...)
	if err != nil {
		panic(err)
	}
	return v
}

// stringifyCall is goja's JSON.stringify with a replacer function of its
// own, which goja calls for every value before it descends into it, with
// the value's holder as this: the holders of the values being serialized
// form a chain from the root, and its length is the depth. A caller's
// replacer function runs inside it; a caller's key list is served by
// wrapping each object in a view that lists those keys (listView).
func (b *jsonBounds) stringifyCall(call goja.FunctionCall) goja.Value {
	vm := b.inst.vm
	replacer, hasFn := goja.AssertFunction(call.Argument(1))
	var keys []string
	if r, ok := call.Argument(1).(*goja.Object); ok && !hasFn && b.call(b.isArray, goja.Undefined(), r).ToBoolean() {
		keys = propertyList(r)
	}
	space, limit := b.indent(call.Argument(2))
	// chain holds the objects being serialized, root first; from holds,
	// for each, the object a listView stands for (nil for others).
	var chain, from []*goja.Object
	track := func(c goja.FunctionCall) goja.Value {
		holder, _ := c.This.(*goja.Object)
		for len(chain) > 0 && chain[len(chain)-1] != holder {
			chain, from = chain[:len(chain)-1], from[:len(from)-1]
		}
		if len(chain) == 0 {
			chain, from = append(chain, holder), append(from, nil)
		}
		v := c.Argument(1)
		if hasFn {
			v = b.call(replacer, c.This, c.Argument(0), v)
		}
		obj, ok := v.(*goja.Object)
		if !ok {
			return v
		}
		if len(chain) > limit {
			b.tooDeep(limit)
		}
		var orig *goja.Object
		if keys != nil && b.serializedAsObject(obj) {
			for _, o := range from {
				if o == obj {
					panic(vm.NewTypeError("Converting circular structure to JSON"))
				}
			}
			orig, obj = obj, vm.NewDynamicObject(&listView{obj: obj, keys: keys})
		}
		chain, from = append(chain, obj), append(from, orig)
		return obj
	}
	return b.call(b.stringify, goja.Undefined(), call.Argument(0), vm.ToValue(track), space)
}

// indent reads JSON.stringify's space argument as the standard does, once
// (a Number or String object is converted here and passed on as the
// primitive), and returns it with the nesting bound for its width.
func (b *jsonBounds) indent(space goja.Value) (goja.Value, int) {
	if o, ok := space.(*goja.Object); ok {
		switch o.ClassName() {
		case "Number":
			space = b.inst.vm.ToValue(o.ToFloat())
		case "String":
			space = o.ToString()
		}
	}
	width := 0
	switch {
	case goja.IsNumber(space):
		if f := space.ToFloat(); f >= 1 { // not NaN
			width = int(math.Min(10, f))
		}
	case goja.IsString(space):
		width = min(10, len(space.String()))
	}
	if width == 0 {
		return space, maxJSONNesting
	}
	return space, min(maxJSONNesting, maxJSONIndent/width)
}

// serializedAsObject reports whether JSON.stringify writes obj as an
// object with its keys: not a function, an array, a primitive's wrapper
// or JSON.rawJSON's result.
func (b *jsonBounds) serializedAsObject(obj *goja.Object) bool {
	if _, ok := goja.AssertFunction(obj); ok {
		return false
	}
	switch obj.ClassName() {
	case "Number", "String", "Boolean", "BigInt", "Symbol", "RawJSON":
		return false
	}
	return !b.call(b.isArray, goja.Undefined(), obj).ToBoolean()
}

// propertyList is a replacer array's keys, as JSON.stringify reads them:
// strings, numbers and their wrappers, each once, in order.
func propertyList(r *goja.Object) []string {
	n := r.Get("length").ToInteger()
	seen := make(map[string]bool)
	keys := []string{}
	for i := int64(0); i < n; i++ {
		v := r.Get(strconv.FormatInt(i, 10))
		if v == nil {
			continue
		}
		if o, ok := v.(*goja.Object); ok {
			if c := o.ClassName(); c != "Number" && c != "String" {
				continue
			}
		} else if !goja.IsNumber(v) && !goja.IsString(v) {
			continue
		}
		if k := v.String(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// listView is an object as a replacer array shows it to JSON.stringify:
// the listed keys, in the list's order, each read from the object when
// serialized (so getters run when the standard says).
type listView struct {
	obj  *goja.Object
	keys []string
}

func (l *listView) Get(key string) goja.Value   { return l.obj.Get(key) }
func (l *listView) Set(string, goja.Value) bool { return false }
func (l *listView) Has(key string) bool         { return true }
func (l *listView) Delete(string) bool          { return false }
func (l *listView) Keys() []string              { return l.keys }
