package isolate

import (
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/weburl"
)

// The Go side of js/06-navigator.js and js/07-form.js (Blob, File,
// FormData): one native function, host.form(op, ...), since each native
// function costs every runtime about as much as a JS one. A Blob's bytes
// are one ArrayBuffer made here, which is a Go []byte: joining parts,
// decoding text and framing multipart bodies never walk the bytes in JS.

// The ops of host.form.
const (
	formOpJoin       = iota // (parts, native) → ArrayBuffer of the parts' bytes
	formOpUSV               // (string) → the string with lone surrogates as U+FFFD
	formOpText              // (bytes) → UTF-8 decoded, BOM dropped, U+FFFD for errors
	formOpParse             // (contentType, bytes) → [name, value, filename, type, ...]
	formOpEncode            // ([name, value, filename, type, ...]) → [ArrayBuffer, contentType]
	formOpURLEncoded        // (bytes) → [name, value, ...]
)

func init() { installers = append(installers, installForm) }

func installForm(inst *instance, host *goja.Object) {
	vm := inst.vm
	_ = host.Set("userAgent", userAgent())
	_ = host.Set("form", func(c goja.FunctionCall) goja.Value {
		a := c.Argument(1)
		switch c.Argument(0).ToInteger() {
		case formOpJoin:
			return vm.ToValue(vm.NewArrayBuffer(inst.joinBlobParts(a, c.Argument(2).ToBoolean())))
		case formOpUSV:
			if s, ok := a.(goja.String); ok && !wellFormed(s) {
				return vm.ToValue(a.String())
			}
			return a
		case formOpText:
			b, _ := viewBytes(a)
			if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
				b = b[3:]
			}
			return vm.ToValue(decodeUTF8Lossy(b))
		case formOpParse:
			return parseFormHook(vm, a.String(), c.Argument(2))
		case formOpEncode:
			return encodeFormHook(vm, a)
		case formOpURLEncoded:
			b, _ := viewBytes(a)
			list := weburl.ParseForm(string(b))
			vals := make([]any, len(list))
			for i, s := range list {
				vals[i] = s
			}
			return vm.NewArray(vals...)
		}
		panic(vm.NewTypeError("form: unknown operation"))
	})
}

// joinBlobParts concatenates a Blob's parts: strings as UTF-8 (line
// endings made LF when native is set: the native ending here), and
// ArrayBuffers or Uint8Arrays as they are. The total is charged against
// the memory limit first: one part repeated many times costs little to
// pass and a lot to join.
func (inst *instance) joinBlobParts(parts goja.Value, native bool) []byte {
	vm := inst.vm
	obj, ok := parts.(*goja.Object)
	if !ok {
		return []byte{}
	}
	n := int(obj.Get("length").ToInteger())
	chunks := make([][]byte, n)
	total := 0
	for i := range n {
		v := obj.Get(strconv.Itoa(i))
		if s, ok := v.(goja.String); ok {
			str := s.String()
			if native && strings.Contains(str, "\r") {
				str = strings.ReplaceAll(strings.ReplaceAll(str, "\r\n", "\n"), "\r", "\n")
			}
			chunks[i] = encodeUTF8(str)
		} else if b, ok := viewBytes(v); ok {
			chunks[i] = b
		} else {
			panic(vm.NewTypeError("Blob: a part must be a string, a BufferSource or a Blob"))
		}
		total += len(chunks[i])
	}
	inst.charge(float64(total))
	out := make([]byte, 0, total)
	for _, b := range chunks {
		out = append(out, b...)
	}
	return out
}

// parseFormHook parses a urlencoded or multipart/form-data body for
// host.parseForm. A file part's value is an ArrayBuffer over a copy of the
// body (parts share it; nothing else holds it), a text part's a string.
func parseFormHook(vm *goja.Runtime, contentType string, body goja.Value) goja.Value {
	raw, ok := viewBytes(body)
	if !ok && !goja.IsUndefined(body) && !goja.IsNull(body) {
		panic(vm.NewTypeError("parseForm: the body must be an ArrayBuffer or a Uint8Array"))
	}
	boundary, err := multipartBoundary(contentType)
	if err != nil {
		panic(vm.NewTypeError(err.Error()))
	}
	parts, err := parseMultipart(append([]byte(nil), raw...), boundary)
	if err != nil {
		panic(vm.NewTypeError(err.Error()))
	}
	vals := make([]any, 0, 4*len(parts))
	for _, p := range parts {
		if p.isFile {
			ct := p.ctype
			if ct == "" {
				ct = "text/plain" // the Fetch standard's default for a file part
			}
			vals = append(vals, p.name, vm.NewArrayBuffer(p.value), p.filename, ct)
		} else {
			vals = append(vals, p.name, decodeUTF8Lossy(p.value), goja.Undefined(), "")
		}
	}
	return vm.NewArray(vals...)
}

// encodeFormHook serializes a FormData's entries, flat as
// [name, value, filename, type, ...] with value a string for a string
// entry and the File's bytes (filename a string) for a file.
func encodeFormHook(vm *goja.Runtime, list goja.Value) goja.Value {
	obj, ok := list.(*goja.Object)
	if !ok {
		panic(vm.NewTypeError("form: entries must be an array"))
	}
	n := int(obj.Get("length").ToInteger())
	parts := make([]formPart, 0, n/4)
	for i := 0; i+3 < n; i += 4 {
		p := formPart{name: obj.Get(strconv.Itoa(i)).String()}
		v, fn := obj.Get(strconv.Itoa(i+1)), obj.Get(strconv.Itoa(i+2))
		if goja.IsUndefined(fn) {
			p.value = encodeUTF8(v.String())
		} else {
			b, _ := viewBytes(v)
			p.value, p.isFile, p.filename, p.ctype = b, true, fn.String(), obj.Get(strconv.Itoa(i+3)).String()
		}
		parts = append(parts, p)
	}
	boundary := newMultipartBoundary()
	body := serializeMultipart(parts, boundary)
	return vm.NewArray(vm.NewArrayBuffer(body), "multipart/form-data; boundary="+boundary)
}

var (
	userAgentOnce sync.Once
	userAgentStr  string
)

// userAgent is navigator.userAgent: "Vault/<module version>", as Deno's
// is "Deno/<version>" (workerd answers "Cloudflare-Workers"). A build
// outside a tagged module version reports "Vault/dev".
func userAgent() string {
	userAgentOnce.Do(func() {
		v := "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = strings.TrimPrefix(bi.Main.Version, "v")
		}
		userAgentStr = "Vault/" + v
	})
	return userAgentStr
}
