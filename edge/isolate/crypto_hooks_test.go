package isolate

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dop251/goja"
)

// TestCryptoHooksNeverPanic calls every SubtleCrypto hook with what
// 31-crypto.js would never pass: algorithms without their members or of
// another key's kind, keys of every algorithm and kind, junk data. Each
// call must return or throw a JS error; a Go panic (a nil hash, a failed
// type assertion) would take down the isolate's goroutine.
func TestCryptoHooksNeverPanic(t *testing.T) {
	inst := preludeInstance(t, "")
	vm := inst.vm
	host := vm.NewObject()
	installSubtle(inst, host)
	mk, _ := goja.AssertFunction(host.Get("cryptoHooks"))
	hooksV, err := mk(goja.Undefined())
	if err != nil {
		t.Fatal(err)
	}
	hooks := hooksV.(*goja.Object)

	names := []string{"HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "ECDSA", "ECDH", "Ed25519", "X25519",
		"RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP", "PBKDF2", "HKDF", "SHA-256", "nope"}
	var keys []goja.Value
	for _, name := range names {
		alg := algParams{"name": name, "hash": "SHA-256", "length": int64(128), "namedCurve": "P-256", "modulusLength": int64(1024), "publicExponent": []byte{1, 0, 1}}
		gen, err := generateKey(alg, nil)
		if err != nil {
			continue
		}
		v, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		switch k := v.(type) {
		case *cryptoKey:
			keys = append(keys, vm.ToValue(k))
		case [2]*cryptoKey:
			keys = append(keys, vm.ToValue(k[0]), vm.ToValue(k[1]))
		}
	}
	keys = append(keys, vm.ToValue(&cryptoKey{alg: "PBKDF2", kind: "secret"}), vm.ToValue(&cryptoKey{alg: "HKDF", kind: "secret", secret: []byte{1}}))
	var algs []goja.Value
	for _, name := range names {
		algs = append(algs, vm.ToValue(map[string]any{"name": name}))
		o := vm.NewObject()
		_ = o.Set("name", name)
		_ = o.Set("hash", "MD5")
		_ = o.Set("length", -7)
		_ = o.Set("iv", vm.NewArrayBuffer(nil))
		_ = o.Set("saltLength", 1<<20)
		_ = o.Set("public", keys[0])
		algs = append(algs, o)
	}
	junk, err := vm.RunString(`[undefined, null, 0, "jwk", "raw", {}, [], ["sign", 1], {length: 1e9}, new Uint8Array(0), new Uint8Array(70), new ArrayBuffer(3), {kty: "EC", crv: "P-256", x: "AA", y: "AA", d: "AA"}]`)
	if err != nil {
		t.Fatal(err)
	}
	var junkVals []goja.Value
	for i := range int(junk.(*goja.Object).Get("length").ToInteger()) {
		junkVals = append(junkVals, junk.(*goja.Object).Get(fmt.Sprint(i)))
	}
	data := vm.ToValue(vm.NewArrayBuffer(make([]byte, 32)))
	calls := 0
	for _, name := range hooks.Keys() {
		fn, _ := goja.AssertFunction(hooks.Get(name))
		var argLists [][]goja.Value
		for _, j := range junkVals {
			argLists = append(argLists, []goja.Value{j}, []goja.Value{j, j, j, j, j})
		}
		for _, a := range algs {
			for _, k := range keys {
				argLists = append(argLists, []goja.Value{a, k, data, data}, []goja.Value{vm.ToValue("raw"), a, data, vm.ToValue(true), vm.NewArray()},
					[]goja.Value{vm.ToValue("jwk"), k}, []goja.Value{a, vm.ToValue(false), vm.NewArray("sign")}, []goja.Value{a, k, vm.ToValue(8)})
			}
		}
		for _, args := range argLists {
			calls++
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s(%v) panicked: %v", name, args, r)
					}
				}()
				var ex *goja.Exception
				if _, err := fn(goja.Undefined(), args...); err != nil && !errors.As(err, &ex) {
					t.Errorf("%s(%v): %v", name, args, err)
				}
			}()
		}
	}
	if calls < 1000 {
		t.Fatalf("only %d calls", calls)
	}
}
