package isolate

import (
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkStages splits a warm invocation into its parts, to show where
// per-request time goes.
func BenchmarkStages(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(){ return new Response("hello") }}}`)
	inst, _ := p.get()
	vm := inst.vm
	flat := []any{"accept", "*/*", "user-agent", "h2load"}
	b.Run("request", func(b *testing.B) {
		for b.Loop() {
			inst.request(goja.Undefined(), vm.ToValue("GET"), vm.ToValue("http://x/"), vm.NewArray(flat...), vm.ToValue(""))
		}
	})
	req, _ := inst.request(goja.Undefined(), vm.ToValue("GET"), vm.ToValue("http://x/"), vm.NewArray(flat...), vm.ToValue(""))
	b.Run("fetch", func(b *testing.B) {
		for b.Loop() {
			inst.fetch(inst.module, req, inst.env, inst.ctx)
		}
	})
	res, _ := inst.fetch(inst.module, req, inst.env, inst.ctx)
	b.Run("response", func(b *testing.B) {
		for b.Loop() {
			inst.response(goja.Undefined(), res)
		}
	})
	parts, _ := inst.response(goja.Undefined(), res)
	b.Run("unpack", func(b *testing.B) {
		for b.Loop() {
			inst.unpack(parts, 1<<20)
		}
	})
}
