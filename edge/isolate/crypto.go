package isolate

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"time"

	"github.com/dop251/goja"
)

// maxRandomBytes is getRandomValues' quota (Web Crypto: 65536 bytes).
const maxRandomBytes = 65536

// clockGrain is the resolution of performance.now(). Functions of many
// tenants share a process, so the clock is coarsened as browsers coarsen
// theirs (5 µs is what they give cross-origin-isolated pages): fine
// enough to time a function's own work, too coarse to tell one cache
// access from another.
const clockGrain = 5 * time.Microsecond

// installCrypto puts the Go side of crypto.getRandomValues, randomUUID
// and of performance (the clock lives here because its resolution is a
// side-channel decision) on the host object. js/31-crypto.js validates
// arguments and turns views into Uint8Arrays; the hooks check again,
// since user code can call them directly. As in installEncoding, the
// crypto hooks are made on first use. In an instance, installSubtle
// (crypto_subtle.go) replaces host.cryptoHooks with one that adds
// SubtleCrypto's hooks, which need the instance.
func installCrypto(vm *goja.Runtime, host *goja.Object) {
	_ = host.Set("cryptoHooks", func(goja.FunctionCall) goja.Value {
		return hookObject(vm, cryptoHooks(vm))
	})

	start := time.Now()
	_ = host.Set("timeOrigin", float64(start.UnixMicro())/1e3)
	_ = host.Set("now", func(goja.FunctionCall) goja.Value {
		d := time.Since(start).Truncate(clockGrain) // monotonic
		return vm.ToValue(float64(d.Microseconds()) / 1e3)
	})
}

func cryptoHooks(vm *goja.Runtime) map[string]func(goja.FunctionCall) goja.Value {
	return map[string]func(goja.FunctionCall) goja.Value{
		"randomFill": func(c goja.FunctionCall) goja.Value {
			b, ok := viewBytes(c.Argument(0))
			if !ok || len(b) > maxRandomBytes {
				panic(vm.NewTypeError("getRandomValues: expected an integer typed array of at most 65536 bytes"))
			}
			_, _ = rand.Read(b) // never fails: crypto/rand crashes the process instead
			return c.Argument(0)
		},
		"randomUUID": func(goja.FunctionCall) goja.Value {
			return vm.ToValue(newUUID())
		},
	}
}

// newUUID is an RFC 9562 version 4 UUID in its 36-character form.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}

// digest hashes b with a Web Crypto algorithm name as
// 31-crypto.js normalises it; nil for any other name.
func digest(alg string, b []byte) []byte {
	switch alg {
	case "SHA-1":
		s := sha1.Sum(b)
		return s[:]
	case "SHA-256":
		s := sha256.Sum256(b)
		return s[:]
	case "SHA-384":
		s := sha512.Sum384(b)
		return s[:]
	case "SHA-512":
		s := sha512.Sum512(b)
		return s[:]
	}
	return nil
}
