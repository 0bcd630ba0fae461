package h2

import (
	"fmt"
	"io"
	"time"

	"golang.org/x/net/http2"
)

// The reader: one goroutine per connection reads frames with http2.Framer (which checks frame
// sizes, padding and CONTINUATION sequencing) and applies them. Handler.Route and Serve run
// here, inline.

type errKind int

const (
	kindProtocol errKind = iota
	kindCompression
	kindFlowControl
	kindFrameSize
	kindRapidReset
	kindContinuationFlood
	kindControlFlood
)

// connErr is a connection error: GOAWAY with code, then close.
type connErr struct {
	code http2.ErrCode
	kind errKind
	msg  string
}

func (e connErr) Error() string { return fmt.Sprintf("h2: connection error %v: %s", e.code, e.msg) }

func (c *conn) processFrame(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.HeadersFrame:
		return c.onHeaders(f)
	case *http2.ContinuationFrame:
		return c.onFragment(f.HeaderBlockFragment(), f.HeadersEnded())
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.RSTStreamFrame:
		return c.onRSTStream(f)
	case *http2.PingFrame:
		if err := c.control(); err != nil {
			return err
		}
		if !f.IsAck() {
			c.mu.Lock()
			c.out = appendPingAck(c.out, f.Data)
			c.readerBatch = true
			c.mu.Unlock()
		}
	case *http2.PriorityFrame:
		if err := c.control(); err != nil {
			return err
		}
		if f.StreamDep == f.StreamID {
			c.resetID(f.StreamID, http2.ErrCodeProtocol)
		}
	case *http2.GoAwayFrame:
		c.mu.Lock()
		c.peerGoingAway = true
		if len(c.streams) == 0 {
			c.closeAfterFlush = true
			c.forceWakeLocked()
		}
		c.mu.Unlock()
	case *http2.PushPromiseFrame:
		return connErr{http2.ErrCodeProtocol, kindProtocol, "PUSH_PROMISE from client"}
	}
	return nil // unknown frame types are ignored (§5.5)
}

// control counts a control frame against MaxControlPerSecond.
func (c *conn) control() error {
	if !c.ctlRate.add(time.Now().UnixNano(), c.cfg.MaxControlPerSecond) {
		c.srv.stats.controlFlood.Add(1)
		return connErr{http2.ErrCodeEnhanceYourCalm, kindControlFlood, "control frame flood"}
	}
	return nil
}

// resetID sends RST_STREAM for a stream that may have no state.
func (c *conn) resetID(id uint32, code http2.ErrCode) {
	c.mu.Lock()
	if st := c.streams[id]; st != nil {
		c.resetLocked(st, code)
	} else {
		c.out = appendRST(c.out, id, code)
	}
	c.readerBatch = true
	c.mu.Unlock()
}

func (c *conn) onSettings(f *http2.SettingsFrame) error {
	if err := c.control(); err != nil {
		return err
	}
	if f.IsAck() {
		return nil
	}
	if err := f.ForeachSetting(http2.Setting.Valid); err != nil {
		if ce, ok := err.(http2.ConnectionError); ok {
			return connErr{http2.ErrCode(ce), kindProtocol, "invalid SETTINGS"}
		}
		return connErr{http2.ErrCodeProtocol, kindProtocol, err.Error()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err := f.ForeachSetting(func(s http2.Setting) error {
		switch s.ID {
		case http2.SettingHeaderTableSize:
			c.setPeerTableSizeLocked(s.Val)
		case http2.SettingInitialWindowSize:
			delta := int64(s.Val) - c.peerInitWindow
			c.peerInitWindow = int64(s.Val)
			for _, st := range c.streams {
				st.sendWindow += delta
				if st.sendWindow > maxWindow {
					return connErr{http2.ErrCodeFlowControl, kindFlowControl, "stream window overflow"}
				}
			}
		case http2.SettingMaxFrameSize:
			c.peerMaxFrame = s.Val
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.out = appendSettingsAck(c.out)
	c.readerBatch = true
	c.scheduleLocked()
	return nil
}

func (c *conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	id, inc := f.StreamID, int64(f.Increment)
	if id > c.maxStreamID {
		return connErr{http2.ErrCodeProtocol, kindProtocol, "WINDOW_UPDATE on idle stream"}
	}
	c.mu.Lock()
	useful := false
	if id == 0 {
		if c.sendWindow+inc > maxWindow {
			c.mu.Unlock()
			return connErr{http2.ErrCodeFlowControl, kindFlowControl, "connection window overflow"}
		}
		useful = len(c.sendq) > 0 && c.sendWindow <= 0
		c.sendWindow += inc
	} else if st := c.streams[id]; st != nil {
		if st.sendWindow+inc > maxWindow {
			c.resetLocked(st, http2.ErrCodeFlowControl)
		} else {
			useful = len(st.pending) > 0 && st.sendWindow <= 0
			st.sendWindow += inc
		}
	}
	c.scheduleLocked()
	c.readerBatch = true
	c.mu.Unlock()
	if !useful {
		return c.control()
	}
	return nil
}

func (c *conn) onRSTStream(f *http2.RSTStreamFrame) error {
	id := f.StreamID
	if id > c.maxStreamID {
		return connErr{http2.ErrCodeProtocol, kindProtocol, "RST_STREAM on idle stream"}
	}
	c.mu.Lock()
	st := c.streams[id]
	if st == nil {
		c.mu.Unlock()
		return nil
	}
	open := !st.sendClosed
	st.cancelLocked()
	c.closeStreamLocked(st)
	c.mu.Unlock()
	if !open {
		return nil
	}
	if !c.rstRate.add(time.Now().UnixNano(), c.cfg.MaxResetsPerSecond) {
		c.srv.stats.rapidReset.Add(1)
		return connErr{http2.ErrCodeEnhanceYourCalm, kindRapidReset, "too many stream resets"}
	}
	return nil
}

func (c *conn) onData(f *http2.DataFrame) error {
	id := f.StreamID
	n := int64(f.Length)
	data := f.Data()
	if id > c.maxStreamID {
		return connErr{http2.ErrCodeProtocol, kindProtocol, "DATA on idle stream"}
	}
	if len(data) == 0 && !f.StreamEnded() {
		if err := c.control(); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > c.recvWindow {
		return connErr{http2.ErrCodeFlowControl, kindFlowControl, "connection window exceeded"}
	}
	c.recvWindow -= n
	c.readerBatch = true
	st := c.streams[id]
	if st == nil || st.recvClosed {
		if st != nil {
			c.resetLocked(st, http2.ErrCodeStreamClosed)
		} else if !c.wasResetLocked(id) {
			c.out = appendRST(c.out, id, http2.ErrCodeStreamClosed)
		}
		c.creditConnLocked()
		return nil
	}
	if n > st.recvWindow {
		c.resetLocked(st, http2.ErrCodeFlowControl)
		c.creditConnLocked()
		return nil
	}
	st.recvWindow -= n
	if f.StreamEnded() {
		st.recvClosed = true
	}
	c.receiveLocked(st, data, n)
	if f.StreamEnded() {
		c.endOfBodyLocked(st)
	}
	return nil
}

// receiveLocked takes a DATA frame's data (n bytes with padding) for st: buffered for the
// handler within the limits, or dropped with its windows returned at once.
func (c *conn) receiveLocked(st *stream, data []byte, n int64) {
	if st.discard {
		c.creditStreamLocked(st, n)
		c.creditConnLocked()
		return
	}
	// Padding is nobody's to read: its windows come back now.
	c.creditStreamLocked(st, n-int64(len(data)))
	st.recvd += int64(len(data))
	switch {
	case st.declLen >= 0 && st.recvd > st.declLen:
		c.srv.stats.badHeaders.Add(1)
		st.discard = true
		c.resetLocked(st, http2.ErrCodeProtocol)
	case st.recvd > st.maxBody:
		c.srv.stats.bodyTooLarge.Add(1)
		c.failBodyLocked(st, ErrBodyTooLarge, 413, http2.ErrCodeCancel)
	case len(data) == 0:
	case !c.srv.reserveBody(int64(len(data))):
		c.srv.stats.bodyBudget.Add(1)
		c.failBodyLocked(st, ErrBodyBudget, 503, http2.ErrCodeEnhanceYourCalm)
	default:
		c.bodyBuffered += int64(len(data))
		c.bodyPeak = max(c.bodyPeak, c.bodyBuffered)
		if p := st.pipe; p != nil {
			p.appendLocked(data)
		} else {
			st.body = append(st.body, data...)
		}
	}
	c.creditConnLocked()
}

// endOfBody is endOfBodyLocked for an END_STREAM that came on HEADERS (or trailers).
func (c *conn) endOfBody(st *stream) {
	c.mu.Lock()
	st.recvClosed = true
	c.endOfBodyLocked(st)
	c.mu.Unlock()
}

// endOfBodyLocked handles END_STREAM (st.recvClosed is set): the body is complete. A request
// not served yet is served now, with its whole Body; a BodyStream gets its EOF.
func (c *conn) endOfBodyLocked(st *stream) {
	if !st.discard && st.declLen >= 0 && st.recvd != st.declLen {
		c.srv.stats.badHeaders.Add(1)
		st.discard = true
		c.resetLocked(st, http2.ErrCodeProtocol)
		return
	}
	if p := st.pipe; p != nil {
		p.eof = true
		if p.err == nil {
			p.err = io.EOF
		}
		p.signal()
	}
	if st.sendClosed {
		c.closeStreamLocked(st)
	}
	if st.served || st.responded || st.gone || st.discard {
		return
	}
	st.served = true
	c.unanswered++
	st.req.Body = st.body
	st.body = nil
	// The handler owns the body now: it leaves the buffers.
	if k := int64(len(st.req.Body)); k > 0 {
		c.bufferedLocked(-k)
		c.creditConnLocked()
	}
	canceled := st.armResetLocked()
	c.mu.Unlock()
	if canceled != nil {
		canceled(nil)
	}
	c.srv.h.Serve(&st.req)
	c.mu.Lock()
}

// answer is an engine response (early, 413, 431...): the handler never sees this stream
// again, and its remaining body is discarded.
func (c *conn) answer(st *stream, resp *Response) {
	c.mu.Lock()
	st.discard = true
	c.releaseLocked(st, true)
	if !st.responded && !st.gone {
		st.responded = true
		c.writeResponseLocked(st, resp)
		c.readerBatch = true
	}
	c.mu.Unlock()
}
