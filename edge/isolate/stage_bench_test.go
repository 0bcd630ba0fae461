package isolate

import (
	"context"
	"net/http"
	"testing"

	"github.com/dop251/goja"
	"github.com/vault-runtime/vault/edge/osthread"
)

// BenchmarkStages splits a warm invocation into its parts, to show where
// per-request time goes.
func BenchmarkStages(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(){ return new Response("hello") }}}`)
	inst, _ := p.get()
	req := &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{"Accept": {"*/*"}}}
	inst.req = req
	b.Run("watchdog", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			inst.watch.begin(ctx, nil, nil)
			inst.watch.end()
		}
	})
	b.Run("watchdog-held-thread", func(b *testing.B) {
		ctx := context.Background()
		var thread osthread.Held
		thread.Hold()
		defer thread.Release()
		for b.Loop() {
			inst.watch.begin(ctx, nil, &thread)
			inst.watch.end()
		}
	})
	b.Run("request", func(b *testing.B) {
		for b.Loop() {
			inst.newRequest(req)
		}
	})
	jsReq := inst.newRequest(req)
	b.Run("fetch", func(b *testing.B) {
		for b.Loop() {
			inst.fetch(inst.module, jsReq, inst.env, inst.ctx)
		}
	})
	res, _ := inst.fetch(inst.module, jsReq, inst.env, inst.ctx)
	b.Run("unpack", func(b *testing.B) {
		for b.Loop() {
			inst.unpack(res)
		}
	})
	b.Run("call", func(b *testing.B) {
		empty, _ := goja.AssertFunction(inst.vm.ToValue(func() {}))
		for b.Loop() {
			empty(goja.Undefined())
		}
	})
}
