package isolate

import "github.com/dop251/goja"

// installEncoding puts the Go side of the encoding Web APIs on the host object.
func installEncoding(vm *goja.Runtime, host *goja.Object) {}
