package isolate

import (
	"encoding/base64"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// installEncoding puts the Go side of TextEncoder and TextDecoder, and
// atob and btoa themselves, on the host object. The byte work is here;
// js/30-encoding.js holds the classes and turns every BufferSource into a
// Uint8Array or an ArrayBuffer before calling in, so the hooks accept only
// those two (and check that they got them).
//
// The class hooks are made on first use, by host.encodingHooks(): a Go
// function costs a runtime as much memory as a JS one.
func installEncoding(vm *goja.Runtime, host *goja.Object) {
	_ = host.Set("encodingHooks", func(goja.FunctionCall) goja.Value {
		return hookObject(vm, encodingHooks(vm))
	})
	_ = host.Set("atob", func(c goja.FunctionCall) goja.Value {
		b, ok := atob(stringArg(vm, c, "atob"))
		if !ok {
			panic(domException(vm, host, "atob: the string is not correctly encoded", "InvalidCharacterError"))
		}
		return latin1(vm, b)
	})
	_ = host.Set("btoa", func(c goja.FunctionCall) goja.Value {
		s, ok := btoa(stringArg(vm, c, "btoa"))
		if !ok {
			panic(domException(vm, host, "btoa: the string contains characters outside of the Latin1 range", "InvalidCharacterError"))
		}
		return vm.ToValue(s)
	})
}

// stringArg is the first argument converted as WebIDL converts to a
// string: required, and a Symbol does not convert.
func stringArg(vm *goja.Runtime, c goja.FunctionCall, fn string) string {
	if len(c.Arguments) == 0 {
		panic(vm.NewTypeError(fn + ": 1 argument required"))
	}
	if _, ok := c.Arguments[0].(*goja.Symbol); ok {
		panic(vm.NewTypeError(fn + ": cannot convert a Symbol to a string"))
	}
	return c.Arguments[0].String()
}

// domException makes a DOMException with the prelude's own constructor
// (host.domException, from js/05-dom.js), for a hook to throw.
func domException(vm *goja.Runtime, host *goja.Object, msg, name string) goja.Value {
	if mk, ok := goja.AssertFunction(host.Get("domException")); ok {
		if v, err := mk(goja.Undefined(), vm.ToValue(msg), vm.ToValue(name)); err == nil {
			return v
		}
	}
	return vm.NewTypeError(msg)
}

// hookObject makes a JS object of Go functions.
func hookObject(vm *goja.Runtime, hooks map[string]func(goja.FunctionCall) goja.Value) *goja.Object {
	o := vm.NewObject()
	for name, fn := range hooks {
		_ = o.Set(name, fn)
	}
	return o
}

func encodingHooks(vm *goja.Runtime) map[string]func(goja.FunctionCall) goja.Value {
	return map[string]func(goja.FunctionCall) goja.Value{
		"encode": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(vm.NewArrayBuffer(encodeUTF8(c.Argument(0).String())))
		},
		"encodeInto": func(c goja.FunctionCall) goja.Value {
			dst, ok := viewBytes(c.Argument(1))
			if !ok {
				panic(vm.NewTypeError("encodeInto: destination must be a Uint8Array"))
			}
			read, written := encodeUTF8Into(dst, c.Argument(0).String())
			res := vm.NewObject()
			_ = res.Set("read", read)
			_ = res.Set("written", written)
			return res
		},
		"decode": func(c goja.FunctionCall) goja.Value {
			b, ok := viewBytes(c.Argument(0))
			if !ok {
				panic(vm.NewTypeError("decode: input must be an ArrayBuffer or ArrayBufferView"))
			}
			if c.Argument(2).ToBoolean() && len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
				b = b[3:]
			}
			s, ok := decodeUTF8(b, c.Argument(1).ToBoolean())
			if !ok {
				panic(vm.NewTypeError("The encoded data was not valid for encoding utf-8"))
			}
			return vm.ToValue(s)
		},
		"tail": func(c goja.FunctionCall) goja.Value {
			b, _ := viewBytes(c.Argument(0))
			return vm.ToValue(utf8Tail(b))
		},
	}
}

var (
	typeBytes       = reflect.TypeOf([]byte(nil))
	typeArrayBuffer = reflect.TypeOf(goja.ArrayBuffer{})
)

// viewBytes returns the memory of a Uint8Array (or Uint8ClampedArray) or
// an ArrayBuffer, shared, not copied: goja exports both over their
// backing store. ExportType is checked first because Export of an
// ordinary object converts it recursively.
func viewBytes(v goja.Value) ([]byte, bool) {
	if v == nil {
		return nil, false
	}
	switch v.ExportType() {
	case typeBytes:
		b, ok := v.Export().([]byte)
		return b, ok
	case typeArrayBuffer:
		ab, ok := v.Export().(goja.ArrayBuffer)
		if !ok || ab.Detached() {
			return nil, false
		}
		return ab.Bytes(), true
	}
	return nil, false
}

// encodeUTF8 returns s as UTF-8. Strings that come from JS are already
// valid UTF-8 (goja turns lone surrogates into U+FFFD on the way out, as
// the Encoding standard asks); a Go string imported into the runtime may
// not be, and gets U+FFFD per invalid byte, which is how goja shows it to
// JS.
func encodeUTF8(s string) []byte {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	return []byte(s)
}

// encodeUTF8Into writes as many whole characters of s as fit into dst.
// read counts UTF-16 code units, as encodeInto reports them.
func encodeUTF8Into(dst []byte, s string) (read, written int) {
	for _, r := range s {
		n := utf8.RuneLen(r) // an invalid byte ranges as U+FFFD: 3
		if written+n > len(dst) {
			break
		}
		utf8.EncodeRune(dst[written:], r)
		written += n
		read++
		if r >= 0x10000 {
			read++
		}
	}
	return read, written
}

// decodeUTF8 decodes b as the Encoding standard's UTF-8 decoder does.
// Without fatal, each maximal ill-formed subpart becomes one U+FFFD
// (Go's own conversion would emit one per byte of a truncated sequence);
// with fatal, ok is false on any ill-formed input.
func decodeUTF8(b []byte, fatal bool) (s string, ok bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	if fatal {
		return "", false
	}
	var sb strings.Builder
	sb.Grow(len(b) + 16)
	start := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size != 1 {
			i += size
			continue
		}
		sb.Write(b[start:i])
		sb.WriteString("\uFFFD")
		n, _ := utf8Subpart(b[i:])
		i += max(n, 1)
		start = i
	}
	sb.Write(b[start:])
	return sb.String(), true
}

// utf8Subpart reads the sequence that starts at p[0]: need is its length
// by the lead byte (0 for a byte that cannot start one) and n how many
// bytes of p are a well-formed prefix of it. n < need means the sequence
// is truncated or broken after n bytes.
func utf8Subpart(p []byte) (n, need int) {
	if len(p) == 0 {
		return 0, 0
	}
	lo, hi := byte(0x80), byte(0xBF)
	switch c := p[0]; {
	case c < 0x80:
		return 1, 1
	case c >= 0xC2 && c <= 0xDF:
		need = 2
	case c >= 0xE0 && c <= 0xEF:
		need = 3
		if c == 0xE0 {
			lo = 0xA0 // no overlong forms
		} else if c == 0xED {
			hi = 0x9F // no surrogates
		}
	case c >= 0xF0 && c <= 0xF4:
		need = 4
		if c == 0xF0 {
			lo = 0x90
		} else if c == 0xF4 {
			hi = 0x8F // nothing above U+10FFFF
		}
	default:
		return 0, 0
	}
	n = 1
	for n < need && n < len(p) && p[n] >= lo && p[n] <= hi {
		lo, hi = 0x80, 0xBF
		n++
	}
	return n, need
}

// utf8Tail is the length of a sequence at the end of b that is well
// formed so far but incomplete: a streaming decoder keeps those bytes for
// the next chunk.
func utf8Tail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if b[i] >= 0x80 && b[i] < 0xC0 {
			continue // continuation byte: look further back for the lead
		}
		n, need := utf8Subpart(b[i:])
		if n == len(b)-i && n < need {
			return n
		}
		return 0
	}
	return 0
}

// btoa encodes a string of code points up to U+00FF, one byte each;
// ok is false if s holds anything above (a lone surrogate included: it
// arrives as U+FFFD).
func btoa(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xFF {
			return "", false
		}
		b = append(b, byte(r))
		i += size - 1
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// atob is the HTML standard's forgiving-base64 decode.
func atob(s string) ([]byte, bool) {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 0 {
		if n := len(clean); n >= 2 && clean[n-1] == '=' && clean[n-2] == '=' {
			clean = clean[:n-2]
		} else if n >= 1 && clean[n-1] == '=' {
			clean = clean[:n-1]
		}
	}
	if len(clean)%4 == 1 {
		return nil, false
	}
	for _, c := range clean {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return nil, false
		}
	}
	// Non-strict decoding discards the unused bits of the last character,
	// as the standard does.
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// latin1 makes a JS string with one code unit per byte.
func latin1(vm *goja.Runtime, b []byte) goja.Value {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			u := make([]uint16, len(b))
			for i, c := range b {
				u[i] = uint16(c)
			}
			return goja.StringFromUTF16(u)
		}
	}
	return vm.ToValue(string(b))
}

// decodeUTF8Lossy is decodeUTF8 without fatal: one U+FFFD for each
// maximal ill-formed subpart.
func decodeUTF8Lossy(b []byte) string {
	s, _ := decodeUTF8(b, false)
	return s
}
