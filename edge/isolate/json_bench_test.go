package isolate

import (
	"strconv"
	"testing"

	"github.com/dop251/goja"
)

// jsonPayloadJS defines payload(n): an order of about n bytes of JSON,
// items with strings (some not ASCII), integers, decimals, booleans, null
// and nested arrays, as API answers look.
const jsonPayloadJS = `function payload(n) {
	const items = [];
	for (let i = 0; items.length * 150 < n; i++)
		items.push({id: i, name: "item " + i + (i % 7 ? "" : " café"), price: i * 3.79 % 100, qty: i % 13,
			active: i % 2 === 0, tags: ["t" + (i % 5), "x"], meta: {ref: null, code: "C-" + i}});
	return {order: "bench-0001", customer: {id: 42, name: "Zoë"}, items};
}`

// BenchmarkJSON compares JSON.stringify and JSON.parse (also with a
// reviver) of a 3 KB and a 100 KB payload in an isolate (ours) with goja's
// own in a bare runtime.
func BenchmarkJSON(b *testing.B) {
	inst := preludeInstance(b, "")
	if _, err := inst.vm.RunString(jsonPayloadJS); err != nil {
		b.Fatal(err)
	}
	bare := goja.New()
	if _, err := bare.RunString(jsonPayloadJS); err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"3KB", 3000}, {"100KB", 100000}} {
		for _, rt := range []struct {
			name string
			vm   *goja.Runtime
		}{{"vault", inst.vm}, {"goja", bare}} {
			vm := rt.vm
			v, err := vm.RunString("payload(" + strconv.Itoa(size.n) + ")")
			if err != nil {
				b.Fatal(err)
			}
			json := vm.Get("JSON").ToObject(vm)
			stringify, _ := goja.AssertFunction(json.Get("stringify"))
			parse, _ := goja.AssertFunction(json.Get("parse"))
			text, err := stringify(goja.Undefined(), v)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("stringify/"+size.name+"/"+rt.name, func(b *testing.B) {
				b.SetBytes(int64(len(text.String())))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := stringify(goja.Undefined(), v); err != nil {
						b.Fatal(err)
					}
				}
			})
			reviver, err := vm.RunString("(function (k, v) { return typeof v === 'number' ? v + 1 : v })")
			if err != nil {
				b.Fatal(err)
			}
			b.Run("parse-reviver/"+size.name+"/"+rt.name, func(b *testing.B) {
				b.SetBytes(int64(len(text.String())))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := parse(goja.Undefined(), text, reviver); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parse/"+size.name+"/"+rt.name, func(b *testing.B) {
				b.SetBytes(int64(len(text.String())))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := parse(goja.Undefined(), text); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
