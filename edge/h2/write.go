package h2

import (
	"encoding/binary"
	"net"
	"runtime"
	"time"

	"golang.org/x/net/http2"
)

// Output path. Frames are appended to c.out under c.mu by whoever produces them (the reader,
// Respond on any goroutine, timers); one writer goroutine per connection swaps c.out for a spare
// buffer and writes everything pending in one Write, so under load many responses share a
// syscall. Producers never touch the socket.

const (
	// maxOutData bounds response DATA queued in c.out; the rest waits in its stream
	// (st.pending) until the writer drains. Frames other than DATA are always queued.
	maxOutData = 256 << 10
	// maxOut closes a connection whose unwritten output (control frames, headers) exceeds it:
	// the peer is not reading.
	maxOut = 4 << 20
	// keepSpare is the largest output buffer kept for reuse. It is above maxOutData because a
	// busy c.out passes maxOutData by up to a frame plus control frames, and append's growth
	// takes its capacity further: at 256 KiB, a connection sending a large or streamed body
	// dropped and reallocated its buffer at nearly every write (BenchmarkStreamedResponse:
	// 4 MB allocated per 1 MiB sent, 0.57 MB at 384 KiB).
	keepSpare = 384 << 10
)

func appendFrameHeader(b []byte, length int, t http2.FrameType, flags http2.Flags, id uint32) []byte {
	return append(b, byte(length>>16), byte(length>>8), byte(length), byte(t), byte(flags),
		byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
}

func appendData(b []byte, id uint32, data []byte, end bool) []byte {
	var fl http2.Flags
	if end {
		fl = http2.FlagDataEndStream
	}
	b = appendFrameHeader(b, len(data), http2.FrameData, fl, id)
	return append(b, data...)
}

// appendHeaders frames a header block as HEADERS plus CONTINUATIONs of at most max bytes.
func appendHeaders(b []byte, id uint32, block []byte, end bool, max int) []byte {
	first := true
	for first || len(block) > 0 {
		n := min(len(block), max)
		var fl http2.Flags
		t := http2.FrameContinuation
		if first {
			t = http2.FrameHeaders
			if end {
				fl |= http2.FlagHeadersEndStream
			}
		}
		if n == len(block) {
			fl |= http2.FlagHeadersEndHeaders
		}
		b = appendFrameHeader(b, n, t, fl, id)
		b = append(b, block[:n]...)
		block = block[n:]
		first = false
	}
	return b
}

func appendRST(b []byte, id uint32, code http2.ErrCode) []byte {
	b = appendFrameHeader(b, 4, http2.FrameRSTStream, 0, id)
	return binary.BigEndian.AppendUint32(b, uint32(code))
}

func appendGoAway(b []byte, last uint32, code http2.ErrCode) []byte {
	b = appendFrameHeader(b, 8, http2.FrameGoAway, 0, 0)
	b = binary.BigEndian.AppendUint32(b, last&(1<<31-1))
	return binary.BigEndian.AppendUint32(b, uint32(code))
}

func appendWindowUpdate(b []byte, id uint32, inc uint32) []byte {
	b = appendFrameHeader(b, 4, http2.FrameWindowUpdate, 0, id)
	return binary.BigEndian.AppendUint32(b, inc)
}

func appendSettings(b []byte, ss ...http2.Setting) []byte {
	b = appendFrameHeader(b, 6*len(ss), http2.FrameSettings, 0, 0)
	for _, s := range ss {
		b = binary.BigEndian.AppendUint16(b, uint16(s.ID))
		b = binary.BigEndian.AppendUint32(b, s.Val)
	}
	return b
}

func appendSettingsAck(b []byte) []byte {
	return appendFrameHeader(b, 0, http2.FrameSettings, http2.FlagSettingsAck, 0)
}

func appendPingAck(b []byte, data [8]byte) []byte {
	b = appendFrameHeader(b, 8, http2.FramePing, http2.FlagPingAck, 0)
	return append(b, data[:]...)
}

// wakeLocked makes sure the writer will write c.out. While the reader is in the middle of a
// batch of buffered frames it is left to the reader's flush, so that the batch's responses go
// out in one write.
func (c *conn) wakeLocked() {
	if len(c.out) == 0 || c.woken || c.readerBatch {
		return
	}
	if len(c.out) > maxOut {
		c.nc.Close() // the peer does not read; the reader's error ends the conn
		return
	}
	c.woken = true
	c.wake <- struct{}{}
}

// forceWakeLocked wakes the writer even with nothing to write, for it to act on
// closeAfterFlush.
func (c *conn) forceWakeLocked() {
	if !c.woken {
		c.woken = true
		c.wake <- struct{}{}
	}
}

// writeLoop is the connection's writer goroutine.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	var deadline time.Time
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		// Let the goroutines that are runnable now go first: under load they are the
		// executors and readers about to queue more frames, which then share this write.
		// The wake-up put the writer in the waker's runnext, ahead of them. With nothing
		// else runnable this returns at once, so an idle connection's answer is not held.
		runtime.Gosched()
		for {
			c.mu.Lock()
			if len(c.out) == 0 {
				c.woken = false
				closeNow := c.closeAfterFlush && !c.wroteClose
				if closeNow {
					c.wroteClose = true
				}
				c.mu.Unlock()
				if closeNow {
					c.closeWrite()
				}
				break
			}
			buf := c.out
			c.out, c.spare = c.spare[:0], nil
			c.mu.Unlock()

			// A write deadline of StallTimeout, refreshed only when half spent: one timer
			// update per StallTimeout/2 instead of one per write.
			if now := time.Now(); deadline.Sub(now) < c.cfg.StallTimeout/2 {
				deadline = now.Add(c.cfg.StallTimeout)
				c.nc.SetWriteDeadline(deadline)
			}
			n, err := c.rw.Write(buf)
			c.srv.stats.bytesWritten.Add(int64(n))
			c.srv.stats.writes.Add(1)
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					c.srv.stats.writeStalls.Add(1)
				}
				c.log.Debug("h2: write", "remote", c.remote, "err", err)
				c.nc.Close()
				return
			}
			c.mu.Lock()
			if cap(buf) <= keepSpare {
				c.spare = buf[:0]
			}
			c.scheduleLocked()
			c.mu.Unlock()
		}
	}
}

// closeWrite ends our side after a final GOAWAY: the peer sees EOF and closes, which ends the
// reader. A deadline bounds a peer that does not.
func (c *conn) closeWrite() {
	if cw, ok := c.rw.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(time.Second))
}
