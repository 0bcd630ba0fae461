package h2

import (
	"context"
	"net/http"
	"net/netip"
	"time"
)

// Request is one HTTP/2 request. The engine fills it before Handler.Route; Body is set before
// Handler.Serve. After Respond the handler must not use the Request any more.
type Request struct {
	Method    string
	Scheme    string
	Authority string // :authority, or the Host field when :authority is absent
	Path      string // :path, query included

	// Header holds the regular fields under canonical keys. Cookie crumbs are joined with "; ".
	// Host is not included (see Authority).
	Header http.Header

	// Body is the whole request body, set once the body is complete (before Serve).
	Body []byte

	RemoteAddr netip.AddrPort
	TLS        bool

	// Value is the handler's: what Route found, for Serve.
	Value any

	st *stream
}

// Response is what a handler answers. The engine owns Body from Respond until the data is sent:
// the caller must not modify it afterwards.
type Response struct {
	Status int         // 0 means 200; outside 200..599 is answered 500
	Header http.Header // connection-specific fields and content-length are dropped

	Body []byte

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

	maxBody     int64
	declLen     int64 // content-length, or -1
	recvd       int64 // body bytes received (padding excluded)
	recvWindow  int64 // how much more the peer may send on this stream
	recvUnacked int64 // consumed but not yet returned with WINDOW_UPDATE
	body        []byte
	discard     bool // answered early: further body is dropped

	// guarded by c.mu
	recvClosed bool  // the client sent END_STREAM
	sendClosed bool  // our END_STREAM is queued
	gone       bool  // closed, reset, or its connection ended; removed from c.streams
	responded  bool  // Respond (or an engine answer) happened
	served     bool  // Handler.Serve was called: a Respond is owed
	queued     bool  // in c.sendq
	sendWindow int64 // peer's window for this stream
	pending    []byte
	blocked    int64 // unix nanos since the peer's window stopped pending data; 0 if not
	canceled   bool
	done       chan struct{}
	afters     []*afterFunc
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
	if st.responded {
		c.mu.Unlock()
		return
	}
	st.responded = true
	if st.served {
		c.unanswered--
	}
	if !st.gone && !c.closed {
		c.writeResponseLocked(st, resp)
		c.wakeLocked()
	}
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
