package h2

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
)

// Response encoding, under c.mu: HPACK into c.hsink, framed into c.out.

var (
	statusText [600]string // "200".."599"
	lenText    [1024]string
)

func init() {
	for i := 100; i < len(statusText); i++ {
		statusText[i] = strconv.Itoa(i)
	}
	for i := range lenText {
		lenText[i] = strconv.Itoa(i)
	}
}

func lengthString(n int) string {
	if n < len(lenText) {
		return lenText[n]
	}
	return strconv.Itoa(n)
}

// hpackSink collects one header block.
type hpackSink struct{ b []byte }

func (s *hpackSink) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// connSpecific are the fields RFC 9113 §8.2.2 forbids; they are dropped from responses and
// make a request malformed.
func connSpecific(lower string) bool {
	switch lower {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		return true
	}
	return false
}

// writeResponseLocked queues resp's HEADERS and as much DATA as the windows allow.
func (c *conn) writeResponseLocked(st *stream, resp *Response) {
	status := 500
	var body []byte
	var hdr http.Header
	var stream io.ReadCloser
	noBody := false
	if resp != nil {
		status, body, hdr, noBody, stream = resp.Status, resp.Body, resp.Header, resp.NoBody, resp.Stream
		if status == 0 {
			status = 200
		}
		if status < 200 || status > 599 {
			c.log.Debug("h2: invalid response status", "remote", c.remote, "status", status)
			status, body, hdr = 500, nil, nil
			if stream != nil {
				go stream.Close()
				stream = nil
			}
		}
	}
	if st.req.Method == "HEAD" {
		noBody = true
	}
	noLength := status == 204 || status == 304
	if noLength {
		noBody = true
	}

	c.hsink.b = c.hsink.b[:0]
	// :status first: if a table size update is due, the encoder puts it at the block's start.
	c.writeFieldLocked(":status", statusText[status])
	for k, vs := range hdr {
		lk := ""
		for _, v := range vs {
			// A field sent before with this key and value passed the checks below.
			if c.memoHitLocked(k, v, true) {
				continue
			}
			if lk == "" {
				if lk = c.lowerKey(k); lk == "" {
					break
				}
			}
			if lk == "content-length" || lk == "host" || lk == "te" || connSpecific(lk) {
				break
			}
			if !httpguts.ValidHeaderFieldValue(v) {
				continue
			}
			if lk == "x-request-id" {
				c.writeLiteralLocked(lk, v)
				continue
			}
			c.encodeFieldLocked(k, lk, v, true)
		}
	}
	declLen := int64(-1)
	switch {
	case noLength:
	case stream != nil:
		// Only the handler knows a stream's length; if it says, the data must match.
		if v := hdr["Content-Length"]; len(v) == 1 {
			if n, ok := parseLength(v[0]); ok {
				declLen = n
				c.writeFieldLocked("content-length", v[0])
			}
		}
	default:
		c.writeFieldLocked("content-length", lengthString(len(body)))
	}
	if _, ok := hdr["Date"]; !ok {
		c.writeFieldLocked("date", c.srv.date.get())
	}

	if stream != nil {
		c.out = appendHeaders(c.out, st.id, c.hsink.b, noBody, int(c.peerMaxFrame))
		if noBody {
			c.endSendLocked(st)
			go stream.Close()
			return
		}
		c.startStreamLocked(st, stream, declLen)
		return
	}
	end := noBody || len(body) == 0
	c.out = appendHeaders(c.out, st.id, c.hsink.b, end, int(c.peerMaxFrame))
	if end {
		c.endSendLocked(st)
		return
	}
	st.pending = body
	c.enqueueLocked(st)
	c.scheduleLocked()
}

// lowerKey maps a canonical (or any) header key to its lowercase wire name, "" if invalid.
func (c *conn) lowerKey(k string) string {
	if v, ok := commonLower[k]; ok {
		return v
	}
	if v, ok := c.lowerCache[k]; ok {
		return v
	}
	v := strings.ToLower(k)
	if !httpguts.ValidHeaderFieldName(v) {
		v = ""
	}
	if len(c.lowerCache) < 256 {
		c.lowerCache[k] = v
	}
	return v
}

// endSendLocked records that our END_STREAM is queued. If the client is still sending (an
// early answer), RST_STREAM NO_ERROR asks it to stop (RFC 9113 §8.1).
func (c *conn) endSendLocked(st *stream) {
	st.sendClosed = true
	if !st.recvClosed {
		c.out = appendRST(c.out, st.id, http2.ErrCodeNo)
		c.noteResetLocked(st.id)
	}
	c.closeStreamLocked(st)
}

// resetLocked sends RST_STREAM and forgets the stream.
func (c *conn) resetLocked(st *stream, code http2.ErrCode) {
	if st.gone {
		return
	}
	c.out = appendRST(c.out, st.id, code)
	c.noteResetLocked(st.id)
	st.cancelLocked()
	c.closeStreamLocked(st)
}

// noteResetLocked remembers streams we reset, whose late DATA is dropped silently.
func (c *conn) noteResetLocked(id uint32) {
	c.resetIDs[c.resetNext%uint32(len(c.resetIDs))] = id
	c.resetNext++
}

func (c *conn) wasResetLocked(id uint32) bool {
	for _, r := range c.resetIDs {
		if r == id {
			return true
		}
	}
	return false
}

// closeStreamLocked removes a stream from the open set.
func (c *conn) closeStreamLocked(st *stream) {
	if st.gone {
		return
	}
	st.gone = true
	st.pending = nil
	st.onCancel = nil
	c.goneLocked(st)
	delete(c.streams, st.id)
	c.srv.stats.openStreams.Add(-1)
	if len(c.streams) == 0 {
		c.idleSince = time.Now().UnixNano()
		if c.goingAway || c.peerGoingAway {
			c.closeAfterFlush = true
			c.forceWakeLocked()
		}
	}
}

// dateCache formats the Date field once per second.
type dateCache struct {
	sec atomic.Int64
	s   atomic.Pointer[string]
}

func (d *dateCache) get() string {
	now := time.Now()
	if p := d.s.Load(); p != nil && d.sec.Load() == now.Unix() {
		return *p
	}
	s := now.UTC().Format(http.TimeFormat)
	d.s.Store(&s)
	d.sec.Store(now.Unix())
	return s
}

var commonLower = map[string]string{}

func init() {
	for _, k := range []string{
		"accept", "accept-charset", "accept-encoding", "accept-language", "accept-ranges",
		"access-control-allow-credentials", "access-control-allow-headers",
		"access-control-allow-methods", "access-control-allow-origin", "access-control-expose-headers",
		"access-control-max-age", "access-control-request-headers", "access-control-request-method",
		"age", "allow", "authorization", "cache-control", "content-disposition", "content-encoding",
		"content-language", "content-length", "content-location", "content-range", "content-type",
		"cookie", "date", "etag", "expect", "expires", "forwarded", "from", "host", "if-match",
		"if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
		"link", "location", "max-forwards", "origin", "pragma", "priority", "proxy-authenticate",
		"proxy-authorization", "range", "referer", "refresh", "retry-after", "server", "set-cookie",
		"strict-transport-security", "te", "trailer", "user-agent", "vary", "via",
		"www-authenticate", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
		"x-content-type-options", "x-frame-options", "x-request-id", "traceparent", "tracestate",
	} {
		ck := http.CanonicalHeaderKey(k)
		commonLower[ck] = k
		commonCanonical[k] = ck
	}
}

var commonCanonical = map[string]string{}
