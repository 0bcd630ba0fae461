package isolate

import "github.com/dop251/goja"

func init() { installers = append(installers, installDisposeSymbols) }

// installDisposeSymbols defines Symbol.dispose and Symbol.asyncDispose,
// which goja lacks. The bundler lowers using and await using declarations
// (schemas.gojaLacks) into helpers that look a disposer up under
// Symbol.dispose, or Symbol.for("Symbol.dispose") when it is missing;
// without the well-known symbols a function's own [Symbol.dispose]()
// method would be stored under "undefined" and never found. They are the
// registry's symbols the helpers fall back to, as js/15-streams.js does
// for Symbol.asyncIterator, so code and helpers agree whichever they use.
func installDisposeSymbols(inst *instance, _ *goja.Object) {
	vm := inst.vm
	symbol := vm.Get("Symbol").ToObject(vm)
	symFor, ok := goja.AssertFunction(symbol.Get("for"))
	if !ok {
		return
	}
	for _, name := range []string{"dispose", "asyncDispose"} {
		if v := symbol.Get(name); v != nil && !goja.IsUndefined(v) {
			continue // goja has it now
		}
		sym, err := symFor(goja.Undefined(), vm.ToValue("Symbol."+name))
		if err != nil {
			panic(err)
		}
		_ = symbol.DefineDataProperty(name, sym, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	}
}
