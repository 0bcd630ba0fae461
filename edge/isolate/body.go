package isolate

import "github.com/dop251/goja"

// bodyOf checks a body method's receiver (throwing a TypeError for a wrong
// one) and returns what takes its body: a JS value (a string, an
// ArrayBuffer or a view), or, when that is nil, bytes from Go. Taking marks
// the body used, and throws if it already was.
type bodyOf func(call goja.FunctionCall) (take func() (goja.Value, []byte))

// bodyMethods are text, json, arrayBuffer and bytes for a Go-backed
// Request or Response. Each returns a promise, rejected with what taking or
// decoding threw, like the Fetch standard's Body mixin.
func (inst *instance) bodyMethods(of bodyOf) map[string]goja.Value {
	vm := inst.vm
	uint8Array, _ := goja.AssertConstructor(vm.Get("Uint8Array"))
	buffer := func(b goja.Value, raw []byte) goja.Value {
		if b != nil {
			raw, _ = bytesOf(b) // copies
		} else {
			raw = append([]byte(nil), raw...)
		}
		return vm.ToValue(vm.NewArrayBuffer(raw))
	}
	method := func(f func(b goja.Value, raw []byte) goja.Value) goja.Value {
		return vm.ToValue(func(call goja.FunctionCall) goja.Value {
			take := of(call)
			return inst.settled(func() goja.Value { return f(take()) })
		})
	}
	return map[string]goja.Value{
		"text": method(func(b goja.Value, raw []byte) goja.Value { return vm.ToValue(bodyText(b, raw)) }),
		"json": method(func(b goja.Value, raw []byte) goja.Value {
			if b == nil || !goja.IsString(b) {
				if b != nil {
					raw, _ = bytesOf(b)
				}
				return inst.parseJSON(raw)
			}
			v, err := inst.jsonParse(goja.Undefined(), b)
			if err != nil {
				panic(err)
			}
			return v
		}),
		"arrayBuffer": method(buffer),
		"bytes": method(func(b goja.Value, raw []byte) goja.Value {
			u, err := uint8Array(nil, buffer(b, raw))
			if err != nil {
				panic(err)
			}
			return u
		}),
	}
}

// bodyText is a body as text: invalid UTF-8 becomes U+FFFD.
func bodyText(b goja.Value, raw []byte) string {
	switch {
	case b == nil:
		return toValidUTF8(raw)
	case goja.IsString(b):
		return b.String()
	}
	bs, _ := bytesOf(b)
	return toValidUTF8(bs)
}
