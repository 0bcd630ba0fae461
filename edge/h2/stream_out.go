package h2

import (
	"io"
	"sync/atomic"

	"golang.org/x/net/http2"
)

// Streamed responses. A pump goroutine per Response.Stream reads a chunk, hands it to the
// stream as st.pending (scheduleLocked frames it within the peer's windows, as for a buffered
// body), and reads the next chunk only once that one has left for the output buffer: the
// producer runs at the pace the client reads, and at most one chunk per stream is held.

// The pump's read buffer starts at minOutChunk and doubles, up to maxOutChunk, each time a
// Read fills it: a stream of small events (SSE) idles in Read holding 4 KiB, a bulk stream
// moves 32 KiB per wake-up. A Read's bytes go out without waiting to fill the buffer, and
// scheduleLocked splits them to the peer's frame size.
const (
	minOutChunk = 4 << 10
	maxOutChunk = 32 << 10
)

// outStream is a Response.Stream being sent.
type outStream struct {
	r       io.ReadCloser
	closed  atomic.Bool
	wake    chan struct{} // cap 1: the chunk left st.pending, or the stream is gone
	declLen int64         // the handler's content-length, or -1
	sent    int64
	ended   bool // guarded by c.mu: the pump saw io.EOF or an error, or the stream is gone
}

// close closes the producer's stream, once.
func (o *outStream) close() {
	if o.closed.CompareAndSwap(false, true) {
		o.r.Close()
	}
}

func (o *outStream) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// stopLocked runs when the stream is gone: the pump stops, and a producer blocked in Read is
// closed now rather than at its next Read.
func (o *outStream) stopLocked() {
	o.signal()
	if !o.ended {
		go o.close()
	}
}

// Buffered is implemented by a Response.Stream that may already hold its whole body when the
// handler responds (a short stream its producer finished at once). If Buffered reports the
// whole body, the engine owns it, sends it as it sends Body, the last DATA frame ending the
// stream, but still without a content-length, and closes the stream at once: no pump goroutine,
// no Read. Otherwise it must leave the stream as it was.
type Buffered interface {
	Buffered() (body []byte, whole bool)
}

// startStreamLocked begins sending resp.Stream on st, whose HEADERS are queued.
func (c *conn) startStreamLocked(st *stream, r io.ReadCloser, declLen int64) {
	if b, ok := r.(Buffered); ok {
		if body, whole := b.Buffered(); whole {
			go r.Close()
			c.sendWholeLocked(st, body, declLen)
			return
		}
	}
	o := &outStream{r: r, wake: make(chan struct{}, 1), declLen: declLen}
	st.out = o
	go c.pump(st, o)
}

// sendWholeLocked sends the whole body of a Buffered stream, as pump would have sent it.
func (c *conn) sendWholeLocked(st *stream, body []byte, declLen int64) {
	switch {
	case declLen >= 0 && int64(len(body)) != declLen:
		c.log.Debug("h2: response stream failed", "remote", c.remote, "stream", st.id, "sent", len(body), "declared", declLen)
		c.resetLocked(st, http2.ErrCodeInternal)
	case len(body) == 0:
		c.out = appendData(c.out, st.id, nil, true)
		c.endSendLocked(st)
	default:
		st.pending = body // st.out is nil: its last frame ends the stream
		c.enqueueLocked(st)
		c.scheduleLocked()
	}
}

// pump is the goroutine that reads a response stream.
func (c *conn) pump(st *stream, o *outStream) {
	defer o.close()
	buf := make([]byte, minOutChunk)
	empty := 0
	for {
		n, err := o.r.Read(buf)
		if n == 0 && err == nil {
			// Allowed once in a while, but a producer that keeps doing it would spin this
			// goroutine (bufio gives up the same way).
			if empty++; empty == 100 {
				err = io.ErrNoProgress
			}
		} else {
			empty = 0
		}
		c.mu.Lock()
		if st.gone {
			o.ended = true
			c.mu.Unlock()
			return
		}
		o.sent += int64(n)
		eof := err == io.EOF
		if (err != nil && !eof) || (o.declLen >= 0 && (o.sent > o.declLen || eof && o.sent != o.declLen)) {
			// A failed producer, or one that breaks its own content-length: the client must
			// not take what it got for the whole response.
			o.ended = true
			c.log.Debug("h2: response stream failed", "remote", c.remote, "stream", st.id, "err", err, "sent", o.sent)
			c.resetLocked(st, http2.ErrCodeInternal)
			c.wakeLocked()
			c.mu.Unlock()
			return
		}
		if eof {
			o.ended = true // the chunk now pending is the last
		}
		if n > 0 {
			st.pending = buf[:n]
			c.enqueueLocked(st)
			c.scheduleLocked()
		} else if eof {
			c.out = appendData(c.out, st.id, nil, true)
			c.endSendLocked(st)
		}
		c.wakeLocked()
		if eof {
			c.mu.Unlock()
			return
		}
		for len(st.pending) > 0 && !st.gone {
			c.mu.Unlock()
			<-o.wake
			c.mu.Lock()
		}
		gone := st.gone
		c.mu.Unlock()
		if gone {
			return
		}
		// The chunk is in conn.out (copied): buf is free again.
		if n == len(buf) && len(buf) < maxOutChunk {
			buf = make([]byte, 2*len(buf))
		}
	}
}
