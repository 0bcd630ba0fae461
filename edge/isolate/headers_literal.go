package isolate

import (
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/http/httpguts"
)

// headerValueOf converts a header value as the Headers class does:
// String(v), trimmed of HTTP whitespace, refused if it holds a byte a
// header value may not.
func (inst *instance) headerValueOf(v goja.Value) string {
	var s string
	if sym, isSym := v.(*goja.Symbol); isSym {
		s = "Symbol(" + sym.String() + ")" // String(symbol) does not throw
	} else if v == nil {
		s = "undefined"
	} else {
		s = v.String()
	}
	s, ok := headerValue(s)
	if !ok {
		panic(inst.vm.NewTypeError("invalid header value"))
	}
	return s
}

// headerValue is a header value as the Headers class keeps it: trimmed of
// HTTP whitespace; ok is false if it holds a byte a value may not.
func headerValue(v string) (string, bool) {
	v = strings.Trim(v, " \t\r\n")
	return v, httpguts.ValidHeaderFieldValue(v) && !strings.ContainsAny(v, "\r\n")
}
