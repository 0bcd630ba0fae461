package isolate

import "github.com/dop251/goja"

// installURL puts the Go side of the url Web APIs on the host object.
func installURL(vm *goja.Runtime, host *goja.Object) {}
