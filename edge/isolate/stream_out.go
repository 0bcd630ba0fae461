package isolate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dop251/goja"
)

// A Response whose body is a stream the function produces goes out as it
// is produced. When the handler's promise settles with one, the pump first
// reads the function's stream on the invocation's own goroutine, for as
// long as chunks come without waiting for the event loop (pumpAhead): a
// short stream, whose chunks are made in promise jobs, is read whole there
// and its instance goes back to the pool before Invoke returns, within the
// scheduler's slot. Otherwise Invoke returns with Response.Stream and the
// instance keeps running its event loop on another goroutine (as waitUntil
// work does), pumping the rest.
//
// The pump runs ahead of its consumer by at most aheadBytes, so a slow
// client holds the function back instead of making the node buffer, and a
// Read takes all that is ready (several events in one DATA frame). A
// chunk the stream has queued is taken without a promise (readNow in
// js/15-streams.js), with read()'s own steps. The limits go on holding:
// CPU and wall time interrupt the pump, and the bytes count against
// ResponseBodyBytes as they are produced. When the consumer goes (Close,
// or the request's context ends) the function's stream is canceled, its
// cancel algorithm runs, the request's signal aborts, and the instance is
// freed.

// aheadBytes is how far the pump may run ahead of the consumer: it reads
// the next chunk only while less than this is unread.
const aheadBytes = 64 << 10

// aheadChunks bounds the chunks pumpAhead reads before Invoke returns, so
// that the headers of a stream of many tiny chunks made at once are not
// held back for long: the rest is pumped after them.
const aheadChunks = 128

// errConsumerGone ends a wait of the pump when the response's consumer has
// gone.
var errConsumerGone = errors.New("isolate: the response's consumer has gone")

// ErrStreamClosed is what Read returns after Close.
var ErrStreamClosed = errors.New("isolate: response stream closed")

// outStream is Response.Stream: the Go end of a streamed body.
type outStream struct {
	// The pump's, on the goroutine running the instance.
	reader  *goja.Object  // the function's stream's reader
	read    goja.Callable // reader.read, when readNow has nothing at once
	pending goja.Value    // the read() promise the pump waits for, if any
	total   int64         // bytes produced, against ResponseBodyBytes

	mu     sync.Mutex
	buf    []byte        // produced and not yet Read
	end    error         // io.EOF or what ended the stream; nil while it goes on
	ready  chan struct{} // cap 1: buf grew or the stream ended
	room   chan struct{} // cap 1: Read took bytes
	closed chan struct{} // closed by Close
	once   sync.Once
}

func newOutStream(reader *goja.Object, read goja.Callable) *outStream {
	return &outStream{reader: reader, read: read,
		ready: make(chan struct{}, 1), room: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Read returns what the function has produced and not yet been read, as
// soon as there is some, io.EOF after the last, or the error that ended
// the stream.
func (s *outStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		select {
		case <-s.closed:
			return 0, ErrStreamClosed
		default:
		}
		s.mu.Lock()
		n, end := s.take(p), s.end
		s.mu.Unlock()
		if n > 0 {
			poke(s.room)
			return n, nil
		}
		if end != nil {
			return 0, end
		}
		select {
		case <-s.ready:
		case <-s.closed:
			return 0, ErrStreamClosed
		}
	}
}

// take moves the first bytes of buf into p; s.mu must be held. A buffer
// grown past aheadBytes by one big chunk is let go once empty.
func (s *outStream) take(p []byte) int {
	n := copy(p, s.buf)
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	if len(s.buf) == 0 && cap(s.buf) > aheadBytes {
		s.buf = nil
	}
	return n
}

// Buffered gives the whole body of a stream that has ended well before
// anything was read (pumpAhead read it all), handing it over: the caller
// owns it and reads no more. Otherwise whole is false and nothing
// changes. The edge sends such a body at once (h2.Buffered).
func (s *outStream) Buffered() (body []byte, whole bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.end != io.EOF {
		return nil, false
	}
	body, s.buf = s.buf, nil
	return body, true
}

// Close tells the pump the consumer has gone. It does not wait.
func (s *outStream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// push appends a chunk for Read and reports whether the pump must now
// wait for room.
func (s *outStream) push(chunk []byte) (full bool) {
	s.mu.Lock()
	s.buf = append(s.buf, chunk...)
	full = len(s.buf) >= aheadBytes
	s.mu.Unlock()
	poke(s.ready)
	return full
}

// full reports whether aheadBytes are unread.
func (s *outStream) full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buf) >= aheadBytes
}

// finish ends the stream for Read, after what is buffered; the pump calls
// it once.
func (s *outStream) finish(err error) {
	s.mu.Lock()
	s.end = err
	s.mu.Unlock()
	poke(s.ready)
}

// poke wakes whoever waits on c, or leaves the wake-up for its next wait.
func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// startStream makes the handler's stream body the response's Stream.
func (inst *instance) startStream(stream *goja.Object) (*outStream, error) {
	getReader, ok := goja.AssertFunction(stream.Get("getReader"))
	if !ok {
		return nil, fmt.Errorf("%w: the response body is not a ReadableStream", ErrBadResponse)
	}
	v, err := getReader(stream)
	if err != nil {
		return nil, err
	}
	reader := v.(*goja.Object)
	read, ok := goja.AssertFunction(reader.Get("read"))
	if !ok {
		return nil, fmt.Errorf("%w: the response body's reader has no read method", ErrBadResponse)
	}
	inst.out = newOutStream(reader, read)
	return inst.out, nil
}

// streamBody ends Invoke for a Response whose body is a stream: it pumps
// what the stream gives at once and then lets the instance go, or, when
// the stream waits for its event loop, leaves the rest to a goroutine.
// The watchdog still runs on entry: the pump goes on with the segment the
// handler ran in, on the same goroutine.
func (p *Program) streamBody(ctx context.Context, inst *instance, resp *Response) *Response {
	going, err := inst.pumpAhead()
	switch {
	case going:
		// The pump, not the caller's context, decides from here on
		// when the client has gone.
		inst.watch.suspend()
		inst.watch.detach()
		go p.stream(inst, watchConsumer(ctx, inst.out))
	case err == nil && len(inst.loop.waiting) > 0:
		inst.watch.suspend()
		inst.watch.detach()
		go p.finish(inst)
	default:
		p.release(inst, err)
	}
	return resp
}

// stream runs a streamed response's pump after Invoke returned, then the
// invocation's waitUntil work, and lets the instance go.
func (p *Program) stream(inst *instance, stopWatching func() bool) {
	inst.watch.resume()
	err := inst.pump()
	stopWatching()
	if err == nil {
		err = inst.drain()
	}
	p.release(inst, err)
}

// pumpAhead pumps the chunks the function's stream gives without waiting
// for the event loop, as long as there is room, aheadChunks at most. It
// reports whether the stream goes on, or else the invocation's error (nil
// if it ended well).
func (inst *instance) pumpAhead() (going bool, err error) {
	for range aheadChunks {
		more, err := inst.pumpOne(false)
		if err != nil {
			return false, inst.endPump(err)
		}
		if !more || inst.out.full() {
			return true, nil
		}
	}
	return true, nil
}

// pump reads the function's stream into inst.out until the stream ends,
// fails, goes over a limit or its consumer goes.
func (inst *instance) pump() error {
	l := &inst.loop
	l.stop = inst.out.closed
	defer func() { l.stop = nil }()
	for {
		err := inst.waitRoom()
		if err == nil {
			_, err = inst.pumpOne(true)
		}
		if err != nil {
			return inst.endPump(err)
		}
	}
}

// pumpOne moves the function's next chunk into inst.out: taken at once if
// its stream has one queued, else read(), whose promise it waits for only
// if wait is set (more is false when it did not). At the stream's end it
// returns io.EOF.
func (inst *instance) pumpOne(wait bool) (more bool, err error) {
	out, h := inst.out, &inst.streams
	var value goja.Value
	if out.pending == nil {
		err = inst.call(func() (err error) {
			value, err = h.readNow(goja.Undefined(), out.reader, h.readDone, h.readEmpty)
			if err == nil && value == h.readEmpty {
				out.pending, err = out.read(out.reader)
			}
			return err
		})
		if err != nil {
			return false, err
		}
	}
	if value == h.readDone {
		return false, io.EOF
	}
	if out.pending != nil {
		if !wait && pendingPromise(out.pending) {
			return false, nil
		}
		res, err := inst.settle(out.pending)
		out.pending = nil
		if err != nil {
			return false, err
		}
		result := res.ToObject(inst.vm)
		if result.Get("done").ToBoolean() {
			return false, io.EOF
		}
		value = result.Get("value")
	}
	raw, err := chunkBytes(value)
	if err == nil {
		limit := inst.prog.cfg.Limits.ResponseBodyBytes
		if out.total += int64(len(raw)); out.total > limit {
			err = &LimitError{Limit: LimitResponseBody, Used: out.total, Max: limit, Refused: int64(len(raw))}
		}
	}
	if err != nil {
		inst.cancelReader(inst.vm.NewTypeError(err.Error()))
		return false, err
	}
	if len(raw) > 0 {
		out.push(raw)
	}
	return true, nil
}

// pendingPromise reports whether v is a promise still pending.
func pendingPromise(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	if !ok {
		return false
	}
	p, ok := o.Export().(*goja.Promise)
	return ok && p.State() == goja.PromiseStatePending
}

// waitRoom waits, the watchdog suspended, while aheadBytes are unread.
func (inst *instance) waitRoom() error {
	out := inst.out
	for out.full() {
		inst.watch.suspend()
		select {
		case <-out.room:
			inst.watch.resume()
		case <-out.closed:
			inst.watch.resume()
			return errConsumerGone
		case <-inst.watch.wake:
			inst.watch.resume()
			if err := inst.watch.err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// endPump ends the stream for its consumer after err stopped the pump,
// and returns the invocation's error: nil at the stream's end or when the
// consumer went.
func (inst *instance) endPump(err error) error {
	switch {
	case err == io.EOF:
		inst.out.finish(io.EOF)
		return nil
	case errors.Is(err, errConsumerGone):
		return inst.cancelOut()
	case errors.Is(err, ErrUnsettled):
		// Nothing is left that could enqueue (no timer, no Go work):
		// the stream would hang until the client gave up.
		err = fmt.Errorf("%w: the response body stream is waiting for a chunk and nothing is left that could produce one", ErrUnsettled)
		inst.cancelReader(inst.vm.NewTypeError(err.Error()))
	}
	inst.out.finish(err)
	return err
}

// chunkBytes is the bytes of a chunk the function's stream gave (not
// copied: push copies them): the Fetch standard takes only Uint8Array
// chunks for a body.
func chunkBytes(v goja.Value) ([]byte, error) {
	if o, ok := v.(*goja.Object); ok {
		if b, ok := o.Export().([]byte); ok { // a Uint8Array
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: a response body stream gave %s, not a Uint8Array", ErrBadResponse, typeOf(v))
}

// cancelOut cancels the function's stream because its consumer has gone:
// the stream's cancel algorithm and the request signal's abort listeners
// run, and the loop runs until the cancel settles.
func (inst *instance) cancelOut() error {
	inst.out.finish(ErrStreamClosed)
	reason := inst.domException("the client went away", "AbortError")
	var p goja.Value
	err := inst.call(func() error {
		p = inst.cancelReader(reason)
		if r := inst.current; r != nil {
			r.abortSignal(reason)
		}
		return nil
	})
	if err == nil && p != nil {
		_, err = inst.settle(p)
	}
	if errors.Is(err, ErrThrew) || errors.Is(err, ErrUnsettled) {
		// The function's cancel failed or never settled: nobody waits for
		// it, and a clean instance can serve again.
		inst.prog.emit(inst.reqID(), "warn", SourceRuntime, "canceling the response stream: "+err.Error())
		return nil
	}
	return err
}

// cancelReader cancels the function's stream through its reader and
// returns the cancel's promise (nil if cancel threw: the stream is done
// with either way).
func (inst *instance) cancelReader(reason goja.Value) goja.Value {
	cancel, ok := goja.AssertFunction(inst.out.reader.Get("cancel"))
	if !ok {
		return nil
	}
	p, err := cancel(inst.out.reader, reason)
	if err != nil {
		return nil
	}
	return p
}

// watchConsumer closes out when ctx ends: the request's client is gone.
func watchConsumer(ctx context.Context, out *outStream) func() bool {
	return context.AfterFunc(ctx, func() { _ = out.Close() })
}
