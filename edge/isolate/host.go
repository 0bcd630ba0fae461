package isolate

import (
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/http/httpguts"
)

// installHost puts the Go side of the Web API on the host object, which
// the js/*.js files receive as their second argument. Each area has its
// own installer in its own file.
func (inst *instance) installHost(host *goja.Object) {
	inst.installCore(host)
	installURL(inst.vm, host)
	installEncoding(inst.vm, host)
	installCrypto(inst.vm, host)
}

func (inst *instance) installCore(host *goja.Object) {
	vm := inst.vm
	_ = host.Set("log", inst.console)
	_ = host.Set("decodeUTF8", func(v goja.Value) string { b, _ := bytesOf(v); return string(b) })
	_ = host.Set("validName", httpguts.ValidHeaderFieldName)
	_ = host.Set("trimValue", func(v string) goja.Value {
		v = strings.Trim(v, " \t\r\n")
		if !httpguts.ValidHeaderFieldValue(v) || strings.ContainsAny(v, "\r\n") {
			return goja.Null()
		}
		return vm.ToValue(v)
	})
}
