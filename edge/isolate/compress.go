package isolate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"time"

	"github.com/dop251/goja"
	"github.com/vault-runtime/vault/edge/osthread"
)

func init() { installers = append(installers, installCompress) }

// installCompress gives CompressionStream and DecompressionStream
// (js/18-textstreams.js) their Go side: host.codec(format, decompress)
// returns an object whose push(bytes) takes a chunk and returns the output
// it produced (an ArrayBuffer, maybe empty), whose finish() ends the input
// and returns the rest, and whose close() drops a stream that will not be
// finished. Errors in the data throw TypeErrors, as the Compression
// Streams standard asks.
func installCompress(inst *instance, host *goja.Object) {
	vm := inst.vm
	_ = host.Set("codec", func(format string, decompress bool) goja.Value {
		var c codec
		var err error
		if decompress {
			c, err = newInflater(format)
		} else {
			c, err = newDeflater(format)
		}
		if err != nil {
			panic(vm.NewTypeError(err.Error()))
		}
		out := func(b []byte, err error) goja.Value {
			if err != nil {
				panic(vm.NewTypeError(err.Error()))
			}
			return vm.ToValue(vm.NewArrayBuffer(b))
		}
		m := meter{bytes: inst.charge, cpu: inst.watch.addCPU}
		return hookObject(vm, map[string]func(goja.FunctionCall) goja.Value{
			"push": func(call goja.FunctionCall) goja.Value {
				in, ok := viewBytes(call.Argument(0))
				if !ok {
					panic(vm.NewTypeError("the chunk must be an ArrayBuffer or a view"))
				}
				return out(c.push(in, m))
			},
			"finish": func(goja.FunctionCall) goja.Value { return out(c.finish(m)) },
			"close":  func(goja.FunctionCall) goja.Value { c.close(); return goja.Undefined() },
		})
	})
}

// codec is one compression or decompression stream.
type codec interface {
	push(in []byte, m meter) ([]byte, error)
	finish(m meter) ([]byte, error)
	close()
}

// meter is how a codec charges the invocation for what it does off the
// VM: bytes is called with the size of output before it is kept (it
// panics over the memory limit), so a small compressed input cannot
// expand without bound; cpu gets the CPU time spent on another thread.
// Either may be nil.
type meter struct {
	bytes func(float64)
	cpu   func(time.Duration)
}

// addCPU counts CPU an invocation spent on another thread (a
// decompressor's goroutine) as its own, and checks the limits at once: the
// thread clock the watchdog reads is the VM's, which sleeps meanwhile.
func (w *watchdog) addCPU(d time.Duration) {
	w.mu.Lock()
	running := w.running
	if running {
		w.usedCPU += d
	}
	w.mu.Unlock()
	if running {
		w.check()
	}
}

var errFormat = errors.New(`the format must be "gzip", "deflate" or "deflate-raw"`)

// deflater compresses: the writer's output collects in buf and is handed
// out after each chunk (flate keeps what it has not decided on yet).
type deflater struct {
	buf bytes.Buffer
	w   io.WriteCloser
}

func newDeflater(format string) (*deflater, error) {
	d := &deflater{}
	switch format {
	case "gzip":
		d.w = gzip.NewWriter(&d.buf)
	case "deflate":
		d.w = zlib.NewWriter(&d.buf)
	case "deflate-raw":
		d.w, _ = flate.NewWriter(&d.buf, flate.DefaultCompression)
	default:
		return nil, errFormat
	}
	return d, nil
}

func (d *deflater) push(in []byte, _ meter) ([]byte, error) {
	if _, err := d.w.Write(in); err != nil {
		return nil, err
	}
	return d.take(), nil
}

func (d *deflater) finish(meter) ([]byte, error) {
	if err := d.w.Close(); err != nil {
		return nil, err
	}
	return d.take(), nil
}

func (d *deflater) take() []byte {
	b := bytes.Clone(d.buf.Bytes())
	d.buf.Reset()
	return b
}

func (d *deflater) close() {}

// inflater decompresses. Go's readers pull their input and cannot stop
// half-way through a block and resume, while a DecompressionStream is
// pushed chunks; so each inflater runs its reader on a goroutine that
// asks for input when it runs dry. push hands it a chunk and collects the
// output until it asks again, so the goroutine only runs while push or
// finish waits for it: the work stays within the invocation's call.
//
// The handle is what JS holds; when it becomes unreachable without
// finish or close, a cleanup ends the goroutine.
type inflater struct{ *inflate }

type inflate struct {
	in     chan []byte   // chunks to the reader; closed at finish
	out    chan piece    // what the reader produced, then a need or an end
	quit   chan struct{} // closed to end the goroutine early
	exited chan struct{} // closed when the goroutine has returned
	done   bool          // the reader ended (err says how)
	err    error
	// lastCPU is the reader thread's CPU clock at the last piece sent;
	// only the goroutine touches it.
	lastCPU time.Duration
}

// piece is a message from the reader goroutine: output bytes, a request
// for more input (need), or the end (end, with err nil at the end of the
// compressed data); cpu is the goroutine's CPU time since the last one.
type piece struct {
	data []byte
	need bool
	end  bool
	err  error
	cpu  time.Duration
}

func newInflater(format string) (*inflater, error) {
	switch format {
	case "gzip", "deflate", "deflate-raw":
	default:
		return nil, errFormat
	}
	f := &inflate{in: make(chan []byte), out: make(chan piece), quit: make(chan struct{}), exited: make(chan struct{})}
	go f.run(format)
	h := &inflater{f}
	runtime.AddCleanup(h, func(f *inflate) { f.stop() }, f)
	// The reader asks for its first input at once.
	if _, err := f.collect(meter{}); err != nil {
		return nil, err
	}
	return h, nil
}

func (f *inflate) stop() {
	select {
	case <-f.quit:
	default:
		close(f.quit)
	}
}

func (f *inflate) run(format string) {
	defer close(f.exited)
	// On a thread of its own while it works, so that thread's CPU clock
	// measures its work (sent with each piece, charged by collect); the
	// thread is let go while it waits for input (feed.wait).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f.lastCPU = osthread.Self()
	src := &feed{f: f}
	var r io.Reader
	var err error
	switch format {
	case "gzip":
		var z *gzip.Reader
		if z, err = gzip.NewReader(src); err == nil {
			// One member, as browsers decode it: a second is trailing data.
			z.Multistream(false)
			r = z
		}
	case "deflate":
		r, err = zlib.NewReader(src)
	default:
		r = flate.NewReader(src)
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // no input at all
	}
	if err == nil {
		buf := make([]byte, 32<<10)
		for {
			var n int
			n, err = r.Read(buf)
			if n > 0 && !f.send(piece{data: bytes.Clone(buf[:n])}) {
				return
			}
			if err != nil {
				break
			}
		}
	}
	switch {
	case errors.Is(err, io.EOF) && len(src.cur) > 0:
		err = errTrailing
	case errors.Is(err, io.EOF):
		err = nil
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errInputEnded):
		err = errors.New("the compressed data ended early")
	case err != nil:
		err = errors.New("the compressed data is not valid: " + err.Error())
	}
	f.send(piece{end: true, err: err})
}

var (
	errTrailing   = errors.New("there is data after the end of the compressed stream")
	errInputEnded = errors.New("input ended")
)

func (f *inflate) send(p piece) bool {
	now := osthread.Self()
	p.cpu, f.lastCPU = now-f.lastCPU, now
	select {
	case f.out <- p:
		return true
	case <-f.quit:
		return false
	}
}

// collect gathers the reader's output until it needs more input or ends,
// and charges the goroutine's CPU time for it. A panic from the byte
// charge (over the memory limit) ends the goroutine first.
func (f *inflate) collect(m meter) (out []byte, err error) {
	var cpu time.Duration
	defer func() {
		if m.cpu != nil {
			m.cpu(cpu)
		}
		if r := recover(); r != nil {
			f.stop()
			f.done = true
			panic(r)
		}
	}()
	for p := range f.out {
		cpu += p.cpu
		switch {
		case p.need:
			return out, nil
		case p.end:
			f.done, f.err = true, p.err
			if p.err != nil {
				return nil, p.err
			}
			return out, nil
		}
		if m.bytes != nil {
			m.bytes(float64(len(p.data)))
		}
		out = append(out, p.data...)
	}
	return out, nil
}

func (f *inflate) push(in []byte, m meter) ([]byte, error) {
	if f.done {
		if f.err == nil && len(in) > 0 {
			f.err = errTrailing
		}
		return nil, f.err
	}
	if len(in) == 0 {
		return nil, nil
	}
	// The reader holds in only until it asks for more, which is before
	// push returns: it is not copied.
	f.in <- in
	return f.collect(m)
}

func (f *inflate) finish(m meter) ([]byte, error) {
	if f.done {
		return nil, f.err
	}
	close(f.in)
	return f.collect(m)
}

// close ends the goroutine and waits for it: it is blocked on quit or
// returning, so this is prompt.
func (f *inflate) close() {
	f.stop()
	<-f.exited
	f.done = true
	if f.err == nil {
		f.err = errors.New("the stream was closed")
	}
}

// feed is the reader goroutine's input: it asks for a chunk when it has
// none. It is an io.ByteReader, so the decompressors read it without a
// bufio.Reader reading ahead: what is left in cur at the end of the
// compressed data is exactly what followed it.
type feed struct {
	f   *inflate
	cur []byte
}

func (s *feed) fill() error {
	for len(s.cur) == 0 {
		if !s.f.send(piece{need: true}) {
			return errInputEnded
		}
		b, ok, quit := s.wait()
		switch {
		case quit:
			return errInputEnded
		case !ok:
			return io.EOF
		}
		s.cur = b
	}
	return nil
}

// wait waits for the next chunk with the goroutine's thread released, so
// an idle decompressor holds no OS thread, and takes a thread again (and
// its clock) before working on the chunk.
func (s *feed) wait() (b []byte, ok, quit bool) {
	runtime.UnlockOSThread()
	defer func() {
		runtime.LockOSThread()
		s.f.lastCPU = osthread.Self()
	}()
	select {
	case b, ok = <-s.f.in:
		return b, ok, false
	case <-s.f.quit:
		return nil, false, true
	}
}

func (s *feed) Read(p []byte) (int, error) {
	if err := s.fill(); err != nil {
		return 0, err
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

func (s *feed) ReadByte() (byte, error) {
	if err := s.fill(); err != nil {
		return 0, err
	}
	b := s.cur[0]
	s.cur = s.cur[1:]
	return b, nil
}
