package h2

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// source is a Response.Stream the test feeds chunk by chunk: Read blocks until a chunk, the
// end (close(chunks)), a failure, or Close.
type source struct {
	chunks chan []byte
	fail   chan error
	closed chan struct{}
	once   sync.Once
	closes atomic.Int32
	read   atomic.Int64
	rest   []byte // of a chunk larger than a Read
}

func newSource() *source {
	return &source{chunks: make(chan []byte), fail: make(chan error), closed: make(chan struct{})}
}

func (s *source) Read(p []byte) (int, error) {
	if len(s.rest) > 0 {
		n := copy(p, s.rest)
		s.rest = s.rest[n:]
		s.read.Add(int64(n))
		return n, nil
	}
	select {
	case b, ok := <-s.chunks:
		if !ok {
			return 0, io.EOF
		}
		n := copy(p, b)
		s.rest = b[n:]
		s.read.Add(int64(n))
		return n, nil
	case err := <-s.fail:
		return 0, err
	case <-s.closed:
		return 0, errors.New("source closed")
	}
}

func (s *source) Close() error {
	s.closes.Add(1)
	s.once.Do(func() { close(s.closed) })
	return nil
}

// waitClosed waits for the engine's Close and checks it came once.
func (s *source) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine never closed the stream")
	}
	if n := s.closes.Load(); n != 1 {
		t.Fatalf("Close called %d times", n)
	}
}

// streamServer answers every request with a new source, handed to the test with its request.
type streamServer struct {
	reqs    chan *Request
	sources chan *source
	header  http.Header
}

func startStreamServer(t *testing.T, cfg Config, header http.Header) (*testServer, *streamServer) {
	s := &streamServer{reqs: make(chan *Request, 16), sources: make(chan *source, 16), header: header}
	ts := startServer(t, cfg, &funcHandler{serve: func(r *Request) {
		src := newSource()
		r.Respond(&Response{Header: s.header, Stream: src})
		s.reqs <- r
		s.sources <- src
	}}, false)
	return ts, s
}

func (s *streamServer) next(t *testing.T) (*Request, *source) {
	t.Helper()
	select {
	case r := <-s.reqs:
		return r, <-s.sources
	case <-time.After(10 * time.Second):
		t.Fatal("no request served")
		return nil, nil
	}
}

// readData reads the next DATA frame of stream id, failing on a reset.
func (rc *rawClient) readData(id uint32) *http2.DataFrame {
	rc.t.Helper()
	return rc.readUntil("DATA", func(f http2.Frame) bool {
		if rst, ok := f.(*http2.RSTStreamFrame); ok && rst.StreamID == id {
			rc.t.Fatalf("stream %d reset: %v", id, rst.ErrCode)
		}
		d, ok := f.(*http2.DataFrame)
		return ok && d.StreamID == id
	}).(*http2.DataFrame)
}

func (rc *rawClient) readRST(id uint32) http2.ErrCode {
	rc.t.Helper()
	return rc.readUntil("RST_STREAM", func(f http2.Frame) bool {
		rst, ok := f.(*http2.RSTStreamFrame)
		return ok && rst.StreamID == id
	}).(*http2.RSTStreamFrame).ErrCode
}

// TestStreamedResponse: HEADERS go out before any data exists, each Read's bytes go out as
// they come (no waiting to fill a frame), END_STREAM at EOF, and Close comes once.
func TestStreamedResponse(t *testing.T) {
	ts, s := startStreamServer(t, Config{}, http.Header{"Content-Type": {"text/event-stream"}})
	rc := dialRaw(t, ts.addr)
	rc.request(1, "GET", "/events", true)
	_, src := s.next(t)
	hf := rc.readUntil("HEADERS", func(f http2.Frame) bool { _, ok := f.(*http2.MetaHeadersFrame); return ok }).(*http2.MetaHeadersFrame)
	if hf.StreamEnded() || hf.PseudoValue("status") != "200" {
		t.Fatalf("headers: status %s, end %v", hf.PseudoValue("status"), hf.StreamEnded())
	}
	for _, f := range hf.RegularFields() {
		if f.Name == "content-length" {
			t.Fatalf("content-length %s on a stream of unknown length", f.Value)
		}
	}
	for _, chunk := range []string{"data: one\n\n", "data: two\n\n"} {
		src.chunks <- []byte(chunk)
		if d := rc.readData(1); string(d.Data()) != chunk || d.StreamEnded() {
			t.Fatalf("DATA %q end=%v, want %q", d.Data(), d.StreamEnded(), chunk)
		}
	}
	big := makeBody(40000) // more than a frame: split to the peer's max frame size
	src.chunks <- big
	var got []byte
	for len(got) < len(big) {
		d := rc.readData(1)
		if len(d.Data()) > 16384 {
			t.Fatalf("DATA of %d bytes, max frame 16384", len(d.Data()))
		}
		got = append(got, d.Data()...)
	}
	if !bytes.Equal(got, big) {
		t.Fatal("large chunk garbled")
	}
	close(src.chunks)
	if d := rc.readData(1); !d.StreamEnded() || len(d.Data()) != 0 {
		t.Fatalf("final DATA %q end=%v", d.Data(), d.StreamEnded())
	}
	src.waitClosed(t)
	if n := ts.srv.Stats().OpenStreams; n != 0 {
		t.Fatalf("open streams %d", n)
	}
}

// TestStreamedResponseBackpressure: a client that does not open its window stalls the
// producer: no more is read than the window plus the one chunk waiting for it.
func TestStreamedResponseBackpressure(t *testing.T) {
	var reads atomic.Int64
	release := make(chan struct{})
	ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) {
		r.Respond(&Response{Stream: &countingSource{reads: &reads, closed: release}})
	}}, false)
	rc := dialRaw(t, ts.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1000})
	rc.request(1, "GET", "/", true)
	got := 0
	for got < 1000 {
		got += len(rc.readData(1).Data())
	}
	if !eventually(10*time.Second, func() bool { return reads.Load() >= 1100 }) {
		t.Fatalf("read %d bytes, want the window (1000) and one chunk (100)", reads.Load())
	}
	rc.pingRoundTrip(func(f http2.Frame) {
		if d, ok := f.(*http2.DataFrame); ok {
			t.Fatalf("DATA (%d bytes) beyond the window", len(d.Data()))
		}
	})
	if n := reads.Load(); n != 1100 {
		t.Fatalf("producer read %d bytes with the client's window closed, want 1100", n)
	}
	rc.fr.WriteWindowUpdate(1, 1000)
	for got < 2000 {
		got += len(rc.readData(1).Data())
	}
	if !eventually(10*time.Second, func() bool { return reads.Load() >= 2100 }) {
		t.Fatalf("read %d bytes after the window opened", reads.Load())
	}
	rc.fr.WriteRSTStream(1, http2.ErrCodeCancel)
	select {
	case <-release:
	case <-time.After(10 * time.Second):
		t.Fatal("stream not closed after the client's reset")
	}
}

// emptyReads returns (0, nil) from every Read.
type emptyReads struct{ closed chan struct{} }

func (emptyReads) Read([]byte) (int, error) { return 0, nil }
func (e emptyReads) Close() error           { close(e.closed); return nil }

// countingSource is an endless stream of 100-byte reads; Close closes closed.
type countingSource struct {
	reads  *atomic.Int64
	closed chan struct{}
}

func (s *countingSource) Read(p []byte) (int, error) {
	n := min(len(p), 100)
	clear(p[:n])
	s.reads.Add(int64(n))
	return n, nil
}

func (s *countingSource) Close() error {
	close(s.closed) // a second Close would panic
	return nil
}

// TestStreamedResponseEnds: every way a stream can end closes the producer exactly once.
func TestStreamedResponseEnds(t *testing.T) {
	t.Run("ClientReset", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, nil)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		r, src := s.next(t)
		rc.fr.WriteRSTStream(1, http2.ErrCodeCancel)
		src.waitClosed(t) // while blocked in Read
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			t.Fatal("context not canceled")
		}
	})
	t.Run("ConnectionClosed", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, nil)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		_, src := s.next(t)
		src.chunks <- []byte("x")
		rc.readData(1)
		rc.nc.Close()
		src.waitClosed(t)
	})
	t.Run("ErrProducer", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, nil)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		_, src := s.next(t)
		src.chunks <- []byte("partial")
		if d := rc.readData(1); string(d.Data()) != "partial" {
			t.Fatalf("DATA %q", d.Data())
		}
		src.fail <- errors.New("upstream went away")
		if code := rc.readRST(1); code != http2.ErrCodeInternal {
			t.Fatalf("RST_STREAM %v, want INTERNAL_ERROR", code)
		}
		src.waitClosed(t)
	})
	t.Run("ErrNoProgress", func(t *testing.T) {
		closed := make(chan struct{})
		ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) {
			r.Respond(&Response{Stream: emptyReads{closed}})
		}}, false)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		if code := rc.readRST(1); code != http2.ErrCodeInternal {
			t.Fatalf("RST_STREAM %v, want INTERNAL_ERROR for a producer that returns nothing forever", code)
		}
		<-closed
	})
	t.Run("HEAD", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, nil)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "HEAD", "/", true)
		_, src := s.next(t)
		hf := rc.readUntil("HEADERS", func(f http2.Frame) bool { _, ok := f.(*http2.MetaHeadersFrame); return ok })
		if !hf.(*http2.MetaHeadersFrame).StreamEnded() {
			t.Fatal("HEAD response without END_STREAM on its HEADERS")
		}
		src.waitClosed(t)
		if n := src.read.Load(); n != 0 {
			t.Fatalf("read %d bytes for HEAD", n)
		}
	})
	t.Run("ErrContentLengthShort", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, http.Header{"Content-Length": {"10"}})
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		_, src := s.next(t)
		src.chunks <- []byte("hello")
		rc.readData(1)
		close(src.chunks)
		if code := rc.readRST(1); code != http2.ErrCodeInternal {
			t.Fatalf("RST_STREAM %v, want INTERNAL_ERROR for 5 of 10 bytes", code)
		}
		src.waitClosed(t)
	})
	t.Run("ContentLength", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, http.Header{"Content-Length": {"5"}})
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		_, src := s.next(t)
		hf := rc.readUntil("HEADERS", func(f http2.Frame) bool { _, ok := f.(*http2.MetaHeadersFrame); return ok })
		cl := ""
		for _, f := range hf.(*http2.MetaHeadersFrame).RegularFields() {
			if f.Name == "content-length" {
				cl = f.Value
			}
		}
		if cl != "5" {
			t.Fatalf("content-length %q, want the handler's 5", cl)
		}
		src.chunks <- []byte("hello")
		close(src.chunks)
		var body []byte
		for {
			d := rc.readData(1)
			body = append(body, d.Data()...)
			if d.StreamEnded() {
				break
			}
		}
		if string(body) != "hello" {
			t.Fatalf("body %q", body)
		}
		src.waitClosed(t)
	})
	t.Run("RespondAfterReset", func(t *testing.T) {
		reqs := make(chan *Request, 1)
		ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) { reqs <- r }}, false)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		r := <-reqs
		rc.fr.WriteRSTStream(1, http2.ErrCodeCancel)
		<-r.Context().Done()
		src := newSource()
		r.Respond(&Response{Stream: src})
		src.waitClosed(t)
	})
}

// TestStreamedResponseShutdown: Shutdown lets a streaming response finish; one that does not
// end within the drain deadline is cut and its producer closed.
func TestStreamedResponseShutdown(t *testing.T) {
	t.Run("Drains", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, nil)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		_, src := s.next(t)
		src.chunks <- []byte("before")
		rc.readData(1)
		shut := make(chan error, 1)
		go func() { shut <- ts.srv.Shutdown(context.Background()) }()
		rc.readUntil("GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok })
		src.chunks <- []byte("after")
		if d := rc.readData(1); string(d.Data()) != "after" {
			t.Fatalf("DATA %q after GOAWAY", d.Data())
		}
		close(src.chunks)
		if d := rc.readData(1); !d.StreamEnded() {
			t.Fatal("no END_STREAM")
		}
		if err := <-shut; err != nil {
			t.Fatal(err)
		}
		src.waitClosed(t)
	})
	t.Run("Deadline", func(t *testing.T) {
		ts, s := startStreamServer(t, Config{}, nil)
		rc := dialRaw(t, ts.addr)
		rc.request(1, "GET", "/", true)
		_, src := s.next(t)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: %v", err)
		}
		src.waitClosed(t)
	})
}

// BenchmarkStreamedResponse measures a 1 MiB streamed response (16 KiB reads) to net/http's
// client over h2c.
func BenchmarkStreamedResponse(b *testing.B) {
	const size = 1 << 20
	ts := startServer(b, Config{}, &funcHandler{serve: func(r *Request) {
		r.Respond(&Response{Stream: io.NopCloser(io.LimitReader(chunkReader{}, size))})
	}}, false)
	c := ts.client()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		resp, err := c.Get(ts.url("/"))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != size {
			b.Fatalf("got %d bytes", n)
		}
	}
}

// chunkReader returns at most 16 KiB of zeros per Read.
type chunkReader struct{}

func (chunkReader) Read(p []byte) (int, error) {
	n := min(len(p), 16<<10)
	clear(p[:n])
	return n, nil
}

// wholeSource is a Response.Stream that already holds its whole body (Buffered); Read fails
// the test, since the engine must not need it.
type wholeSource struct {
	t      *testing.T
	body   []byte
	closed chan struct{}
}

func (w *wholeSource) Buffered() ([]byte, bool) { return w.body, true }
func (w *wholeSource) Read([]byte) (int, error) {
	w.t.Error("Read on a stream that gave its whole body")
	return 0, io.EOF
}
func (w *wholeSource) Close() error { close(w.closed); return nil } // a second Close panics

// TestStreamedResponseWhole: a stream that holds its whole body at Respond goes out as a body
// does, in DATA frames the last of which ends the stream, but without a content-length; it is
// closed once and never read. A declared content-length it does not match resets the stream.
func TestStreamedResponseWhole(t *testing.T) {
	tests := []struct {
		name, length string
		body         []byte
	}{
		{"Events", "", []byte("data: one\n\ndata: two\n\n")},
		{"Empty", "", nil},
		{"Large", "", makeBody(40000)},
		{"LengthMatches", "5", []byte("whole")},
		{"LengthBroken", "6", []byte("whole")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &wholeSource{t: t, body: tt.body, closed: make(chan struct{})}
			header := http.Header{}
			if tt.length != "" {
				header.Set("Content-Length", tt.length)
			}
			ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) {
				r.Respond(&Response{Header: header, Stream: src})
			}}, false)
			rc := dialRaw(t, ts.addr)
			rc.request(1, "GET", "/", true)
			hf := rc.readUntil("HEADERS", func(f http2.Frame) bool { _, ok := f.(*http2.MetaHeadersFrame); return ok }).(*http2.MetaHeadersFrame)
			for _, f := range hf.RegularFields() {
				if f.Name == "content-length" && f.Value != tt.length {
					t.Fatalf("content-length %s", f.Value)
				}
			}
			if tt.name == "LengthBroken" {
				if code := rc.readRST(1); code != http2.ErrCodeInternal {
					t.Fatalf("reset %v, want INTERNAL_ERROR", code)
				}
			} else {
				var got []byte
				for {
					d := rc.readData(1)
					got = append(got, d.Data()...)
					if d.StreamEnded() {
						break
					}
				}
				if !bytes.Equal(got, tt.body) {
					t.Fatalf("body %q, want %q", got, tt.body)
				}
			}
			select {
			case <-src.closed:
			case <-time.After(10 * time.Second):
				t.Fatal("the engine never closed the stream")
			}
		})
	}
}
