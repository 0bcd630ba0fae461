package h2

import (
	"context"
	"errors"
	"time"

	"golang.org/x/net/http2"
)

// Request bodies. A body is buffered only while it waits for its handler: before Serve (the
// DATA frames that came in the same read as the headers) and in the stream's bodyPipe until the
// handler reads it. Every buffered byte is counted against the connection's and the Server's
// budgets (MaxConnBodyBuffer, MaxBodyBuffer), and the client's flow-control windows are
// returned for bytes the handler has consumed, not for bytes that arrived: the stream window
// only on reads, the connection window as far as buffered + granted stays within the
// connection's budget. So memory held for bodies is bounded by the budgets whatever clients
// send and whether or not handlers read.

// Errors of BodyStream.Read. When ErrBodyTooLarge, ErrBodyTimeout or ErrBodyBudget ends a
// body before a response was sent, the engine answers for the handler (whose Respond is then
// a no-op) and cancels the request's Context.
var (
	// ErrBodyTooLarge: the body went beyond the maxBody Route returned. The engine answers 413
	// if no response was sent yet, and resets the stream otherwise.
	ErrBodyTooLarge = errors.New("h2: request body too large")
	// ErrBodyTimeout: no DATA came for BodyReadTimeout while the handler waited for it. The
	// engine answers 408 if no response was sent yet, and resets the stream otherwise.
	ErrBodyTimeout = errors.New("h2: request body read timeout")
	// ErrBodyBudget: the Server's request-body buffers (MaxBodyBuffer) are full. The engine
	// answers 503 if no response was sent yet, and resets the stream otherwise.
	ErrBodyBudget = errors.New("h2: request body buffers full")
	// ErrBodyReset: the client reset the stream, the connection ended, or the stream was
	// closed before the body was complete.
	ErrBodyReset = errors.New("h2: request stream reset")
	// ErrBodyClosed: Read after Close.
	ErrBodyClosed = errors.New("h2: request body closed")
)

// bodyPipe is Request.BodyStream. Its fields are guarded by the connection's mu: the reader
// appends, the handler reads, and both move the same flow-control counters.
type bodyPipe struct {
	st      *stream
	data    []byte // data[off:] is unread
	off     int
	err     error         // io.EOF once END_STREAM came (returned after the data), or why the body failed
	eof     bool          // END_STREAM received
	last    int64         // unix nanos of the last DATA frame (or of Serve)
	wake    chan struct{} // cap 1: data, end or failure since Read started waiting
	counted bool          // data[off:] is counted in the body buffers
	closed  bool
}

func (p *bodyPipe) Read(b []byte) (int, error) {
	st := p.st
	c := st.c
	c.mu.Lock()
	for {
		if p.closed {
			c.mu.Unlock()
			return 0, ErrBodyClosed
		}
		if p.off < len(p.data) {
			n := copy(b, p.data[p.off:])
			p.off += n
			if p.off == len(p.data) {
				p.data, p.off = p.data[:0], 0
			}
			if p.counted {
				c.consumedLocked(st, int64(n))
			}
			c.wakeLocked()
			c.mu.Unlock()
			return n, nil
		}
		if p.err != nil || len(b) == 0 {
			err := p.err
			c.mu.Unlock()
			return 0, err
		}
		now := time.Now().UnixNano()
		if c.recvWindow <= 0 {
			// The client cannot send: we hold its connection window (the connection's
			// budget is full of bodies other handlers have not read). Not its delay.
			p.last = now
		} else if c.windowOpened > p.last {
			// Held until the window reopened: its time counts from then, not
			// from this pipe's last look while it was held.
			p.last = c.windowOpened
		}
		wait := time.Duration(p.last + int64(c.cfg.BodyReadTimeout) - now)
		if wait <= 0 {
			c.srv.stats.bodyTimeouts.Add(1)
			c.failBodyLocked(st, ErrBodyTimeout, 408, http2.ErrCodeCancel)
			c.wakeLocked()
			continue
		}
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-p.wake:
		case <-t.C:
		}
		t.Stop()
		c.mu.Lock()
	}
}

// Close abandons the rest of the body: what is buffered is released, and further DATA is
// dropped with its windows returned at once, so the client can finish sending while the
// handler answers.
func (p *bodyPipe) Close() error {
	c := p.st.c
	c.mu.Lock()
	if !p.closed {
		p.closed = true
		p.st.discard = true
		unread := int64(len(p.data) - p.off)
		c.releaseLocked(p.st, true)
		c.creditStreamLocked(p.st, unread) // dropped is as good as read
		p.signal()                         // a Read blocked for data returns ErrBodyClosed
		c.wakeLocked()
	}
	c.mu.Unlock()
	return nil
}

func (p *bodyPipe) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// appendLocked buffers data that arrived for the handler.
func (p *bodyPipe) appendLocked(data []byte) {
	if p.off > 0 && p.off >= len(p.data)/2 {
		n := copy(p.data, p.data[p.off:])
		p.data, p.off = p.data[:n], 0
	}
	p.data = append(p.data, data...)
	p.last = time.Now().UnixNano()
	p.signal()
}

// bufferedLocked counts n more (or, negative, fewer) body bytes buffered on c.
func (c *conn) bufferedLocked(n int64) {
	c.bodyBuffered += n
	c.srv.stats.bodyBuffered.Add(n)
}

// reserveBody counts n bytes against the Server's MaxBodyBuffer, if they fit.
func (s *Server) reserveBody(n int64) bool {
	for {
		cur := s.stats.bodyBuffered.Load()
		if cur+n > s.cfg.MaxBodyBuffer {
			return false
		}
		if s.stats.bodyBuffered.CompareAndSwap(cur, cur+n) {
			for {
				peak := s.stats.bodyBufferedPeak.Load()
				if cur+n <= peak || s.stats.bodyBufferedPeak.CompareAndSwap(peak, cur+n) {
					return true
				}
			}
		}
	}
}

// consumedLocked accounts n buffered body bytes of st that its handler took: they leave the
// buffers, and the windows they held may be returned.
func (c *conn) consumedLocked(st *stream, n int64) {
	c.bufferedLocked(-n)
	c.creditStreamLocked(st, n)
	c.creditConnLocked()
}

// creditStreamLocked returns n bytes of st's window once a quarter window is owed. A stream
// the client has finished, or that is gone, needs none.
func (c *conn) creditStreamLocked(st *stream, n int64) {
	if st == nil || st.recvClosed || st.gone {
		return
	}
	st.recvCredit += n
	if st.recvCredit >= int64(c.cfg.InitialWindowSize)/4 {
		c.out = appendWindowUpdate(c.out, st.id, uint32(st.recvCredit))
		st.recvWindow += st.recvCredit
		st.recvCredit = 0
	}
}

// creditConnLocked returns connection window the client has used, as far as the connection's
// budget allows: buffered bytes plus the window the client still holds never exceed
// MaxConnBodyBuffer. Returned a quarter window at a time.
func (c *conn) creditConnLocked() {
	owed := int64(c.cfg.ConnWindowSize) - c.recvWindow
	room := c.cfg.MaxConnBodyBuffer - c.bodyBuffered - c.recvWindow
	if n := min(owed, room); n >= int64(c.cfg.ConnWindowSize)/4 {
		c.out = appendWindowUpdate(c.out, 0, uint32(n))
		if c.recvWindow <= 0 {
			c.windowOpened = time.Now().UnixNano()
		}
		c.recvWindow += n
	}
}

// releaseLocked takes st's buffered body (before Serve, or unread in its pipe) out of the
// buffers and returns the windows it held; drop discards what the pipe holds, otherwise it
// stays readable.
func (c *conn) releaseLocked(st *stream, drop bool) {
	n := int64(len(st.body))
	st.body = nil
	if p := st.pipe; p != nil {
		if p.counted {
			n += int64(len(p.data) - p.off)
			p.counted = false
		}
		if drop {
			p.data, p.off = nil, 0
		}
	}
	if n > 0 {
		c.bufferedLocked(-n)
	}
	c.creditConnLocked()
}

// failBodyLocked ends st's body with err: the handler's Read returns it, what was buffered is
// released, and the client is answered status if no response was sent yet (the handler's own
// Respond is then a no-op, and its Context is canceled), or reset with code.
func (c *conn) failBodyLocked(st *stream, err error, status int, code http2.ErrCode) {
	st.discard = true
	if p := st.pipe; p != nil && p.err == nil {
		p.err = err
		p.signal()
	}
	c.releaseLocked(st, true)
	switch {
	case st.gone:
	case !st.responded:
		st.responded = true
		st.cancelLocked() // the handler's work can no longer reach the client
		c.writeResponseLocked(st, &Response{Status: status})
	default:
		c.resetLocked(st, code)
	}
}

// goneLocked settles a stream's body and response stream when it leaves the connection: a
// body not complete fails with ErrBodyReset (what was complete stays readable but no longer
// counts), and a response stream still being read is closed.
func (c *conn) goneLocked(st *stream) {
	drop := true
	if p := st.pipe; p != nil {
		drop = !p.eof
		if drop && p.err == nil {
			p.err = ErrBodyReset
		}
		p.signal()
	}
	c.releaseLocked(st, drop)
	if o := st.out; o != nil {
		o.stopLocked()
	}
}

// serveWaiting calls Serve for the streams whose headers completed in the batch of frames
// just processed and whose bodies did not: each gets the body received so far in its
// BodyStream. The reader calls it when it is about to block for more input.
func (c *conn) serveWaiting() {
	for i, st := range c.toServe {
		c.toServe[i] = nil
		c.mu.Lock()
		serve := !st.served && !st.responded && !st.gone && !st.discard
		if serve {
			st.served = true
			c.unanswered++
			p := &bodyPipe{st: st, data: st.body, counted: true, last: time.Now().UnixNano(),
				wake: make(chan struct{}, 1)}
			st.body = nil
			st.pipe = p
			st.req.Body = nil
			st.req.BodyStream = p
		}
		var canceled context.CancelCauseFunc
		if serve {
			canceled = st.armResetLocked()
		}
		c.mu.Unlock()
		if canceled != nil {
			canceled(nil)
		}
		if serve {
			c.srv.h.Serve(&st.req)
		}
	}
	c.toServe = c.toServe[:0]
}
