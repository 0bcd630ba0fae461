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
// is produced. Invoke returns as soon as the handler's promise settles,
// with Response.Stream; the instance keeps running its event loop on
// another goroutine (as waitUntil work does) and pumps the stream's reader
// into Stream: one chunk in flight, so a slow client holds the function
// back instead of making the node buffer. The limits go on holding: CPU
// and wall time interrupt the pump, and the bytes count against
// ResponseBodyBytes. When the consumer goes (Close, or the request's
// context ends) the function's stream is canceled, its cancel algorithm
// runs, the request's signal aborts, and the instance is freed.

// errConsumerGone ends a wait of the pump when the response's consumer has
// gone.
var errConsumerGone = errors.New("isolate: the response's consumer has gone")

// ErrStreamClosed is what Read returns after Close.
var ErrStreamClosed = errors.New("isolate: response stream closed")

// outStream is Response.Stream: the Go end of a streamed body.
type outStream struct {
	reader *goja.Object  // the function's stream's reader; the pump's
	chunks chan []byte   // unbuffered: the one chunk in flight
	ended  chan struct{} // closed when the pump is done; err says how
	err    error
	closed chan struct{} // closed by Close
	once   sync.Once
	buf    []byte // the rest of the chunk Read is handing out
}

func newOutStream(reader *goja.Object) *outStream {
	return &outStream{reader: reader, chunks: make(chan []byte), ended: make(chan struct{}), closed: make(chan struct{})}
}

// Read returns the function's chunks as they come, io.EOF after the last,
// or the error that ended the stream.
func (s *outStream) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		select {
		case b := <-s.chunks:
			s.buf = b
		case <-s.ended:
			return 0, s.err
		case <-s.closed:
			return 0, ErrStreamClosed
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// Close tells the pump the consumer has gone. It does not wait.
func (s *outStream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// finish ends the stream for Read; the pump calls it once.
func (s *outStream) finish(err error) {
	s.err = err
	close(s.ended)
}

// startStream makes the handler's stream body the response's Stream.
func (inst *instance) startStream(stream *goja.Object) (*outStream, error) {
	getReader, ok := goja.AssertFunction(stream.Get("getReader"))
	if !ok {
		return nil, fmt.Errorf("%w: the response body is not a ReadableStream", ErrBadResponse)
	}
	reader, err := getReader(stream)
	if err != nil {
		return nil, err
	}
	inst.out = newOutStream(reader.(*goja.Object))
	return inst.out, nil
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

// pump reads the function's stream into inst.out until the stream ends,
// fails, goes over a limit or its consumer goes.
func (inst *instance) pump() error {
	out, l := inst.out, &inst.loop
	l.stop = out.closed
	defer func() { l.stop = nil }()
	read, _ := goja.AssertFunction(out.reader.Get("read"))
	limit := inst.prog.cfg.Limits.ResponseBodyBytes
	var total int64
	for {
		var res, p goja.Value
		err := inst.call(func() (err error) {
			p, err = read(out.reader)
			return err
		})
		if err == nil {
			res, err = inst.settle(p)
		}
		if errors.Is(err, errConsumerGone) {
			return inst.cancelOut()
		}
		if errors.Is(err, ErrUnsettled) {
			// Nothing is left that could enqueue (no timer, no Go work):
			// the stream would hang until the client gave up.
			err = fmt.Errorf("%w: the response body stream is waiting for a chunk and nothing is left that could produce one", ErrUnsettled)
			inst.cancelReader(inst.vm.NewTypeError(err.Error()))
		}
		if err != nil {
			out.finish(err)
			return err
		}
		chunk := res.ToObject(inst.vm)
		if chunk.Get("done").ToBoolean() {
			out.finish(io.EOF)
			return nil
		}
		raw, err := chunkBytes(chunk.Get("value"))
		if err == nil {
			if total += int64(len(raw)); total > limit {
				err = &LimitError{Limit: LimitResponseBody, Used: total, Max: limit, Refused: int64(len(raw))}
			}
		}
		if err != nil {
			inst.cancelReader(inst.vm.NewTypeError(err.Error()))
			out.finish(err)
			return err
		}
		if len(raw) == 0 {
			continue
		}
		inst.watch.suspend()
		select {
		case out.chunks <- raw:
			inst.watch.resume()
		case <-out.closed:
			inst.watch.resume()
			return inst.cancelOut()
		case <-inst.watch.wake:
			inst.watch.resume()
			err := inst.watch.err()
			out.finish(err)
			return err
		}
	}
}

// chunkBytes copies a chunk the function's stream gave: the Fetch standard
// takes only Uint8Array chunks for a body.
func chunkBytes(v goja.Value) ([]byte, error) {
	if o, ok := v.(*goja.Object); ok {
		if b, ok := o.Export().([]byte); ok { // a Uint8Array
			return append([]byte(nil), b...), nil
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
