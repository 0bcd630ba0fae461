package h2

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// bodyHandler hands every served request to its test.
type bodyHandler struct {
	maxBody int64
	reqs    chan *Request
}

func newBodyHandler(maxBody int64) *bodyHandler {
	return &bodyHandler{maxBody: maxBody, reqs: make(chan *Request, 2000)}
}

func (h *bodyHandler) Route(*Request) (int64, *Response) { return h.maxBody, nil }
func (h *bodyHandler) Serve(r *Request)                  { h.reqs <- r }

func (h *bodyHandler) next(t *testing.T) *Request {
	t.Helper()
	select {
	case r := <-h.reqs:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no request served")
		return nil
	}
}

// pingRoundTrip makes sure the server has processed everything sent before it; fn sees the
// frames that come before the PING's ack.
func (rc *rawClient) pingRoundTrip(fn func(http2.Frame)) {
	rc.t.Helper()
	rc.fr.WritePing(false, [8]byte{7})
	rc.readUntil("PING ack", func(f http2.Frame) bool {
		if p, ok := f.(*http2.PingFrame); ok && p.IsAck() {
			return true
		}
		if fn != nil {
			fn(f)
		}
		return false
	})
}

// TestBodyWithHeaders: a body sent in the same write as its headers arrives whole in Body;
// one that comes later is served at once with a BodyStream that delivers it as it comes.
func TestBodyWithHeaders(t *testing.T) {
	h := newBodyHandler(1 << 20)
	ts := startServer(t, Config{}, h, false)
	rc := dialRaw(t, ts.addr)

	var b []byte
	b = appendHeaders(b, 1, rc.headerBlock("POST", "/"), false, 16384)
	b = appendData(b, 1, []byte("hello "), false)
	b = appendData(b, 1, []byte("world"), true)
	if _, err := rc.nc.Write(b); err != nil {
		t.Fatal(err)
	}
	r := h.next(t)
	if string(r.Body) != "hello world" || r.BodyStream != nil {
		t.Fatalf("Body %q, BodyStream %v; want the whole body and no stream", r.Body, r.BodyStream)
	}
	r.Respond(&Response{})

	rc.request(3, "POST", "/", false)
	r = h.next(t)
	if r.Body != nil || r.BodyStream == nil {
		t.Fatalf("Body %q, BodyStream %v; want a stream", r.Body, r.BodyStream)
	}
	got := make(chan []byte)
	go func() {
		b, err := io.ReadAll(r.BodyStream)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	rc.fr.WriteData(3, false, []byte("part one, "))
	rc.fr.WriteData(3, false, []byte("part two"))
	rc.fr.WriteData(3, true, nil)
	if b := <-got; string(b) != "part one, part two" {
		t.Fatalf("streamed body %q", b)
	}
	r.Respond(&Response{Body: []byte("ok")})
	if s := rc.status(3); s != "200" {
		t.Fatalf("status %s", s)
	}
}

// TestBodyWindowOpensAsRead: the stream window comes back only for bytes the handler read,
// and a client that sends beyond it gets FLOW_CONTROL_ERROR.
func TestBodyWindowOpensAsRead(t *testing.T) {
	h := newBodyHandler(1 << 20)
	ts := startServer(t, Config{InitialWindowSize: 65535}, h, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "POST", "/", false)
	r := h.next(t)
	chunk := makeBody(16384)
	sent := 0
	for sent < 65535 {
		n := min(len(chunk), 65535-sent)
		rc.fr.WriteData(1, false, chunk[:n])
		sent += n
	}
	noStreamUpdate := func(f http2.Frame) {
		if wu, ok := f.(*http2.WindowUpdateFrame); ok && wu.StreamID == 1 {
			t.Fatalf("WINDOW_UPDATE +%d on the stream before the handler read", wu.Increment)
		}
	}
	rc.pingRoundTrip(noStreamUpdate)
	if n := ts.srv.Stats().BodyBuffered; n != 65535 {
		t.Fatalf("buffered %d, want 65535", n)
	}

	buf := make([]byte, 20000)
	if _, err := io.ReadFull(r.BodyStream, buf); err != nil {
		t.Fatal(err)
	}
	wu := rc.readUntil("stream WINDOW_UPDATE", func(f http2.Frame) bool {
		wu, ok := f.(*http2.WindowUpdateFrame)
		return ok && wu.StreamID == 1
	}).(*http2.WindowUpdateFrame)
	if wu.Increment != 20000 {
		t.Fatalf("stream window +%d after reading 20000", wu.Increment)
	}
	if n := ts.srv.Stats().BodyBuffered; n != 65535-20000 {
		t.Fatalf("buffered %d after the read, want %d", n, 65535-20000)
	}

	// The window is 20000 now: one byte more is a flow-control error.
	rc.fr.WriteData(1, false, makeBody(10000))
	rc.fr.WriteData(1, false, makeBody(10001))
	rst := rc.readUntil("RST_STREAM", func(f http2.Frame) bool {
		_, ok := f.(*http2.RSTStreamFrame)
		return ok
	}).(*http2.RSTStreamFrame)
	if rst.ErrCode != http2.ErrCodeFlowControl {
		t.Fatalf("RST_STREAM %v, want FLOW_CONTROL_ERROR", rst.ErrCode)
	}
	if _, err := io.ReadAll(r.BodyStream); !errors.Is(err, ErrBodyReset) {
		t.Fatalf("read after the reset: %v, want ErrBodyReset", err)
	}
	r.Respond(&Response{})
	if !eventually(5*time.Second, func() bool { return ts.srv.Stats().BodyBuffered == 0 }) {
		t.Fatalf("buffered %d after the stream ended", ts.srv.Stats().BodyBuffered)
	}
}

// TestBodyConnWindowExceeded: a client that sends beyond the connection window (which is not
// returned while nobody reads) gets GOAWAY FLOW_CONTROL_ERROR.
func TestBodyConnWindowExceeded(t *testing.T) {
	h := newBodyHandler(1 << 20)
	ts := startServer(t, Config{ConnWindowSize: 65535, MaxConnBodyBuffer: 65535}, h, false)
	rc := dialRaw(t, ts.addr)
	chunk := makeBody(16384)
	for id := uint32(1); id <= 9; id += 2 {
		rc.request(id, "POST", "/", false)
		rc.fr.WriteData(id, false, chunk)
	}
	if code := rc.goAwayOrClose(); code != http2.ErrCodeFlowControl {
		t.Fatalf("GOAWAY %v, want FLOW_CONTROL_ERROR", code)
	}
	for {
		select {
		case r := <-h.reqs:
			r.Respond(&Response{})
		default:
			return
		}
	}
}

// TestBodySlowloris: a body that stops coming is cut after BodyReadTimeout while its handler
// waits: 408 if nothing was answered yet, RST_STREAM CANCEL if a response is streaming.
func TestBodySlowloris(t *testing.T) {
	h := newBodyHandler(1 << 20)
	ts := startServer(t, Config{BodyReadTimeout: 50 * time.Millisecond}, h, false)
	rc := dialRaw(t, ts.addr)

	rc.request(1, "POST", "/", false)
	r := h.next(t)
	readErr := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r.BodyStream)
		readErr <- err
		r.Respond(&Response{}) // a no-op: the engine answered
	}()
	rc.fr.WriteData(1, false, []byte("a"))
	rc.fr.WriteData(1, false, []byte("b"))
	if s := rc.status(1); s != "408" {
		t.Fatalf("status %s, want 408", s)
	}
	rc.readUntil("RST_STREAM NO_ERROR", func(f http2.Frame) bool {
		rst, ok := f.(*http2.RSTStreamFrame)
		return ok && rst.StreamID == 1 && rst.ErrCode == http2.ErrCodeNo
	})
	if err := <-readErr; !errors.Is(err, ErrBodyTimeout) {
		t.Fatalf("read error %v, want ErrBodyTimeout", err)
	}

	// The handler echoes the body as a streamed response: the timeout resets the stream.
	rc.request(3, "POST", "/", false)
	r = h.next(t)
	r.Respond(&Response{Stream: r.BodyStream})
	rc.fr.WriteData(3, false, []byte("c"))
	rc.readUntil("echoed DATA", func(f http2.Frame) bool {
		d, ok := f.(*http2.DataFrame)
		return ok && d.StreamID == 3 && string(d.Data()) == "c"
	})
	rst := rc.readUntil("RST_STREAM", func(f http2.Frame) bool {
		rst, ok := f.(*http2.RSTStreamFrame)
		return ok && rst.StreamID == 3
	}).(*http2.RSTStreamFrame)
	if rst.ErrCode != http2.ErrCodeCancel {
		t.Fatalf("RST_STREAM %v, want CANCEL", rst.ErrCode)
	}
	if n := ts.srv.Stats().BodyTimeouts; n != 2 {
		t.Fatalf("BodyTimeouts %d, want 2", n)
	}
	// The connection is fine.
	rc.request(5, "GET", "/", true)
	h.next(t).Respond(&Response{})
	if s := rc.status(5); s != "200" {
		t.Fatalf("next request: %s", s)
	}
}

// TestBodyTooLargeWhileServed: a streamed body that goes beyond maxBody fails the handler's
// Read with ErrBodyTooLarge and is answered 413.
func TestBodyTooLargeWhileServed(t *testing.T) {
	h := newBodyHandler(1000)
	ts := startServer(t, Config{}, h, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "POST", "/", false)
	r := h.next(t)
	readErr := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r.BodyStream)
		readErr <- err
	}()
	rc.fr.WriteData(1, false, make([]byte, 600))
	rc.fr.WriteData(1, false, make([]byte, 600))
	if s := rc.status(1); s != "413" {
		t.Fatalf("status %s, want 413", s)
	}
	if err := <-readErr; !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("read error %v, want ErrBodyTooLarge", err)
	}
	if r.Context().Err() == nil {
		t.Fatal("the handler's context is not canceled after the engine answered for it")
	}
	r.Respond(&Response{Body: []byte("late")}) // a no-op
	rc.request(3, "GET", "/", true)
	h.next(t).Respond(&Response{})
	if s := rc.status(3); s != "200" {
		t.Fatalf("next request: %s", s)
	}
	if n := ts.srv.Stats().BodyBuffered; n != 0 {
		t.Fatalf("buffered %d", n)
	}

	// Under a response that already started (the body echoed as a stream): RST_STREAM.
	rc.request(5, "POST", "/", false)
	r = h.next(t)
	r.Respond(&Response{Stream: r.BodyStream})
	rc.fr.WriteData(5, false, make([]byte, 600))
	rc.readData(5)
	rc.fr.WriteData(5, false, make([]byte, 600))
	if code := rc.readRST(5); code != http2.ErrCodeCancel {
		t.Fatalf("RST_STREAM %v, want CANCEL", code)
	}
	if n := ts.srv.Stats().BodyTooLarge; n != 2 {
		t.Fatalf("BodyTooLarge %d, want 2", n)
	}
}

// TestBodyBudgets: 1000 concurrent streams on 4 connections, each client sending as much as
// its windows allow to handlers that do not read, never get more buffered than the budgets:
// MaxConnBodyBuffer per connection (by flow control: the clients just wait), MaxBodyBuffer on
// the node (beyond it, streams are answered 503).
func TestBodyBudgets(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 streams")
	}
	const (
		conns      = 4
		perConn    = 250
		connBudget = 1 << 20
	)
	tests := []struct {
		name       string
		nodeBudget int64
	}{
		{"PerConnection", 64 << 20},
		{"NodeWide", 3 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newBodyHandler(1 << 20)
			cfg := Config{MaxConcurrentStreams: perConn, InitialWindowSize: 65535,
				ConnWindowSize: connBudget, MaxConnBodyBuffer: connBudget, MaxBodyBuffer: tt.nodeBudget}
			ts := startServer(t, cfg, h, false)
			var wg sync.WaitGroup
			statuses := make(chan int, conns*perConn)
			for range conns {
				c := ts.client()
				// One connection per client, whose streams wait for a free one.
				c.Transport.(*http.Transport).HTTP2 = &http.HTTP2Config{StrictMaxConcurrentRequests: true}
				c.Timeout = 0
				for range perConn {
					wg.Add(1)
					go func() {
						defer wg.Done()
						resp, err := c.Post(ts.url("/"), "application/octet-stream", io.LimitReader(zeros{}, 65535))
						if err != nil {
							statuses <- -1
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						statuses <- resp.StatusCode
					}()
				}
			}
			want := min(tt.nodeBudget, conns*connBudget)
			filled := func() bool {
				s := ts.srv.Stats()
				if tt.nodeBudget < conns*connBudget {
					return s.BodyBudget > 0
				}
				return s.BodyBuffered == want
			}
			if !eventually(60*time.Second, filled) {
				t.Fatalf("buffers never filled: %+v", ts.srv.Stats())
			}
			ts.srv.mu.Lock()
			for c := range ts.srv.conns {
				c.mu.Lock()
				if c.bodyPeak > connBudget {
					t.Errorf("a connection buffered %d, budget %d", c.bodyPeak, connBudget)
				}
				c.mu.Unlock()
			}
			ts.srv.mu.Unlock()
			if s := ts.srv.Stats(); s.BodyBufferedPeak > want {
				t.Errorf("buffered peak %d, budget %d", s.BodyBufferedPeak, want)
			}

			// Answer everything: the clients finish and the buffers empty.
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			answered := 0
		answer:
			for {
				select {
				case r := <-h.reqs:
					r.Respond(&Response{Body: []byte("ok")})
					answered++
				case <-done:
					break answer
				}
			}
			close(statuses)
			count := map[int]int{}
			for s := range statuses {
				count[s]++
			}
			if count[200]+count[503] != conns*perConn || (tt.nodeBudget >= conns*connBudget && count[503] > 0) {
				t.Errorf("statuses %v (answered %d)", count, answered)
			}
			if !eventually(10*time.Second, func() bool { return ts.srv.Stats().BodyBuffered == 0 }) {
				t.Errorf("buffered %d after every stream ended", ts.srv.Stats().BodyBuffered)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestBodyClosedEarly: a handler that closes BodyStream and answers lets the client finish
// its body (windows returned as data arrives) and frees what was buffered.
func TestBodyClosedEarly(t *testing.T) {
	h := newBodyHandler(1 << 20)
	ts := startServer(t, Config{InitialWindowSize: 65535}, h, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "POST", "/", false)
	r := h.next(t)
	rc.fr.WriteData(1, false, makeBody(15000))
	rc.fr.WriteData(1, false, makeBody(15000))
	rc.pingRoundTrip(nil)
	r.BodyStream.Close()
	if n := ts.srv.Stats().BodyBuffered; n != 0 {
		t.Fatalf("buffered %d after Close", n)
	}
	if _, err := r.BodyStream.Read(make([]byte, 10)); !errors.Is(err, ErrBodyClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	// Close also ends a Read that is blocked for data (the default BodyReadTimeout is 30 s).
	rc.request(3, "POST", "/", false)
	r3 := h.next(t)
	readErr := make(chan error, 1)
	go func() {
		_, err := r3.BodyStream.Read(make([]byte, 10))
		readErr <- err
	}()
	r3.BodyStream.Close()
	if err := <-readErr; !errors.Is(err, ErrBodyClosed) {
		t.Fatalf("blocked Read after Close: %v", err)
	}
	r3.Respond(&Response{})
	rc.fr.WriteData(1, false, makeBody(15000))
	rc.fr.WriteData(1, false, makeBody(15000))
	var credit uint32
	rc.pingRoundTrip(func(f http2.Frame) {
		if wu, ok := f.(*http2.WindowUpdateFrame); ok && wu.StreamID == 1 {
			credit += wu.Increment
		}
	})
	if credit != 60000 {
		t.Fatalf("stream window +%d for 30000 bytes unread at Close and 30000 dropped after, want 60000", credit)
	}
	r.Respond(&Response{Body: []byte("done"), Header: http.Header{}})
	if s := rc.status(1); s != "200" {
		t.Fatalf("status %s", s)
	}
	var body bytes.Buffer
	rc.readUntil("DATA", func(f http2.Frame) bool {
		d, ok := f.(*http2.DataFrame)
		if ok {
			body.Write(d.Data())
		}
		return ok && d.StreamEnded()
	})
	if body.String() != "done" {
		t.Fatalf("body %q", body.String())
	}
}

// TestBodyTimeoutSparesHeldClient: a client that cannot send because we hold its connection
// window (other bodies on the connection fill its budget, unread) is not timed out: the delay
// is ours.
func TestBodyTimeoutSparesHeldClient(t *testing.T) {
	// B gets a whole timeout once A's read reopens the window. Before, B's
	// pipe counted from its last look while held, so a reopening just
	// before its timer fired left B almost nothing (CI failed here twice,
	// at 30 ms and at 200 ms). The held phase lasts five timeouts; B's data
	// then comes most of a timeout after the reopening, which the old code
	// failed more often than not.
	const timeout = 400 * time.Millisecond
	h := newBodyHandler(1 << 20)
	ts := startServer(t, Config{BodyReadTimeout: timeout, ConnWindowSize: 65535, MaxConnBodyBuffer: 65535}, h, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "POST", "/", false)
	a := h.next(t)
	chunk := makeBody(16384)
	for sent := 0; sent < 65535; sent += 16384 {
		rc.fr.WriteData(1, false, chunk[:min(16384, 65535-sent)])
	}
	rc.request(3, "POST", "/", false)
	b := h.next(t)
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 100)
		n, err := b.BodyStream.Read(buf)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf[:n])
	}()
	// Several timeouts pass with the connection window at zero (the time passing is what is
	// tested; the PING round trip then shows what the server did meanwhile).
	time.Sleep(5 * timeout)
	rc.pingRoundTrip(func(f http2.Frame) {
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			t.Fatalf("stream %d answered %s while its client was held by flow control", h.StreamID, h.PseudoValue("status"))
		}
	})
	if n := ts.srv.Stats().BodyTimeouts; n != 0 {
		t.Fatalf("BodyTimeouts %d", n)
	}
	// A's handler reads: the connection window reopens and B's data comes.
	if _, err := io.ReadFull(a.BodyStream, make([]byte, 65535)); err != nil {
		t.Fatal(err)
	}
	rc.readUntil("connection WINDOW_UPDATE", func(f http2.Frame) bool {
		wu, ok := f.(*http2.WindowUpdateFrame)
		return ok && wu.StreamID == 0
	})
	time.Sleep(timeout * 5 / 8) // the delay is what is tested
	rc.fr.WriteData(3, true, []byte("late but fine"))
	if s := <-got; s != "late but fine" {
		t.Fatalf("B read %q", s)
	}
	a.Respond(&Response{})
	b.Respond(&Response{})
}
