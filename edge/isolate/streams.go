package isolate

import "github.com/dop251/goja"

func init() { installers = append(installers, installStreams) }

// installStreams gives js/15-streams.js what JS cannot do itself: the
// Streams standard transfers (detaches) the ArrayBuffers of byte-stream
// chunks and BYOB views, so the producer cannot change bytes a reader
// already has, and goja has no ArrayBuffer.prototype.transfer. The hooks
// are made on first use, by host.streamHooks(), as the encoding ones are.
func installStreams(inst *instance, host *goja.Object) {
	vm := inst.vm
	_ = host.Set("streamHooks", func(goja.FunctionCall) goja.Value {
		return hookObject(vm, map[string]func(goja.FunctionCall) goja.Value{
			// transfer moves the bytes of an ArrayBuffer to a new one and
			// detaches the old; no copy is made.
			"transfer": func(c goja.FunctionCall) goja.Value {
				ab, ok := arrayBufferArg(c.Argument(0))
				if !ok || ab.Detached() {
					panic(vm.NewTypeError("cannot transfer a detached ArrayBuffer"))
				}
				b := ab.Bytes()
				ab.Detach()
				return vm.ToValue(vm.NewArrayBuffer(b))
			},
			"detached": func(c goja.FunctionCall) goja.Value {
				ab, ok := arrayBufferArg(c.Argument(0))
				return vm.ToValue(ok && ab.Detached())
			},
		})
	})
}

func arrayBufferArg(v goja.Value) (goja.ArrayBuffer, bool) {
	if v == nil || v.ExportType() != typeArrayBuffer {
		return goja.ArrayBuffer{}, false
	}
	ab, ok := v.Export().(goja.ArrayBuffer)
	return ab, ok
}
