package isolate

import "github.com/dop251/goja"

// bodyOf checks a body method's receiver (throwing a TypeError for a wrong
// one) and returns its body and a function that reads its content type.
type bodyOf func(call goja.FunctionCall) (b *msgBody, ctype func() string)

// bodyMethods are text, json, arrayBuffer, bytes, formData and blob for a
// Go-backed Request or Response. Each returns a promise, rejected with
// what taking or decoding threw, like the Fetch standard's Body mixin.
func (inst *instance) bodyMethods(of bodyOf) map[string]goja.Value {
	vm := inst.vm
	uint8Array := inst.uint8Ctor
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
			b, _ := of(call)
			return inst.readBody(b, f)
		})
	}
	typed := func(f func(ctype string, raw []byte) goja.Value) goja.Value {
		return vm.ToValue(func(call goja.FunctionCall) goja.Value {
			b, ctype := of(call)
			ct := ctype()
			return inst.readBody(b, func(v goja.Value, raw []byte) goja.Value {
				if v != nil {
					raw, _ = bytesOf(v)
				}
				return f(ct, raw)
			})
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
		"formData": typed(inst.formDataOf),
		"blob":     typed(inst.blobOf),
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
