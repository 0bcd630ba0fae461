package h2

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"time"
)

// Request is one HTTP/2 request. The engine fills it before Handler.Route; Body or BodyStream
// is set before Handler.Serve. After Respond the handler must not use the Request any more,
// except BodyStream, which it may go on reading (a streamed response fed by the request body).
type Request struct {
	Method    string
	Scheme    string
	Authority string // :authority, or the Host field when :authority is absent
	Path      string // :path, query included

	// Header holds the regular fields under canonical keys. Cookie crumbs are joined with "; ".
	// Host is not included (see Authority).
	Header http.Header

	// Body is the whole request body when it was complete by the time Serve is called (a body
	// sent together with its headers); BodyStream is nil then.
	Body []byte

	// BodyStream delivers a body that was not complete when Serve was called (Body is nil then):
	// Read blocks until data arrives and returns io.EOF after the client's END_STREAM, or
	// ErrBodyTooLarge, ErrBodyTimeout, ErrBodyBudget or ErrBodyReset. The client's flow-control
	// windows are reopened only as it is read. Close discards the rest of the body, and
	// makes a Read blocked for data return ErrBodyClosed. Both may be called from any goroutine.
	BodyStream io.ReadCloser

	RemoteAddr netip.AddrPort
	TLS        bool

	// Value is the handler's: what Route found, for Serve.
	Value any

	// OnReset, if Route sets it, is called with nil when the request's context is canceled
	// (the client reset the stream, the connection ended), as CancelOnReset would arrange,
	// or at once if it already was when Serve is called. The engine arms it under the
	// connection's lock it takes anyway to serve the request, so it costs no lock of its own.
	OnReset context.CancelCauseFunc

	st *stream
}

// Response is what a handler answers. The engine owns Body from Respond until the data is sent:
// the caller must not modify it afterwards.
type Response struct {
	Status int         // 0 means 200; outside 200..599 is answered 500
	Header http.Header // connection-specific fields and content-length are dropped

	Body []byte

	// Stream, when non-nil, is sent instead of Body: HEADERS go out at once (with no
	// content-length unless Header has one, which the data must then match), then each Read's
	// bytes as DATA, within the client's flow-control windows (a client that does not read
	// holds the next Read back), END_STREAM at io.EOF, RST_STREAM INTERNAL_ERROR on another
	// error. Reads run on a goroutine of the engine's. The engine calls Close exactly once:
	// after io.EOF or an error, or as soon as the client resets the stream or the connection
	// ends, so a producer blocked in Read or between Reads learns it (the request's Context is
	// canceled as well). With NoBody (HEAD, 204, 304) nothing is read and Stream is closed.
	Stream io.ReadCloser

	// NoBody sends content-length of Body but no DATA. It is implied for HEAD requests and for
	// statuses 204 and 304 (which get no content-length either).
	NoBody bool
}

// stream is one client-initiated stream. Fields are owned by the connection's reader goroutine
// unless marked as guarded by conn.mu.
type stream struct {
	req Request
	c   *conn
	id  uint32

	maxBody int64
	declLen int64 // content-length, or -1

	// guarded by c.mu
	recvd      int64  // body bytes received (padding excluded)
	body       []byte // received before Serve (counted in the body buffers)
	recvWindow int64  // how much more the peer may send on this stream
	recvCredit int64  // stream window consumed by the handler, not yet returned
	sendWindow int64  // peer's window for this stream
	pending    []byte
	blocked    int64 // unix nanos since the peer's window stopped pending data; 0 if not
	done       chan struct{}
	afters     []*afterFunc
	onCancel   context.CancelCauseFunc // CancelOnReset's
	pipe       *bodyPipe               // BodyStream, once Serve got it
	out        *outStream              // Response.Stream being sent
	discard    bool                    // answered early or body abandoned: further body is dropped
	recvClosed bool                    // the client sent END_STREAM
	sendClosed bool                    // our END_STREAM is queued
	gone       bool                    // closed, reset, or its connection ended; removed from c.streams
	responded  bool                    // Respond (or an engine answer) happened
	served     bool                    // Handler.Serve was called: a Respond is owed
	queued     bool                    // in c.sendq
	canceled   bool
}

type afterFunc struct{ f func() }

// Context returns a context canceled when the client resets the stream or the connection ends.
// It is the stream itself: no allocation, the Done channel is made on first use.
func (r *Request) Context() context.Context {
	if r.st == nil {
		return context.Background()
	}
	return (*streamCtx)(r.st)
}

// Respond sends resp. Call it exactly once, from any goroutine; it never blocks on the network.
// It is a no-op if the stream already ended (client reset, connection closed) or was answered.
func (r *Request) Respond(resp *Response) {
	st := r.st
	if st == nil {
		return
	}
	c := st.c
	c.mu.Lock()
	if st.served {
		// The handler's Respond is what frees its slot, even when the engine answered for
		// it (413, 408 on its body).
		st.served = false
		c.unanswered--
	}
	if st.responded || st.gone || c.closed {
		c.mu.Unlock()
		if resp != nil && resp.Stream != nil {
			go resp.Stream.Close()
		}
		return
	}
	st.responded = true
	c.writeResponseLocked(st, resp)
	c.wakeLocked()
	c.mu.Unlock()
}

// cancelLocked cancels the stream's context.
func (st *stream) cancelLocked() {
	if st.canceled {
		return
	}
	st.canceled = true
	if st.done != nil {
		close(st.done)
	}
	for _, a := range st.afters {
		go a.f()
	}
	st.afters = nil
	if st.onCancel != nil {
		st.onCancel(nil) // a context.CancelCauseFunc only takes the context's own lock
		st.onCancel = nil
	}
}

// armResetLocked arms the request's OnReset before Serve; c.mu is held. It returns the
// function to call once the lock is let go when the stream was already canceled.
func (st *stream) armResetLocked() (now context.CancelCauseFunc) {
	return st.armCancelLocked(st.req.OnReset)
}

// armCancelLocked has cancel called when the stream is canceled (cancelLocked), or returns
// it, to be called once c.mu is let go, when the stream already was; c.mu is held.
func (st *stream) armCancelLocked(cancel context.CancelCauseFunc) (now context.CancelCauseFunc) {
	switch {
	case cancel == nil:
	case st.canceled:
		return cancel
	case !st.gone:
		st.onCancel = cancel
	}
	return nil
}

// CancelOnReset has cancel(nil) called when the request's context is canceled (the client
// reset the stream, the connection ended), or at once if it already was. A handler's own
// context.WithCancelCause(context.Background()) so follows the stream for the cost of one
// lock, where deriving it from Context costs a Done channel, an AfterFunc entry and its stop
// function, and three acquisitions of the connection's lock, shared with its reader and
// writer. It replaces an earlier cancel; the stream drops it when it closes.
func (r *Request) CancelOnReset(cancel context.CancelCauseFunc) {
	st := r.st
	if st == nil {
		return
	}
	st.c.mu.Lock()
	now := st.armCancelLocked(cancel)
	st.c.mu.Unlock()
	if now != nil {
		now(nil)
	}
}

// streamCtx is the context.Context view of a stream.
type streamCtx stream

func (x *streamCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (x *streamCtx) Value(any) any               { return nil }

func (x *streamCtx) Done() <-chan struct{} {
	st := (*stream)(x)
	st.c.mu.Lock()
	if st.done == nil {
		st.done = make(chan struct{})
		if st.canceled {
			close(st.done)
		}
	}
	d := st.done
	st.c.mu.Unlock()
	return d
}

func (x *streamCtx) Err() error {
	st := (*stream)(x)
	st.c.mu.Lock()
	defer st.c.mu.Unlock()
	if st.canceled {
		return context.Canceled
	}
	return nil
}

// AfterFunc lets context.AfterFunc and derived contexts (WithCancel, WithTimeout) hook
// cancellation without a goroutine per request.
func (x *streamCtx) AfterFunc(f func()) (stop func() bool) {
	st := (*stream)(x)
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.canceled {
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	st.afters = append(st.afters, a)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, b := range st.afters {
			if b == a {
				st.afters = append(st.afters[:i], st.afters[i+1:]...)
				return true
			}
		}
		return false
	}
}

func (x *streamCtx) String() string { return "h2.Request.Context" }
