package isolate

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

func init() { installers = append(installers, installLegacyEncodings) }

// installLegacyEncodings gives TextDecoder the Encoding Standard's other
// encodings (windows-1252, which "latin1" and "ascii" name, UTF-16, the
// CJK ones, …). golang.org/x/text's htmlindex holds the standard's label
// table and decoders; UTF-8 keeps its own faster path (encoding.go).
//
//	encodingName(label) → the canonical name, or null for an unknown label
//	  or the "replacement" encoding (which TextDecoder refuses).
//	legacyDecoder(name, fatal, ignoreBOM) → an object with decode(bytes,
//	  stream) that keeps an incomplete sequence between streamed calls.
func installLegacyEncodings(inst *instance, host *goja.Object) {
	vm := inst.vm
	_ = host.Set("encodingName", func(label string) goja.Value {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return goja.Null()
		}
		name, err := htmlindex.Name(enc)
		if err != nil || name == "replacement" {
			return goja.Null()
		}
		return vm.ToValue(name)
	})
	_ = host.Set("legacyDecoder", func(name string, fatal, ignoreBOM bool) goja.Value {
		enc, err := htmlindex.Get(name)
		if err != nil {
			panic(vm.NewTypeError("TextDecoder: unknown encoding %q", name))
		}
		d := &legacyDecoder{name: name, enc: enc, dec: enc.NewDecoder(), fatal: fatal, ignoreBOM: ignoreBOM}
		o := vm.NewObject()
		_ = o.Set("decode", func(c goja.FunctionCall) goja.Value {
			b, ok := viewBytes(c.Argument(0))
			if !ok {
				panic(vm.NewTypeError("TextDecoder.decode: input must be an ArrayBuffer or ArrayBufferView"))
			}
			s, err := d.decode(b, c.Argument(1).ToBoolean())
			if err != nil {
				panic(vm.NewTypeError("%s", err.Error()))
			}
			return vm.ToValue(s)
		})
		return o
	})
}

// legacyDecoder is one TextDecoder's state for an encoding other than
// UTF-8.
type legacyDecoder struct {
	name      string
	enc       encoding.Encoding
	dec       *encoding.Decoder
	fatal     bool
	ignoreBOM bool
	pending   []byte // an incomplete sequence kept while streaming
	started   bool   // output was produced since the stream began
}

// decode decodes b after what is pending; with stream an incomplete
// sequence at the end waits for the next call, without it the stream ends
// (an incomplete sequence is an error, or U+FFFD) and the decoder resets.
func (d *legacyDecoder) decode(b []byte, stream bool) (string, error) {
	src := b
	if len(d.pending) > 0 {
		src = append(d.pending, b...)
		d.pending = nil
	}
	var out strings.Builder
	var buf [4096]byte
	for {
		nDst, nSrc, err := d.dec.Transform(buf[:], src, !stream)
		out.Write(buf[:nDst])
		src = src[nSrc:]
		if errors.Is(err, transform.ErrShortDst) {
			continue
		}
		if errors.Is(err, transform.ErrShortSrc) && stream {
			d.pending = append([]byte(nil), src...)
			break
		}
		if err != nil {
			d.reset()
			return "", errors.New("TextDecoder: the encoded data was not valid for encoding " + d.name)
		}
		break
	}
	s := out.String()
	if !d.started && s != "" {
		d.started = true
		if !d.ignoreBOM && (d.name == "utf-16le" || d.name == "utf-16be") {
			s = strings.TrimPrefix(s, "\uFEFF")
		}
	}
	if d.fatal && strings.ContainsRune(s, utf8.RuneError) && d.replaced(b, s) {
		d.reset()
		return "", errors.New("TextDecoder: the encoded data was not valid for encoding " + d.name)
	}
	if !stream {
		d.reset()
	}
	return s, nil
}

// replaced reports whether a U+FFFD in s stands for bytes the decoder
// could not decode rather than a U+FFFD the input encoded: only UTF-16 and
// gb18030 can encode U+FFFD itself, so those count what the input holds.
func (d *legacyDecoder) replaced(in []byte, s string) bool {
	var encoded []byte
	switch d.name {
	case "utf-16le":
		encoded = []byte{0xFD, 0xFF}
	case "utf-16be":
		encoded = []byte{0xFF, 0xFD}
	case "gb18030":
		encoded = []byte{0x84, 0x31, 0xA4, 0x37}
	default:
		return true
	}
	return strings.Count(s, "\uFFFD") > bytes.Count(in, encoded)
}

func (d *legacyDecoder) reset() {
	d.dec = d.enc.NewDecoder()
	d.pending = nil
	d.started = false
}
