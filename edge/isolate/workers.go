package isolate

import (
	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/schemas"
)

func init() { installers = append(installers, installWorkersHost) }

// installWorkersHost gives the bundled cloudflare:workers module
// (schemas.WorkersModule) what it exports: a global, under
// Symbol.for(schemas.WorkersHost), holding env and waitUntil. The global
// is not enumerable, and gives a function nothing it does not get as the
// fetch handler's env and ctx arguments.
func installWorkersHost(inst *instance, _ *goja.Object) {
	vm := inst.vm
	h := vm.NewObject()
	// A getter: the module may be evaluated at the top level, before
	// loadModule has found the handler.
	_ = h.DefineAccessorProperty("env", vm.ToValue(func() goja.Value { return inst.moduleEnv() }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = h.Set("waitUntil", func(call goja.FunctionCall) goja.Value {
		if inst.req == nil {
			panic(vm.NewTypeError("waitUntil: no request is being handled (call it while handling one)"))
		}
		inst.waitUntil(call.Argument(0))
		return goja.Undefined()
	})
	symFor, _ := goja.AssertFunction(vm.Get("Symbol").ToObject(vm).Get("for"))
	key, err := symFor(goja.Undefined(), vm.ToValue(schemas.WorkersHost))
	if err != nil {
		panic(err)
	}
	sym, _ := key.(*goja.Symbol)
	_ = vm.GlobalObject().DefineDataPropertySymbol(sym, h, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

// moduleEnv is the instance's env object, made on first use: the
// cloudflare:workers module and the fetch handler get the same one.
func (inst *instance) moduleEnv() goja.Value {
	if inst.env == nil {
		env := inst.vm.NewObject()
		for k, v := range inst.prog.cfg.Vars {
			_ = env.Set(k, v)
		}
		inst.env = env
	}
	return inst.env
}
