package isolate

import (
	"math"
	"reflect"

	"github.com/dop251/goja"
)

// goja has no memory limit and no allocation hook (goja issue #645): the
// watchdog samples the heap every few milliseconds (memory.go) and
// interrupts the VM, but a single built-in can allocate, and touch,
// gigabytes in one Go call that the interrupt cannot stop:
// new Uint8Array(2 GiB).fill(1) took the node to 2.1 GB. The built-ins
// that allocate in proportion to a number the function passes, rather than
// to data it already holds, are charged before they run: their size is
// added to the invocation's estimate, and when the sum would cross
// memory_mb the invocation fails with ErrMemory and the built-in throws
// instead of allocating. Charged:
//
//   - new ArrayBuffer(n) and new <TypedArray>(n) for every typed array
//     type, through a Proxy that stands for the constructor everywhere
//     function code can reach it (the global, prototype.constructor,
//     Symbol.species, so also TypedArray.from/of, slice, map, filter);
//   - String.prototype.repeat, padStart and padEnd on a string;
//   - Array.prototype.fill on an array, 16 bytes per element filled.
//
// Not charged: typed arrays built from an array-like object ({length: n}),
// strings grown by concatenation or join, arrays grown element by element,
// copies of data the function already holds (slice, structuredClone,
// TextEncoder). Those are bounded by the heap sampling, one Go call late.
func (inst *instance) chargeAllocations() error {
	vm := inst.vm
	for _, name := range []string{"ArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
		"Uint16Array", "Int32Array", "Uint32Array", "Float16Array", "Float32Array", "Float64Array",
		"BigInt64Array", "BigUint64Array"} {
		if err := inst.chargeConstructor(name); err != nil {
			return err
		}
	}
	str := vm.Get("String").ToObject(vm).Get("prototype").ToObject(vm)
	if err := inst.chargeMethod(str, "repeat", 1, repeatSize); err != nil {
		return err
	}
	for _, pad := range []string{"padStart", "padEnd"} {
		if err := inst.chargeMethod(str, pad, 1, padSize); err != nil {
			return err
		}
	}
	arr := vm.Get("Array").ToObject(vm).Get("prototype").ToObject(vm)
	return inst.chargeMethod(arr, "fill", 1, fillSize)
}

// charge counts n bytes about to be allocated at once and throws, with the
// invocation failing for its memory limit, when they do not fit.
func (inst *instance) charge(n float64) {
	if n <= 0 {
		return
	}
	if err := inst.watch.charge(int64(min(n, math.MaxInt64/2))); err != nil {
		inst.throwRange("Array buffer allocation failed: " + err.Error())
	}
}

// chargeConstructor puts a Proxy in place of the global constructor name
// whose construct trap charges a length argument times the element size.
func (inst *instance) chargeConstructor(name string) error {
	vm := inst.vm
	ctor, ok := vm.GlobalObject().Get(name).(*goja.Object)
	if !ok {
		return nil // not in this goja
	}
	construct, ok := goja.AssertConstructor(ctor)
	if !ok {
		return nil
	}
	elem := float64(1)
	if name != "ArrayBuffer" {
		elem = ctor.Get("BYTES_PER_ELEMENT").ToFloat()
	}
	// goja's Proxy has no [[HasInstance]] of its own (instanceof throws
	// "Expecting a function"): the Proxy answers Symbol.hasInstance with
	// the constructor's, applied to the constructor.
	var hasInstance goja.Value
	if f, ok := goja.AssertFunction(ctor.GetSymbol(goja.SymHasInstance)); ok {
		hasInstance = vm.ToValue(func(call goja.FunctionCall) goja.Value {
			v, err := f(ctor, call.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		})
	}
	var self *goja.Object
	proxy := vm.NewProxy(ctor, &goja.ProxyTrapConfig{
		Construct: func(_ *goja.Object, args []goja.Value, newTarget *goja.Object) *goja.Object {
			if len(args) > 0 {
				var n float64
				n, args = inst.lengthArg(args, name == "ArrayBuffer")
				inst.charge(n * elem)
			}
			o, err := construct(newTarget, args...)
			if err != nil {
				panic(err)
			}
			return o
		},
		// goja looks species up with the constructor itself as receiver:
		// answer it as the getter would for the Proxy, so that derived
		// arrays are built, and charged, through it too.
		GetSym: func(target *goja.Object, sym *goja.Symbol, receiver goja.Value) goja.Value {
			switch {
			case sym == goja.SymSpecies:
				return self
			case sym == goja.SymHasInstance && hasInstance != nil:
				return hasInstance
			}
			return target.GetSymbol(sym)
		},
	})
	self = vm.ToValue(proxy).(*goja.Object)
	proto, ok := ctor.Get("prototype").(*goja.Object)
	if !ok {
		return nil
	}
	if err := proto.DefineDataProperty("constructor", self, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		return err
	}
	return vm.GlobalObject().DefineDataProperty(name, self, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// lengthArg reads the length a constructor's first argument asks for, if
// it is one: a primitive, whose conversion has no side effects. An
// ArrayBuffer also takes an object's valueOf as its length: that is called
// here, once, and its number passed on in its place.
func (inst *instance) lengthArg(args []goja.Value, buffer bool) (float64, []goja.Value) {
	v := args[0]
	switch v.(type) {
	case *goja.Object:
		if !buffer {
			return 0, args // a buffer, an array-like or an iterable
		}
		n := v.ToNumber()
		args = append([]goja.Value{n}, args[1:]...)
		return toLength(n), args
	case *goja.Symbol:
		return 0, args
	}
	if _, big := v.Export().(interface{ Int64() int64 }); big {
		return 0, args // a BigInt: the constructor throws
	}
	return toLength(v.ToNumber()), args
}

// toLength is a length's integer value, 0 for what the built-in rejects.
func toLength(n goja.Value) float64 {
	f := n.ToFloat()
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return 0
	}
	return math.Trunc(f)
}

// A sizer says how many bytes a call will allocate, or 0 when it cannot
// tell without side effects.
type sizer func(this goja.Value, args []goja.Value) float64

// chargeMethod wraps a built-in method so that size is charged first.
func (inst *instance) chargeMethod(proto *goja.Object, name string, length int, size sizer) error {
	vm := inst.vm
	orig, ok := goja.AssertFunction(proto.Get(name))
	if !ok {
		return nil
	}
	f := vm.ToValue(func(call goja.FunctionCall) goja.Value {
		inst.charge(size(call.This, call.Arguments))
		v, err := orig(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	}).(*goja.Object)
	if err := nameNative(vm, f, name, length); err != nil {
		return err
	}
	return proto.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// primitiveNumber converts v if that has no side effects and cannot throw.
func primitiveNumber(v goja.Value) (float64, bool) {
	switch v.(type) {
	case *goja.Object, *goja.Symbol:
		return 0, false
	}
	if v == nil || goja.IsUndefined(v) {
		return 0, false
	}
	if _, big := v.Export().(interface{ Int64() int64 }); big {
		return 0, false
	}
	return v.ToNumber().ToFloat(), true
}

// stringLength is the length of a string primitive.
func stringLength(v goja.Value) (float64, bool) {
	if v == nil || v.ExportType() == nil || v.ExportType().Kind() != reflect.String {
		return 0, false
	}
	if _, obj := v.(*goja.Object); obj {
		return 0, false
	}
	return float64(len(v.String())), true
}

// repeatSize: s.repeat(n) builds a string of n times s's length.
func repeatSize(this goja.Value, args []goja.Value) float64 {
	l, ok := stringLength(this)
	if !ok || len(args) == 0 {
		return 0
	}
	n, ok := primitiveNumber(args[0])
	if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0
	}
	return l * math.Trunc(n)
}

// padSize: s.padStart(n) builds a string of length n.
func padSize(this goja.Value, args []goja.Value) float64 {
	l, ok := stringLength(this)
	if !ok || len(args) == 0 {
		return 0
	}
	n, ok := primitiveNumber(args[0])
	if !ok || math.IsNaN(n) || math.IsInf(n, 0) || n <= l {
		return 0
	}
	return math.Trunc(n)
}

// arrayType is what goja exports an Array as.
var arrayType = reflect.TypeFor[[]any]()

// fillSize: a.fill(v, start, end) on an array stores end-start values of
// 16 bytes (an interface) each, new ones if the array was sparse.
func fillSize(this goja.Value, args []goja.Value) float64 {
	o, ok := this.(*goja.Object)
	if !ok || o.ExportType() != arrayType {
		return 0 // a typed array fills in place; others may have getters
	}
	length := float64(o.Get("length").ToInteger()) // an Array's own data property
	start, end := 0.0, length
	if len(args) > 1 {
		n, ok := primitiveNumber(args[1])
		if !ok {
			return 0
		}
		start = relIndex(n, length)
	}
	if len(args) > 2 && !goja.IsUndefined(args[2]) {
		n, ok := primitiveNumber(args[2])
		if !ok {
			return 0
		}
		end = relIndex(n, length)
	}
	return 16 * max(end-start, 0)
}

// relIndex resolves a relative index as Array.prototype methods do.
func relIndex(n, length float64) float64 {
	if math.IsNaN(n) {
		return 0
	}
	n = math.Trunc(n)
	if n < 0 {
		return max(length+n, 0)
	}
	return min(n, length)
}
