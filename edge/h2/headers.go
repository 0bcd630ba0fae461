package h2

import (
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Header blocks: HEADERS and CONTINUATION fragments are fed to one HPACK decoder per connection
// as they arrive (the decoder must see every block, even refused ones, to keep its table in
// sync); fields are kept in a reused slice until the block ends, then validated into a Request.

const (
	// maxBlockFrames bounds HEADERS+CONTINUATION frames per block: a legitimate block within
	// the header limits needs a few; more is a CONTINUATION flood.
	maxBlockFrames = 64
)

type headerBlock struct {
	streamID  uint32
	endStream bool
	prioSelf  bool // priority that depends on its own stream
	frames    int
	bytes     int
	size      uint32 // RFC 9113 header list size so far
	count     int
	tooBig    bool
	deadline  bool // a read deadline was set for this block
	fields    []hpack.HeaderField
}

func (c *conn) emitField(f hpack.HeaderField) {
	hb := &c.hb
	hb.count++
	hb.size += f.Size()
	if hb.count > c.cfg.MaxHeaderCount || hb.size > c.cfg.MaxHeaderListSize {
		hb.tooBig = true
		c.hdec.SetEmitEnabled(false)
		return
	}
	hb.fields = append(hb.fields, f)
}

func (c *conn) onHeaders(f *http2.HeadersFrame) error {
	id := f.StreamID
	if id%2 == 0 {
		return connErr{http2.ErrCodeProtocol, kindProtocol, "HEADERS on even stream id"}
	}
	clear(c.hb.fields)
	c.hb = headerBlock{streamID: id, endStream: f.StreamEnded(), fields: c.hb.fields[:0]}
	if f.HasPriority() && f.Priority.StreamDep == id {
		c.hb.prioSelf = true
	}
	c.hdec.SetEmitEnabled(true)
	return c.onFragment(f.HeaderBlockFragment(), f.HeadersEnded())
}

func (c *conn) onFragment(frag []byte, ended bool) error {
	hb := &c.hb
	hb.frames++
	hb.bytes += len(frag)
	if hb.frames > maxBlockFrames || hb.bytes > c.maxBlockBytes {
		c.srv.stats.continuationFlood.Add(1)
		return connErr{http2.ErrCodeEnhanceYourCalm, kindContinuationFlood, "header block too long"}
	}
	if hb.frames == 1 && !ended {
		hb.deadline = true
		c.nc.SetReadDeadline(time.Now().Add(c.cfg.ReadHeaderTimeout))
	}
	if _, err := c.hdec.Write(frag); err != nil {
		return connErr{http2.ErrCodeCompression, kindCompression, err.Error()}
	}
	if !ended {
		return nil
	}
	if err := c.hdec.Close(); err != nil {
		return connErr{http2.ErrCodeCompression, kindCompression, err.Error()}
	}
	if hb.deadline {
		c.nc.SetReadDeadline(time.Time{})
	}
	return c.endHeaderBlock()
}

// reqHead is the result of validating a request header block.
type reqHead struct {
	method, scheme, authority, path, host string
	declLen                               int64
	header                                http.Header
}

// parseRequest validates fields per RFC 9113 §8.2–8.3 and builds the request head. A non-empty
// reason means the request is malformed (stream error PROTOCOL_ERROR).
func (c *conn) parseRequest(fields []hpack.HeaderField) (h reqHead, reason string) {
	h.declLen = -1
	regular := 0
	var cookies, vals []string
	for i, f := range fields {
		if strings.HasPrefix(f.Name, ":") {
			if regular > 0 {
				return h, "pseudo-header after regular field"
			}
			var p *string
			switch f.Name {
			case ":method":
				p = &h.method
			case ":scheme":
				p = &h.scheme
			case ":authority":
				p = &h.authority
			case ":path":
				p = &h.path
			default:
				return h, "invalid pseudo-header " + f.Name
			}
			if *p != "" || (f.Value == "" && f.Name != ":authority") {
				return h, "duplicate or empty " + f.Name
			}
			*p = f.Value
			continue
		}
		if regular == 0 {
			n := len(fields) - i
			h.header = make(http.Header, n)
			vals = make([]string, n)
		}
		regular++
		if !validWireName(f.Name) {
			return h, "invalid field name"
		}
		if !httpguts.ValidHeaderFieldValue(f.Value) {
			return h, "invalid field value"
		}
		switch {
		case connSpecific(f.Name):
			return h, "connection-specific field " + f.Name
		case f.Name == "te":
			if f.Value != "trailers" {
				return h, "te other than trailers"
			}
		case f.Name == "content-length":
			n, ok := parseLength(f.Value)
			if !ok || (h.declLen >= 0 && n != h.declLen) {
				return h, "invalid content-length"
			}
			h.declLen = n
		case f.Name == "host":
			h.host = f.Value
			continue
		case f.Name == "cookie":
			cookies = append(cookies, f.Value)
			continue
		}
		k := c.canonicalKey(f.Name)
		if vs, ok := h.header[k]; ok {
			h.header[k] = append(vs, f.Value)
		} else {
			vals[0] = f.Value
			h.header[k] = vals[:1:1]
			vals = vals[1:]
		}
	}
	if len(cookies) > 0 {
		h.header["Cookie"] = []string{strings.Join(cookies, "; ")}
	}
	if h.method == "" {
		return h, "missing :method"
	}
	if h.authority == "" {
		h.authority = h.host
	} else if h.host != "" && h.host != h.authority {
		return h, "host differs from :authority"
	}
	if h.method == "CONNECT" {
		if h.scheme != "" || h.path != "" || h.authority == "" {
			return h, "malformed CONNECT"
		}
		return h, ""
	}
	if h.scheme == "" || h.path == "" {
		return h, "missing :scheme or :path"
	}
	if h.path[0] != '/' && !(h.path == "*" && h.method == "OPTIONS") {
		return h, "invalid :path"
	}
	return h, ""
}

// validWireName is httpguts.ValidHeaderFieldName without uppercase (RFC 9113 §8.2.1).
func validWireName(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; 'A' <= b && b <= 'Z' {
			return false
		}
	}
	return httpguts.ValidHeaderFieldName(s)
}

func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// canonicalKey maps a lowercase wire name to its http.Header key, caching per connection.
func (c *conn) canonicalKey(name string) string {
	if k, ok := commonCanonical[name]; ok {
		return k
	}
	if k, ok := c.canonCache[name]; ok {
		return k
	}
	k := http.CanonicalHeaderKey(name)
	if len(c.canonCache) < 256 {
		c.canonCache[name] = k
	}
	return k
}

// checkTrailers validates a trailer block: regular fields only.
func checkTrailers(fields []hpack.HeaderField) bool {
	for _, f := range fields {
		if strings.HasPrefix(f.Name, ":") || !validWireName(f.Name) || !httpguts.ValidHeaderFieldValue(f.Value) {
			return false
		}
	}
	return true
}

// endHeaderBlock acts on a complete header block: a new request, trailers, or an error.
func (c *conn) endHeaderBlock() error {
	hb := &c.hb
	id := hb.streamID
	if id <= c.maxStreamID {
		c.mu.Lock()
		st := c.streams[id]
		trailers := st != nil && !st.recvClosed
		c.mu.Unlock()
		switch {
		case trailers && (!hb.endStream || hb.tooBig || !checkTrailers(hb.fields)):
			c.srv.stats.badHeaders.Add(1)
			c.resetID(id, http2.ErrCodeProtocol)
		case trailers:
			c.endOfBody(st) // trailers are accepted and dropped
		case st != nil:
			c.resetID(id, http2.ErrCodeStreamClosed)
		default:
			return connErr{http2.ErrCodeStreamClosed, kindProtocol, "HEADERS on closed stream"}
		}
		return nil
	}

	c.mu.Lock()
	c.maxStreamID = id
	refuse := c.goingAway || len(c.streams) >= int(c.cfg.MaxConcurrentStreams) ||
		c.unanswered >= int(c.cfg.MaxConcurrentStreams)
	if refuse {
		c.out = appendRST(c.out, id, http2.ErrCodeRefusedStream)
		c.readerBatch = true
	}
	c.mu.Unlock()
	if refuse {
		c.srv.stats.refused.Add(1)
		return nil
	}
	var h reqHead
	if !hb.tooBig {
		var reason string
		h, reason = c.parseRequest(hb.fields)
		if reason == "" && hb.prioSelf {
			reason = "stream depends on itself"
		}
		if reason == "" && hb.endStream && h.declLen > 0 {
			reason = "content-length without body"
		}
		if reason != "" {
			c.srv.stats.badHeaders.Add(1)
			c.log.Debug("h2: malformed request", "remote", c.remote, "stream", id, "reason", reason)
			c.resetID(id, http2.ErrCodeProtocol)
			return nil
		}
	}

	st := &stream{c: c, id: id, declLen: h.declLen, recvWindow: int64(c.cfg.InitialWindowSize)}
	st.req = Request{
		Method: h.method, Scheme: h.scheme, Authority: h.authority, Path: h.path,
		Header: h.header, RemoteAddr: c.remote, TLS: c.tls, st: st,
	}
	c.mu.Lock()
	st.sendWindow = c.peerInitWindow
	st.recvClosed = hb.endStream
	c.streams[id] = st
	c.readerBatch = true
	c.mu.Unlock()
	c.srv.stats.openStreams.Add(1)
	c.srv.stats.requests.Add(1)

	switch {
	case hb.tooBig:
		c.srv.stats.headerTooLarge.Add(1)
		c.answer(st, &Response{Status: 431})
		return nil
	case h.method == "CONNECT":
		c.answer(st, &Response{Status: 405})
		return nil
	}
	maxBody, early := c.srv.h.Route(&st.req)
	if early != nil {
		c.answer(st, early)
		return nil
	}
	if h.declLen > maxBody {
		c.srv.stats.bodyTooLarge.Add(1)
		c.answer(st, &Response{Status: 413})
		return nil
	}
	st.maxBody = maxBody
	if h.declLen > 0 {
		// Not more up front than a window's worth: a declared length costs nothing to send.
		st.body = make([]byte, 0, min(h.declLen, 64<<10))
	}
	if hb.endStream {
		c.endOfBody(st)
	} else {
		c.toServe = append(c.toServe, st)
	}
	return nil
}
