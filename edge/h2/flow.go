package h2

import (
	"time"

	"golang.org/x/net/http2"
)

// Flow control. Receive side (c.mu): the windows we advertised shrink with each DATA frame;
// they are returned for bytes the handler consumed or the engine discarded (body.go), never
// just for bytes that arrived. Send side (c.mu): response bodies wait in st.pending and
// c.sendq; scheduleLocked moves as much as the peer's windows and maxOutData allow into c.out.

func (c *conn) enqueueLocked(st *stream) {
	if !st.queued {
		st.queued = true
		c.sendq = append(c.sendq, st)
	}
}

// scheduleLocked moves pending response data into c.out within the peer's windows.
func (c *conn) scheduleLocked() {
	if len(c.sendq) == 0 || c.closed {
		return
	}
	keep := c.sendq[:0]
	var now int64
	for _, st := range c.sendq {
		if st.gone {
			st.queued = false
			continue
		}
		for len(st.pending) > 0 && st.sendWindow > 0 && c.sendWindow > 0 && len(c.out) < maxOutData {
			n := min(int64(len(st.pending)), st.sendWindow, c.sendWindow, int64(c.peerMaxFrame))
			last := n == int64(len(st.pending))
			end := last && (st.out == nil || st.out.ended)
			c.out = appendData(c.out, st.id, st.pending[:n], end)
			st.pending = st.pending[n:]
			st.sendWindow -= n
			c.sendWindow -= n
			st.blocked = 0
			if last {
				st.pending = nil
			}
			if end {
				c.endSendLocked(st)
			} else if last {
				st.out.signal() // the pump may read the next chunk
			}
		}
		if len(st.pending) == 0 || st.gone {
			st.queued = false
			continue
		}
		if (st.sendWindow <= 0 || c.sendWindow <= 0) && st.blocked == 0 {
			if now == 0 {
				now = time.Now().UnixNano()
			}
			st.blocked = now
			c.armStallLocked(c.cfg.StallTimeout)
		}
		keep = append(keep, st)
	}
	clear(c.sendq[len(keep):])
	c.sendq = keep
}

func (c *conn) armStallLocked(d time.Duration) {
	if c.stallArmed {
		return
	}
	c.stallArmed = true
	if c.stallTimer == nil {
		c.stallTimer = time.AfterFunc(d, c.checkStalls)
	} else {
		c.stallTimer.Reset(d)
	}
}

// checkStalls resets the streams whose data the peer's windows have held back for
// StallTimeout.
func (c *conn) checkStalls() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stallArmed = false
	if c.closed {
		return
	}
	now := time.Now().UnixNano()
	limit := int64(c.cfg.StallTimeout)
	var next int64 = -1
	for _, st := range c.sendq {
		if st.gone || st.blocked == 0 {
			continue
		}
		if waited := now - st.blocked; waited >= limit {
			c.srv.stats.stalls.Add(1)
			c.log.Debug("h2: stalled response reset", "remote", c.remote, "stream", st.id)
			c.resetLocked(st, http2.ErrCodeCancel)
		} else if rest := limit - waited; next < 0 || rest < next {
			next = rest
		}
	}
	if next >= 0 {
		c.armStallLocked(time.Duration(next))
	}
	c.wakeLocked()
}
