package isolate

import (
	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/weburl"
)

// URL parsing in Go by edge/weburl, for the native URL class
// (url_class.go) and the URLSearchParams class of js/20-url.js. A URL
// holds only its href and the offsets of its components in it
// (weburl.Serialized); a setter parses the href, sets the component and
// serializes again, which is sound because parsing a serialized URL gives
// the same URL again.

// urlFields are the setter codes (1 to 9) of the components with a
// setter, in the order of URL.prototype's accessors.
var urlFields = [...]weburl.Component{
	1: weburl.Protocol,
	2: weburl.Username,
	3: weburl.Password,
	4: weburl.Host,
	5: weburl.Hostname,
	6: weburl.Port,
	7: weburl.Pathname,
	8: weburl.Search,
	9: weburl.Hash,
}

// urlFieldSearch is the search setter's code.
const urlFieldSearch = 8

// parseURL is new URL(input, base); base is used only if hasBase.
func parseURL(input, base string, hasBase bool) (*weburl.URL, bool) {
	var b *weburl.URL
	if hasBase {
		var err error
		if b, err = weburl.Parse(base, nil); err != nil {
			return nil, false
		}
	}
	u, err := weburl.Parse(input, b)
	return u, err == nil
}

// setURL applies the setter for field (a code of urlFields) to the
// URL serialized as href. Setters ignore values they cannot use, as in
// the standard, and so does an unknown field; only an href that does not
// parse gives false.
func setURL(href string, field int64, value string) (weburl.Serialized, bool) {
	u, err := weburl.Parse(href, nil)
	if err != nil {
		return weburl.Serialized{}, false
	}
	if field > 0 && field < int64(len(urlFields)) {
		u.Set(urlFields[field], value)
	}
	return u.Serialize(), true
}

// Operations of host.url, shared with js/20-url.js.
const (
	urlOpFormParse     = iota // (string) → [name0, value0, name1, value1, ...]
	urlOpFormSerialize        // ([name0, value0, ...]) → string
	urlOpUSV                  // (string) → string with lone surrogates replaced by U+FFFD
)

// installURL puts the Go side of the url Web APIs on the host object:
// host.urlClass(newParams, resetParams), which makes the native URL class
// (url_class.go) and the function URLSearchParams changes a URL's query
// with; and host.url(op, ...), URLSearchParams' form parser and
// serializer. Each is one native function, since every native function
// costs each runtime about as much as a JS one, whether it is used or
// not. Every form operation takes strings that JS has already converted,
// so none of them calls back into JS.
func (inst *instance) installURL(host *goja.Object) {
	vm := inst.vm
	_ = host.Set("urlClass", func(call goja.FunctionCall) goja.Value {
		newParams, ok := goja.AssertFunction(call.Argument(0))
		resetParams, ok2 := goja.AssertFunction(call.Argument(1))
		if !ok || !ok2 {
			panic(vm.NewTypeError("urlClass: the searchParams hooks must be functions"))
		}
		ctor, setQuery := inst.urlClass(urlHooks{newParams: newParams, resetParams: resetParams})
		return vm.NewArray(ctor, setQuery)
	})
	_ = host.Set("url", urlGuard(func(c goja.FunctionCall) goja.Value {
		a := c.Argument(1)
		switch c.Argument(0).ToInteger() {
		case urlOpFormParse:
			list := weburl.ParseForm(a.String())
			vals := make([]any, len(list))
			for i, s := range list {
				vals[i] = s
			}
			return vm.NewArray(vals...)
		case urlOpFormSerialize:
			var list []string
			if err := vm.ExportTo(a, &list); err == nil {
				return vm.ToValue(weburl.SerializeForm(list))
			}
		case urlOpUSV:
			// A well-formed string comes back as is; String() decodes lone
			// surrogates to U+FFFD, as WebIDL's USVString conversion does.
			if s, ok := a.(goja.String); ok && !wellFormed(s) {
				return vm.ToValue(a.String())
			}
			return a
		}
		return goja.Null()
	}))
}

// urlGuard turns a panic into a null result, so that no input can take
// the runtime down; goja's own panics (exceptions, interrupts) pass
// through.
func urlGuard(f func(goja.FunctionCall) goja.Value) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) (v goja.Value) {
		defer func() {
			if r := recover(); r != nil {
				switch r.(type) {
				case *goja.Exception, *goja.InterruptedError, *goja.Object:
					panic(r)
				}
				v = goja.Null()
			}
		}()
		return f(c)
	}
}

func wellFormed(s goja.String) bool {
	n := s.Length()
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		if c < 0xD800 || c > 0xDFFF {
			continue
		}
		if c >= 0xDC00 || i+1 == n {
			return false
		}
		if d := s.CharAt(i + 1); d < 0xDC00 || d > 0xDFFF {
			return false
		}
		i++
	}
	return true
}
