package isolate

import (
	"strconv"

	"github.com/dop251/goja"
)

// A Go stack overflow is a fatal error, not a panic: it ends the node
// process and every function on it. goja interprets JavaScript without Go
// recursion for JS-to-JS calls, but several of its built-ins recurse in Go
// once per level of the data they walk, and a JS function reached through
// a native call (String(this) in a toString, a getter, a toJSON) adds Go
// frames on each round. bound puts a limit on each such path that function
// code can reach, so that it ends in a thrown error instead:
//
//   - the call stack (maxCallDepth), for recursion through native calls,
//     and for plain recursion, which would otherwise grow the heap;
//   - JSON.parse, its reviver and JSON.stringify (maxJSONNesting,
//     jsonbound.go);
//   - Array.prototype.join and toLocaleString, which Array.prototype.toString
//     reaches, and Array.prototype.flat, on nested arrays (maxArrayNesting).
//
// structuredClone (js/33-clone.js) walks with a work list, and the URL
// parser (edge/weburl) and the regexp compiler (dlclark/regexp2) do not
// recurse per level of their input, so none of them needs a bound.
func (inst *instance) bound() error {
	inst.vm.SetMaxCallStackSize(maxCallDepth)
	if err := inst.boundJSON(); err != nil {
		return err
	}
	if err := inst.boundArrayJoin(); err != nil {
		return err
	}
	if err := inst.boundArrayFlat(); err != nil {
		return err
	}
	return inst.chargeAllocations()
}

// maxCallDepth bounds JavaScript's call stack. goja's stack overflow error
// is uncatchable: the invocation fails as an uncaught exception does.
// Unwinding it costs time quadratic in the number of native frames on the
// stack (each native call recovers and panics again), and nothing can
// interrupt it: at 2000 calls through String(this) it took 0.15 s here, at
// 4000 0.8 s, at 10000 over 10 s. V8 allows about 10000 frames; plain
// recursion deeper than 2000 is rare in request handlers.
const maxCallDepth = 2000

// maxArrayNesting bounds how deeply join and toLocaleString descend into
// nested arrays: about 1.6 KB of Go stack per level, so at most 8 MB. goja
// also checks each level against every level above it for a cycle, which
// makes the cost quadratic in the depth. V8 overflows near 4000 levels.
const maxArrayNesting = 5000

// boundArrayJoin wraps Array.prototype.join and toLocaleString with a
// count of their nesting. Array.prototype.toString looks join up on the
// array, so it goes through the wrapper too.
func (inst *instance) boundArrayJoin() error {
	vm := inst.vm
	proto := vm.Get("Array").ToObject(vm).Get("prototype").ToObject(vm)
	depth := 0
	for _, m := range []struct {
		name   string
		length int
	}{{"join", 1}, {"toLocaleString", 0}} {
		orig, ok := goja.AssertFunction(proto.Get(m.name))
		if !ok {
			continue
		}
		f := vm.ToValue(func(call goja.FunctionCall) goja.Value {
			if depth >= maxArrayNesting {
				inst.throwRange("arrays nest deeper than " + strconv.Itoa(maxArrayNesting) + " levels")
			}
			depth++
			defer func() { depth-- }()
			v, err := orig(call.This, call.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		}).(*goja.Object)
		if err := nameNative(vm, f, m.name, m.length); err != nil {
			return err
		}
		if err := proto.DefineDataProperty(m.name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return err
		}
	}
	return nil
}

// nameNative gives a Go function the name and length of the built-in it
// stands in for.
func nameNative(vm *goja.Runtime, f *goja.Object, name string, length int) error {
	if err := f.DefineDataProperty("length", vm.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	return f.DefineDataProperty("name", vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// boundArrayFlat wraps Array.prototype.flat: goja flattens recursively,
// about 0.3 KB of Go stack per level. A depth beyond maxArrayNesting
// flattens maxArrayNesting levels, and if an array is left in the result
// the input nested deeper: a RangeError.
func (inst *instance) boundArrayFlat() error {
	vm := inst.vm
	proto := vm.Get("Array").ToObject(vm).Get("prototype").ToObject(vm)
	orig, ok := goja.AssertFunction(proto.Get("flat"))
	if !ok {
		return nil
	}
	isArray, _ := goja.AssertFunction(vm.Get("Array").ToObject(vm).Get("isArray"))
	f := vm.ToValue(func(call goja.FunctionCall) goja.Value {
		depth := call.Argument(0)
		capped := false
		if !goja.IsUndefined(depth) {
			// Converted once, here: flat would call valueOf again.
			depth = vm.ToValue(depth.ToNumber())
			if depth.ToFloat() > maxArrayNesting {
				depth, capped = vm.ToValue(maxArrayNesting), true
			}
		}
		v, err := orig(call.This, depth)
		if err != nil {
			panic(err)
		}
		if o, ok := v.(*goja.Object); ok && capped {
			n := o.Get("length").ToInteger()
			for i := int64(0); i < n; i++ {
				if a, err := isArray(goja.Undefined(), o.Get(strconv.FormatInt(i, 10))); err == nil && a.ToBoolean() {
					inst.throwRange("arrays nest deeper than " + strconv.Itoa(maxArrayNesting) + " levels")
				}
			}
		}
		return v
	}).(*goja.Object)
	if err := nameNative(vm, f, "flat", 0); err != nil {
		return err
	}
	return proto.DefineDataProperty("flat", f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
