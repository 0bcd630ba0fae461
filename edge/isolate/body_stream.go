package isolate

import (
	"errors"
	"fmt"
	"io"

	"github.com/dop251/goja"
)

// msgBody is the body of a Request or Response made in Go. It stays what it
// was given as (a JS string or buffer, Go bytes, a Go reader) until the
// function asks for .body: only then does it become a ReadableStream, so
// `new Response("hi")` and `await request.json()` never build one. Once
// it is a stream, the stream is the body.
type msgBody struct {
	value  goja.Value   // a string, an ArrayBuffer or a view from JS
	raw    []byte       // bytes from Go, when value is nil
	src    io.Reader    // a request body still arriving (Request.BodyStream)
	stream *goja.Object // the body as a ReadableStream, once asked for or given
	used   bool         // taken by a body method or moved to another object
}

// streamHooks are js/10-core.js's helpers for body streams.
type streamHooks struct {
	isStream, bytesStream, goStream goja.Callable
	takeBytes, unusable, disturbed  goja.Callable
	consume, tee                    goja.Callable
	parseForm, blobOf               goja.Callable
	// readNow is js/15-streams.js's read for the response pump, which
	// answers readDone or readEmpty, objects of the pump's own, when it
	// has no chunk to give (stream_out.go).
	readNow             goja.Callable
	readDone, readEmpty goja.Value
}

func (inst *instance) bindStreams(fn func(string) goja.Callable) {
	h := &inst.streams
	h.isStream, h.bytesStream, h.goStream = fn("isStream"), fn("bytesStream"), fn("goStream")
	h.takeBytes, h.unusable, h.disturbed = fn("takeBytes"), fn("unusable"), fn("disturbed")
	h.consume, h.tee = fn("consume"), fn("tee")
	h.parseForm, h.blobOf = fn("parseFormBody"), fn("blobOf")
	h.readNow, h.readDone, h.readEmpty = fn("readNow"), inst.vm.NewObject(), inst.vm.NewObject()
}

// js calls a prelude helper, rethrowing what it threw.
func (inst *instance) js(f goja.Callable, args ...goja.Value) goja.Value {
	v, err := f(goja.Undefined(), args...)
	if err != nil {
		panic(err)
	}
	return v
}

// isStream reports whether v is a ReadableStream.
func (inst *instance) isStream(v goja.Value) bool {
	if _, ok := v.(*goja.Object); !ok {
		return false
	}
	return inst.js(inst.streams.isStream, v).ToBoolean()
}

// streamOf is the body as .body shows it: null, or a ReadableStream made
// now from what the body holds.
func (inst *instance) streamOf(b *msgBody) goja.Value {
	if b.stream != nil {
		return b.stream
	}
	vm := inst.vm
	var s goja.Value
	switch {
	case b.src != nil:
		if b.used {
			s = inst.usedStream()
		} else {
			s = inst.js(inst.streams.goStream, vm.ToValue(inst.pullFrom(b.src)), vm.ToValue(func() {}))
		}
	case b.value != nil || b.raw != nil:
		if b.used {
			s = inst.usedStream()
		} else if b.value != nil {
			s = inst.js(inst.streams.bytesStream, b.value)
		} else {
			s = inst.js(inst.streams.bytesStream, vm.ToValue(vm.NewArrayBuffer(b.raw)))
		}
	default:
		return goja.Null()
	}
	b.value, b.raw, b.src = nil, nil, nil
	b.stream = s.(*goja.Object)
	return s
}

// usedStream is the stream of a body already taken: read to its end.
func (inst *instance) usedStream() goja.Value {
	s := inst.js(inst.streams.bytesStream, goja.Null())
	cancel, _ := goja.AssertFunction(s.ToObject(inst.vm).Get("cancel"))
	if _, err := cancel(s); err != nil {
		panic(err)
	}
	return s
}

// bodyUsed is the Fetch standard's bodyUsed: taken, or its stream
// disturbed.
func (inst *instance) bodyUsed(b *msgBody) bool {
	if b.used {
		return true
	}
	return b.stream != nil && inst.js(inst.streams.disturbed, b.stream).ToBoolean()
}

// unusable is the Fetch standard's "unusable": taken, or its stream
// locked or disturbed.
func (inst *instance) unusable(b *msgBody) bool {
	if b.used {
		return true
	}
	return b.stream != nil && inst.js(inst.streams.unusable, b.stream).ToBoolean()
}

// readBody takes the body and returns a promise of f's result for its
// bytes: at once for a buffered body, when read to the end for a stream or
// a request body still arriving. A used body, or f's throw, rejects it.
func (inst *instance) readBody(b *msgBody, f func(v goja.Value, raw []byte) goja.Value) goja.Value {
	if b.stream == nil && b.src == nil { // the fast path: buffered
		return inst.settled(func() goja.Value {
			if b.used {
				panic(inst.vm.NewTypeError("body already used"))
			}
			b.used = true
			return f(b.value, b.raw)
		})
	}
	if inst.unusable(b) {
		return inst.settled(func() goja.Value { panic(inst.vm.NewTypeError("body already used")) })
	}
	b.used = true
	if b.stream != nil {
		p := inst.js(inst.streams.consume, b.stream)
		return inst.then(p, func(u8 goja.Value) goja.Value {
			raw, err := bytesOf(u8)
			if err != nil {
				panic(inst.vm.NewTypeError("body stream gave %s", u8.ExportType()))
			}
			return f(nil, raw)
		})
	}
	src := b.src
	b.src = nil
	promise, resolve, reject := inst.vm.NewPromise()
	_, complete := inst.async()
	go func() {
		raw, err := io.ReadAll(src)
		complete(func() {
			if err != nil {
				_ = reject(inst.vm.NewTypeError("reading the request body: %v", err))
				return
			}
			v, jerr := inst.guard(func() goja.Value { return f(nil, raw) })
			if jerr != nil {
				_ = reject(jerr)
				return
			}
			_ = resolve(v)
		})
	}()
	return inst.vm.ToValue(promise)
}

// guard runs f and returns what it threw as a JS value.
func (inst *instance) guard(f func() goja.Value) (v goja.Value, thrown goja.Value) {
	defer func() {
		if x := recover(); x != nil {
			switch e := x.(type) {
			case *goja.Exception:
				thrown = e.Value()
			case goja.Value:
				thrown = e
			default:
				panic(x)
			}
		}
	}()
	return f(), nil
}

// then is p.then(f).
func (inst *instance) then(p goja.Value, f func(goja.Value) goja.Value) goja.Value {
	o := p.ToObject(inst.vm)
	then, ok := goja.AssertFunction(o.Get("then"))
	if !ok {
		panic(inst.vm.NewTypeError("not a promise"))
	}
	v, err := then(o, inst.vm.ToValue(func(call goja.FunctionCall) goja.Value { return f(call.Argument(0)) }))
	if err != nil {
		panic(err)
	}
	return v
}

// cloneBody splits b for clone(): a buffered body is shared, since
// reading it copies. So are the bytes of a stream nothing has touched
// over bytes we hold (a buffered body asked for as .body, as Hono's
// context does before its etag middleware clones): b and the clone go
// back to holding the bytes and make a new stream each only if asked,
// where a tee made both streams at once. Another stream is teed, and b
// keeps one branch.
func (inst *instance) cloneBody(b *msgBody) msgBody {
	if inst.unusable(b) {
		panic(inst.vm.NewTypeError("cannot clone: body already used"))
	}
	if b.src != nil {
		inst.streamOf(b)
	}
	if b.stream == nil {
		return msgBody{value: b.value, raw: b.raw}
	}
	if v := inst.js(inst.peekBytes, b.stream); !goja.IsUndefined(v) {
		b.stream, b.value = nil, v
		return msgBody{value: v}
	}
	pair := inst.js(inst.streams.tee, b.stream).ToObject(inst.vm)
	b.stream = pair.Get("0").(*goja.Object)
	return msgBody{stream: pair.Get("1").(*goja.Object)}
}

// takeBytes gives the bytes of a stream body that nothing has touched and
// that holds bytes already (a buffered body asked for as .body), closing
// the stream; ok is false for any other stream.
func (inst *instance) takeBytes(s *goja.Object) (raw []byte, ok bool) {
	v := inst.js(inst.streams.takeBytes, s)
	if goja.IsUndefined(v) {
		return nil, false
	}
	raw, err := bytesOf(v)
	return raw, err == nil
}

// pullChunk is how much a pull reads from a request body at once.
const pullChunk = 32 << 10

// pullFrom is the pull of a stream over a Go reader: each call reads the
// next chunk on its own goroutine, never blocking the VM, and returns a
// promise of a Uint8Array, or of null at the end.
func (inst *instance) pullFrom(src io.Reader) func() goja.Value {
	var pending error // an error that came with the last bytes
	return func() goja.Value {
		vm := inst.vm
		promise, resolve, reject := vm.NewPromise()
		_, complete := inst.async()
		failed := pending
		go func() {
			var n int
			err := failed
			buf := make([]byte, pullChunk)
			for n == 0 && err == nil {
				n, err = src.Read(buf)
			}
			complete(func() {
				if n > 0 {
					pending = err
					_ = resolve(inst.uint8(buf[:n]))
					return
				}
				if errors.Is(err, io.EOF) {
					_ = resolve(goja.Null())
					return
				}
				_ = reject(vm.NewTypeError("reading the request body: %v", err))
			})
		}()
		return vm.ToValue(promise)
	}
}

// uint8 is a Uint8Array over b (not copied).
func (inst *instance) uint8(b []byte) goja.Value {
	u, err := inst.uint8Ctor(nil, inst.vm.ToValue(inst.vm.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return u
}

// formDataOf and blobOf are formData() and blob() of bytes.
func (inst *instance) formDataOf(ctype string, raw []byte) goja.Value {
	return inst.js(inst.streams.parseForm, inst.vm.ToValue(ctype), inst.uint8(raw))
}

func (inst *instance) blobOf(ctype string, raw []byte) goja.Value {
	return inst.js(inst.streams.blobOf, inst.vm.ToValue(ctype), inst.uint8(raw))
}

// errStreamBody is the error of a handler's Response whose stream body
// was already read or locked.
var errStreamBody = fmt.Errorf("%w: the response body stream is locked or already read", ErrBadResponse)

// bodyValue is what another Request takes of b: its stream, a copy of its
// bytes as an ArrayBuffer, or null.
func (inst *instance) bodyValue(b *msgBody) goja.Value {
	switch {
	case b.stream != nil:
		return b.stream
	case b.value != nil:
		raw, _ := bytesOf(b.value)
		return inst.vm.ToValue(inst.vm.NewArrayBuffer(raw))
	case b.raw != nil:
		return inst.vm.ToValue(inst.vm.NewArrayBuffer(append([]byte(nil), b.raw...)))
	}
	return goja.Null()
}
