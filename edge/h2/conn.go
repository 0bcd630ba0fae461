package h2

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// conn is one client connection. Reader-owned fields are used only by the serve goroutine;
// the rest is guarded by mu.
type conn struct {
	srv    *Server
	cfg    Config
	log    *slog.Logger
	nc     net.Conn // the accepted conn: Close and deadlines (also for TLS), from any goroutine
	rw     net.Conn // nc or its TLS layer: reads, writes (reader and writer goroutines only)
	remote netip.AddrPort
	tls    bool

	// reader-owned
	in            countingReader
	br            *bufio.Reader
	fr            *http2.Framer
	hdec          *hpack.Decoder
	hb            headerBlock
	maxBlockBytes int
	canonCache    map[string]string
	toServe       []*stream  // headers complete, body not: Serve when the batch ends
	ctlRate       rateWindow // control frames, against MaxControlPerSecond
	rstRate       rateWindow // client resets of open streams, against MaxResetsPerSecond

	writerDone chan struct{}
	done       chan struct{} // closed when the connection ends
	wake       chan struct{} // cap 1; a token is pending iff woken

	mu              sync.Mutex
	maxStreamID     uint32 // written by the reader under mu
	streams         map[uint32]*stream
	unanswered      int // served, Respond not yet called (reset streams included)
	out, spare      []byte
	woken           bool // the writer has a wake token or is writing
	readerBatch     bool // the reader will flush after its current batch of frames
	henc            *hpack.Encoder
	hsink           hpackSink
	memo            fieldMemo // encoded fields the encoder would repeat (hpack.go)
	lowerCache      map[string]string
	sendWindow      int64 // peer's connection window
	peerInitWindow  int64
	peerMaxFrame    uint32
	sendq           []*stream
	resetIDs        [32]uint32
	resetNext       uint32
	goingAway       bool // we sent GOAWAY: no new streams
	peerGoingAway   bool
	closeAfterFlush bool // close once no stream is open and output is flushed
	wroteClose      bool
	closed          bool
	started         bool // our SETTINGS are queued: HTTP/2 is on
	idleSince       int64
	idleTimer       *time.Timer
	stallTimer      *time.Timer
	stallArmed      bool
	recvWindow      int64 // connection window we granted, not yet used
	// windowOpened is when recvWindow last went from zero to above it
	// (UnixNano): a body held until then counts its timeout from there.
	windowOpened int64
	bodyBuffered int64 // request-body bytes buffered, not yet taken by handlers
	bodyPeak     int64 // the most bodyBuffered has been (for tests of the budget)
}

const clientPreface = http2.ClientPreface

func (s *Server) newConn(nc net.Conn) *conn {
	c := &conn{
		srv:            s,
		cfg:            s.cfg,
		log:            s.log,
		nc:             nc,
		rw:             nc,
		writerDone:     make(chan struct{}),
		done:           make(chan struct{}),
		wake:           make(chan struct{}, 1),
		streams:        make(map[uint32]*stream),
		lowerCache:     make(map[string]string),
		canonCache:     make(map[string]string),
		sendWindow:     65535,
		peerInitWindow: 65535,
		peerMaxFrame:   16384,
		recvWindow:     int64(s.cfg.ConnWindowSize),
		maxBlockBytes:  int(max(64<<10, 4*s.cfg.MaxHeaderListSize)),
		idleSince:      time.Now().UnixNano(),
	}
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		c.remote = a.AddrPort()
	}
	c.henc = hpack.NewEncoder(&c.hsink)
	c.hdec = hpack.NewDecoder(4096, c.emitField)
	c.hdec.SetMaxStringLength(c.maxBlockBytes)
	return c
}

// serve runs the connection: TLS handshake, preface, then the frame loop.
func (c *conn) serve(tlsConf *tls.Config) {
	defer c.finish()
	c.nc.SetReadDeadline(time.Now().Add(c.cfg.ReadHeaderTimeout))
	if tlsConf != nil {
		c.nc.SetWriteDeadline(time.Now().Add(c.cfg.ReadHeaderTimeout))
		tc := tls.Server(c.nc, tlsConf)
		if err := tc.Handshake(); err != nil {
			c.srv.stats.tlsErrors.Add(1)
			c.log.Debug("h2: tls handshake", "remote", c.remote, "err", err)
			return
		}
		c.rw, c.tls = tc, true
		c.nc.SetWriteDeadline(time.Time{})
		st := tc.ConnectionState()
		if st.Version < tls.VersionTLS13 {
			c.srv.stats.tlsErrors.Add(1)
			return
		}
		if st.NegotiatedProtocol != "h2" {
			c.in = countingReader{r: c.rw, srv: c.srv}
			c.br = bufio.NewReaderSize(&c.in, 4096)
			c.replyHTTP1()
			return
		}
	}
	c.in = countingReader{r: c.rw, srv: c.srv}
	c.br = bufio.NewReaderSize(&c.in, 32<<10)
	if !c.readPreface() {
		return
	}
	c.fr = http2.NewFramer(io.Discard, c.br)
	c.fr.SetMaxReadFrameSize(c.cfg.MaxFrameSize)
	c.fr.SetReuseFrames()

	go c.writeLoop()
	c.mu.Lock()
	c.started = true
	c.out = appendSettings(c.out,
		http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.cfg.MaxConcurrentStreams},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: c.cfg.InitialWindowSize},
		http2.Setting{ID: http2.SettingMaxFrameSize, Val: c.cfg.MaxFrameSize},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: c.cfg.MaxHeaderListSize},
	)
	if inc := c.cfg.ConnWindowSize - 65535; inc > 0 {
		c.out = appendWindowUpdate(c.out, 0, inc)
	}
	if c.goingAway { // Shutdown came during the handshake or the preface
		c.out = appendGoAway(c.out, 0, http2.ErrCodeNo)
		c.closeAfterFlush = true
	}
	c.wakeLocked()
	c.idleTimer = time.AfterFunc(c.cfg.IdleTimeout, c.checkIdle)
	c.mu.Unlock()

	f, err := c.fr.ReadFrame()
	if err == nil {
		if sf, ok := f.(*http2.SettingsFrame); !ok || sf.IsAck() {
			err = connErr{http2.ErrCodeProtocol, kindProtocol, "preface not followed by SETTINGS"}
		} else {
			c.nc.SetReadDeadline(time.Time{})
			err = c.processFrame(f)
		}
	}
	for err == nil {
		c.flushIfIdle()
		if f, err = c.fr.ReadFrame(); err == nil {
			err = c.processFrame(f)
			continue
		}
		var se http2.StreamError
		if errors.As(err, &se) {
			c.resetID(se.StreamID, se.Code)
			err = nil
		}
	}
	c.fail(err)
}

// flushIfIdle ends a batch when the next frame is not buffered yet, that is when the reader is
// about to block: requests whose bodies are still coming are served, and the batch's output is
// handed to the writer.
func (c *conn) flushIfIdle() {
	if n := c.br.Buffered(); n >= 9 {
		b, _ := c.br.Peek(3)
		if n >= 9+int(b[0])<<16|int(b[1])<<8|int(b[2]) {
			return
		}
	}
	if len(c.toServe) > 0 {
		c.serveWaiting()
	}
	c.mu.Lock()
	c.readerBatch = false
	c.wakeLocked()
	c.mu.Unlock()
}

// fail ends the frame loop: a connection error is answered with GOAWAY, then the peer gets a
// moment to read it while its further input is discarded.
func (c *conn) fail(err error) {
	var ce connErr
	var code http2.ErrCode
	switch {
	case errors.As(err, &ce):
		code = ce.code
		c.log.Debug("h2: connection error", "remote", c.remote, "code", ce.code, "err", ce.msg)
		if ce.kind == kindProtocol || ce.kind == kindCompression || ce.kind == kindFlowControl {
			c.srv.stats.protocolErrors.Add(1)
		}
	case errors.Is(err, http2.ErrFrameTooLarge):
		code = http2.ErrCodeFrameSize
		c.srv.stats.protocolErrors.Add(1)
	case c.in.err != nil || isIOError(err):
		return // the network failed or the peer went away
	default:
		// The Framer's parse errors: ConnectionError, or plain errors for short frames.
		code = http2.ErrCodeFrameSize
		var hc http2.ConnectionError
		if errors.As(err, &hc) {
			code = http2.ErrCode(hc)
		}
		c.srv.stats.protocolErrors.Add(1)
		c.log.Debug("h2: connection error", "remote", c.remote, "code", code, "err", err)
	}
	c.mu.Lock()
	c.out = appendGoAway(c.out, c.maxStreamID, code)
	c.goingAway = true
	c.closeAfterFlush = true
	c.sendq = nil
	c.readerBatch = false
	c.forceWakeLocked()
	c.mu.Unlock()
	c.nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, c.br)
}

// isIOError reports errors of the network rather than of the frames. (The Framer reports a
// frame too short for its type as io.ErrUnexpectedEOF, which is why c.in records the
// network's own error.)
func isIOError(err error) bool {
	var ne net.Error
	return err == nil || errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// goAway starts a graceful close: GOAWAY NO_ERROR naming the last stream we accept; the
// connection closes once those streams are answered.
func (c *conn) goAway() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.goingAway || c.closed {
		return
	}
	c.goingAway = true
	if !c.started {
		// Still in the TLS handshake or the preface, and the client may have sent its first
		// request behind it. Closing now would fail that request for good (Go's client does
		// not retry on a connection that never became established); serve finishes the
		// handshake instead and answers GOAWAY naming no stream, so the client retries the
		// request elsewhere (a takeover's new node). One that does not get that far within a
		// second is closed.
		c.nc.SetReadDeadline(time.Now().Add(time.Second))
		return
	}
	c.out = appendGoAway(c.out, c.maxStreamID, http2.ErrCodeNo)
	if len(c.streams) == 0 {
		c.closeAfterFlush = true
	}
	c.forceWakeLocked()
}

func (c *conn) checkIdle() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	wait := c.cfg.IdleTimeout
	idle := len(c.streams) == 0
	if idle {
		if waited := time.Duration(time.Now().UnixNano() - c.idleSince); waited < wait {
			wait -= waited
			idle = false
		}
	}
	if !idle {
		c.idleTimer.Reset(wait)
	}
	c.mu.Unlock()
	if idle {
		c.srv.stats.idleClosed.Add(1)
		c.goAway()
	}
}

// finish tears the connection down: contexts are canceled, the writer stops, the socket closes.
func (c *conn) finish() {
	c.mu.Lock()
	c.closed = true
	for _, st := range c.streams {
		st.cancelLocked()
		st.gone = true
		st.pending = nil
		c.goneLocked(st)
		c.srv.stats.openStreams.Add(-1)
	}
	c.streams = nil
	c.sendq = nil
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	if c.stallTimer != nil {
		c.stallTimer.Stop()
	}
	c.mu.Unlock()
	close(c.done)
	c.nc.Close()
	if c.fr != nil {
		<-c.writerDone
	}
	c.srv.forget(c)
}

// countingReader counts bytes read for Stats and remembers the network's error.
type countingReader struct {
	r   io.Reader
	srv *Server
	err error
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.srv.stats.bytesRead.Add(int64(n))
	if err != nil {
		r.err = err
	}
	return n, err
}
