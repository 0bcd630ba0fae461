package isolate

import (
	"math"
	"strings"

	"github.com/dop251/goja"
)

// intlOptions reads an Intl constructor's options bag as ECMA-402's
// GetOption does: each property read once, converted, and checked against
// the values the spec allows (a RangeError names the option otherwise).
type intlOptions struct {
	vm  *goja.Runtime
	obj *goja.Object
}

// newIntlOptions is CoerceOptionsToObject: undefined is an empty bag,
// null a TypeError.
func newIntlOptions(vm *goja.Runtime, v goja.Value) intlOptions {
	if v == nil || goja.IsUndefined(v) {
		return intlOptions{vm: vm}
	}
	if goja.IsNull(v) {
		panic(vm.NewTypeError("Intl: options cannot be null"))
	}
	return intlOptions{vm: vm, obj: v.ToObject(vm)}
}

func (o intlOptions) get(name string) goja.Value {
	if o.obj == nil {
		return goja.Undefined()
	}
	v := o.obj.Get(name)
	if v == nil {
		return goja.Undefined()
	}
	return v
}

// str is GetOption of type "string": allowed empty means any string.
func (o intlOptions) str(name string, allowed []string, def string) string {
	v := o.get(name)
	if goja.IsUndefined(v) {
		return def
	}
	if _, ok := v.(*goja.Symbol); ok {
		panic(o.vm.NewTypeError("Cannot convert a Symbol value to a string"))
	}
	s := v.String()
	if len(allowed) == 0 {
		return s
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	panic(intlRangeError(o.vm, "Value "+s+" out of range for Intl options property "+name))
}

// number is GetNumberOption: absent gives def, otherwise an integer in
// [lo, hi] or a RangeError.
func (o intlOptions) number(name string, lo, hi, def int) int {
	return o.defaultNumber(o.get(name), name, lo, hi, def)
}

func (o intlOptions) defaultNumber(v goja.Value, name string, lo, hi, def int) int {
	if goja.IsUndefined(v) {
		return def
	}
	f := v.ToFloat()
	if math.IsNaN(f) || f < float64(lo) || f > float64(hi) {
		panic(intlRangeError(o.vm, name+" value is out of range."))
	}
	return int(math.Floor(f))
}

// words splits a space-separated list of allowed values.
func words(s string) []string { return strings.Fields(s) }
