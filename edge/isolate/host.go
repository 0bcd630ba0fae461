package isolate

import (
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
	"golang.org/x/net/http/httpguts"
)

// installHost puts the Go side of the Web API on the host object, which
// the js/*.js files receive as their second argument. Each area has its
// own installer in its own file.
func (inst *instance) installHost(host *goja.Object) {
	inst.installCore(host)
	inst.installLoop(host)
	inst.installFetch(host)
	inst.installURL(host)
	installEncoding(inst.vm, host)
	installCrypto(inst.vm, host)
	for _, install := range installers {
		install(inst, host)
	}
}

// installers are the Web API areas that register themselves from their
// own file (func init() { installers = append(installers, installX) }),
// run after the core ones above, in file name order.
var installers []func(inst *instance, host *goja.Object)

// commonMethods are interned per instance, so a request's method costs
// no allocation.
var commonMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}

func (inst *instance) installCore(host *goja.Object) {
	vm := inst.vm
	inst.arrayFrom = vm.Get("Array").ToObject(vm).Get("from")
	inst.installHeaders(host)
	inst.installResponse(host)
	inst.methods = make(map[string]goja.Value, len(commonMethods))
	for _, m := range commonMethods {
		inst.methods[m] = vm.ToValue(m)
	}

	_ = host.Set("log", inst.console)
	_ = host.Set("decodeUTF8", func(v goja.Value) string { b, _ := bytesOf(v); return toValidUTF8(b) })
	_ = host.Set("utf8Buffer", func(s string) goja.Value {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		return vm.ToValue(vm.NewArrayBuffer([]byte(s)))
	})
	_ = host.Set("validName", httpguts.ValidHeaderFieldName)
	_ = host.Set("trimValue", func(v string) goja.Value {
		v, ok := headerValue(v)
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(v)
	})
}
