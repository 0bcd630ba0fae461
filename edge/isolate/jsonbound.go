package isolate

import (
	"strconv"

	"github.com/dop251/goja"
)

// maxJSONNesting bounds how deeply JSON.parse and JSON.stringify nest
// arrays and objects: deeper input throws a RangeError. goja's own
// JSON.parse and JSON.stringify recursed in Go once per level with no
// bound: 8 MiB of "[" overflowed the 1 GB goroutine stack. Ours recurse
// too (json_stringify.go), a reviver walk takes about 0.7 KB of Go stack
// per level: at 5000 levels each stays under 4 MB. Real JSON nests a few
// dozen levels (V8's own Array.prototype.toString gives up near 4000); the
// bound also keeps the cycle check, which scans every level above at each
// level, from quadratic run times.
const maxJSONNesting = 5000

// maxJSONIndent bounds the indentation of JSON.stringify's deepest line
// (the nesting times the width of its space argument). Each level's
// indentation is a string of its own and every line repeats it, so the
// memory an indented stringify takes is quadratic in the nesting: 5000
// levels at a width of 10 would be some 250 MB, taken before any limit
// can interrupt the call.
const maxJSONIndent = 2000

// boundJSON replaces goja's JSON.stringify and JSON.parse with ours
// (json_stringify.go, jsonparse.go), which refuse nesting deeper than
// maxJSONNesting.
func (inst *instance) boundJSON() error {
	vm := inst.vm
	json := vm.Get("JSON").ToObject(vm)
	reflect := vm.Get("Reflect").ToObject(vm)
	b := jsonBounds{inst: inst}
	b.defineProperty, _ = goja.AssertFunction(reflect.Get("defineProperty"))
	b.reflectGet, _ = goja.AssertFunction(reflect.Get("get"))
	b.objectKeys, _ = goja.AssertFunction(vm.Get("Object").ToObject(vm).Get("keys"))
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
	objectKeys, reflectGet         goja.Callable
	buf                            []byte // JSON.stringify's output buffer, kept between calls
	defineProperty, deleteProperty goja.Callable
}

func (b *jsonBounds) tooDeep(limit int) {
	b.inst.throwRange("JSON nests deeper than " + strconv.Itoa(limit) + " levels")
}

// parseText is JSON.parse of text without a reviver (jsonparse.go).
func (b *jsonBounds) parseText(text goja.Value) (goja.Value, error) {
	return b.inst.parseJSONValue(text), nil
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
	// CreateDataProperty: a setter for "" on Object.prototype is not run.
	root := b.inst.vm.NewObject()
	if err := root.DefineDataProperty("", v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
		panic(err)
	}
	return b.revive(reviver, root, "", nil, 0)
}

// revive is ECMA-262's InternalizeJSONProperty with a depth bound: the
// reviver may hang deeper values on the tree it walks. The key is name,
// or keyValue when a Go string cannot hold it (a lone surrogate).
func (b *jsonBounds) revive(reviver goja.Callable, holder *goja.Object, name string, keyValue goja.Value, depth int) goja.Value {
	vm := b.inst.vm
	var val goja.Value
	if keyValue != nil {
		val = b.call(b.reflectGet, goja.Undefined(), holder, keyValue)
	} else {
		keyValue, val = vm.ToValue(name), holder.Get(name)
	}
	if val == nil {
		val = goja.Undefined()
	}
	if obj, ok := val.(*goja.Object); ok {
		if depth >= maxJSONNesting {
			b.tooDeep(maxJSONNesting)
		}
		// An ordinary object or array is changed in Go; what CreateDataProperty
		// and [[Delete]] report is ignored, so a failure is too. A proxy or
		// an exotic object goes through Reflect, which runs its traps, as
		// does a key with a lone surrogate.
		plain := false
		switch obj.ClassName() {
		case "Object", "Array":
			plain = obj.ExportType() != proxyType
		}
		each := func(k string, kv goja.Value) {
			v := b.revive(reviver, obj, k, kv, depth+1)
			switch {
			case plain && kv == nil && goja.IsUndefined(v):
				_ = obj.Delete(k)
			case plain && kv == nil:
				_ = obj.DefineDataProperty(k, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			default:
				if kv == nil {
					kv = vm.ToValue(k)
				}
				if goja.IsUndefined(v) {
					b.call(b.deleteProperty, goja.Undefined(), obj, kv)
					return
				}
				desc := vm.NewObject()
				_ = desc.Set("value", v)
				_ = desc.Set("writable", true)
				_ = desc.Set("enumerable", true)
				_ = desc.Set("configurable", true)
				b.call(b.defineProperty, goja.Undefined(), obj, kv, desc)
			}
		}
		if isArray(vm, obj) {
			n := jsonLength(obj.Get("length"))
			for i := int64(0); i < n; i++ {
				each(indexKey(i), nil)
			}
		} else if keys := obj.Keys(); !lossyKeys(keys) {
			for _, k := range keys {
				each(k, nil)
			}
		} else {
			list := b.call(b.objectKeys, goja.Undefined(), obj).(*goja.Object)
			n := jsonLength(list.Get("length"))
			for i := int64(0); i < n; i++ {
				kv := list.Get(indexKey(i))
				each(kv.String(), kv)
			}
		}
	}
	return b.call(reviver, holder, keyValue, val)
}

func (b *jsonBounds) call(f goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	v, err := f(this, args...)
	if err != nil {
		panic(err)
	}
	return v
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
