package h2

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

func TestConcurrentStreams(t *testing.T) {
	ts := startServer(t, Config{}, &testHandler{}, false)
	c := ts.client()
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/"
			if i%3 == 0 {
				path = fmt.Sprintf("/slow?ms=%d", 5+i%20)
			}
			resp, err := c.Get(ts.url(path))
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(b) == 0 {
				errs <- fmt.Errorf("%s: %d %q", path, resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBodyTooLargeStreamed(t *testing.T) {
	ts := startServer(t, Config{}, &testHandler{maxBody: 1000}, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "POST", "/echo", false)
	rc.fr.WriteData(1, false, make([]byte, 600))
	rc.fr.WriteData(1, false, make([]byte, 600))
	if got := rc.status(1); got != "413" {
		t.Fatalf("status %s, want 413", got)
	}
	rc.readUntil("RST_STREAM NO_ERROR", func(f http2.Frame) bool {
		rst, ok := f.(*http2.RSTStreamFrame)
		return ok && rst.StreamID == 1 && rst.ErrCode == http2.ErrCodeNo
	})
	// Late DATA on the answered stream is dropped and the connection keeps working.
	rc.fr.WriteData(1, true, make([]byte, 600))
	rc.request(3, "GET", "/", true)
	if got := rc.status(3); got != "200" {
		t.Fatalf("next request: %s", got)
	}
}

// TestResponseFlowControl: a response larger than the client's stream window waits for
// WINDOW_UPDATE, and Respond does not block meanwhile.
func TestResponseFlowControl(t *testing.T) {
	ts := startServer(t, Config{}, &testHandler{}, false)
	rc := dialRaw(t, ts.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1000})
	rc.request(1, "GET", "/big?n=5000", true)
	if got := rc.status(1); got != "200" {
		t.Fatalf("status %s", got)
	}
	got := 0
	for got < 1000 {
		f := rc.readUntil("DATA", func(f http2.Frame) bool { _, ok := f.(*http2.DataFrame); return ok })
		got += len(f.(*http2.DataFrame).Data())
	}
	if got != 1000 {
		t.Fatalf("got %d bytes within a window of 1000", got)
	}
	// Nothing more until the window opens: prove it with a PING round trip.
	rc.fr.WritePing(false, [8]byte{1})
	rc.readUntil("PING ack", func(f http2.Frame) bool {
		if d, ok := f.(*http2.DataFrame); ok {
			t.Fatalf("DATA (%d bytes) beyond the window", len(d.Data()))
		}
		p, ok := f.(*http2.PingFrame)
		return ok && p.IsAck()
	})
	rc.fr.WriteWindowUpdate(1, 4000)
	for {
		f := rc.readUntil("DATA", func(f http2.Frame) bool { _, ok := f.(*http2.DataFrame); return ok })
		got += len(f.(*http2.DataFrame).Data())
		if f.(*http2.DataFrame).StreamEnded() {
			break
		}
	}
	if got != 5000 {
		t.Fatalf("got %d bytes, want 5000", got)
	}
}

func TestContextCanceled(t *testing.T) {
	tests := []struct {
		name  string
		abort func(rc *rawClient)
	}{
		{"ClientReset", func(rc *rawClient) { rc.fr.WriteRSTStream(1, http2.ErrCodeCancel) }},
		{"ConnClosed", func(rc *rawClient) { rc.nc.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &testHandler{canceled: make(chan string, 1), served: make(chan string, 1)}
			ts := startServer(t, Config{}, h, false)
			rc := dialRaw(t, ts.addr)
			rc.request(1, "GET", "/ctx", true)
			<-h.served
			tt.abort(rc)
			select {
			case <-h.canceled:
			case <-time.After(10 * time.Second):
				t.Fatal("context not canceled")
			}
		})
	}
}

func TestContextAfterFunc(t *testing.T) {
	got := make(chan *Request, 1)
	ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) { got <- r }}, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "GET", "/", true)
	req := <-got
	ctx, cancel := context.WithTimeout(req.Context(), time.Minute)
	defer cancel()
	rc.fr.WriteRSTStream(1, http2.ErrCodeCancel)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("derived context not canceled")
	}
	if req.Context().Err() != context.Canceled {
		t.Fatalf("Err = %v", req.Context().Err())
	}
	req.Respond(&Response{}) // a no-op now
}

type funcHandler struct{ serve func(*Request) }

func (h *funcHandler) Route(*Request) (int64, *Response) { return 1 << 20, nil }
func (h *funcHandler) Serve(r *Request)                  { h.serve(r) }

func TestShutdownDrains(t *testing.T) {
	h := &testHandler{served: make(chan string, 1)}
	ts := startServer(t, Config{}, h, false)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "GET", "/slow?ms=300", true)
	<-h.served
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	ga := rc.readUntil("GOAWAY", func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }).(*http2.GoAwayFrame)
	if ga.LastStreamID != 1 || ga.ErrCode != http2.ErrCodeNo {
		t.Fatalf("GOAWAY last=%d code=%v", ga.LastStreamID, ga.ErrCode)
	}
	rc.request(3, "GET", "/", true)
	var body bytes.Buffer
	refused, status := false, ""
	for !refused || status == "" || body.Len() == 0 {
		f, err := rc.fr.ReadFrame()
		if err != nil {
			t.Fatalf("refused=%v status=%q body=%q: %v", refused, status, body.String(), err)
		}
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			if f.StreamID == 3 && f.ErrCode == http2.ErrCodeRefusedStream {
				refused = true
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == 1 {
				status = f.PseudoValue("status")
			}
		case *http2.DataFrame:
			body.Write(f.Data())
		}
	}
	if status != "200" || body.String() != "slow" {
		t.Fatalf("drained response: %s %q", status, body.String())
	}
	if _, err := rc.fr.ReadFrame(); err == nil {
		t.Fatal("connection not closed after the last stream")
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + ts.addr); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
}

// TestShutdownBeforePreface: a connection accepted but still before its
// preface when Shutdown comes is not dropped (Go's client gives up for good
// on a connection that never became established); it gets SETTINGS and a
// GOAWAY naming no stream, so its first request is refused and retried
// elsewhere, and then it closes.
func TestShutdownBeforePreface(t *testing.T) {
	h := &testHandler{served: make(chan string, 1)}
	ts := startServer(t, Config{}, h, false)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := waitConn(t, ts.srv)
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	goingAway := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.goingAway
	}
	if !eventually(10*time.Second, goingAway) {
		t.Fatal("Shutdown never reached the connection")
	}
	rc := newRaw(t, nc)
	if err := rc.request(1, "GET", "/", true); err != nil {
		t.Fatal(err)
	}
	var settings bool
	var ga *http2.GoAwayFrame
	for {
		f, err := rc.fr.ReadFrame()
		if err != nil {
			break // closed
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			settings = settings || !f.IsAck()
		case *http2.GoAwayFrame:
			ga = f
		case *http2.MetaHeadersFrame:
			t.Fatalf("stream %d answered during shutdown", f.StreamID)
		}
	}
	if !settings || ga == nil || ga.LastStreamID != 0 || ga.ErrCode != http2.ErrCodeNo {
		t.Fatalf("settings=%v goaway=%+v; want SETTINGS, then GOAWAY NO_ERROR naming stream 0", settings, ga)
	}
	select {
	case p := <-h.served:
		t.Fatalf("the handler served %s after GOAWAY", p)
	default:
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}

// waitConn waits for the server to have exactly one connection and
// returns it.
func waitConn(t *testing.T, s *Server) *conn {
	t.Helper()
	var c *conn
	registered := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for c = range s.conns {
			return true
		}
		return false
	}
	if !eventually(10*time.Second, registered) {
		t.Fatal("the server never registered the connection")
	}
	return c
}

func TestCancelOnReset(t *testing.T) {
	tests := []struct {
		name  string
		abort func(rc *rawClient)
		late  bool // register only once the request's context is canceled
	}{
		{"ClientReset", func(rc *rawClient) { rc.fr.WriteRSTStream(1, http2.ErrCodeCancel) }, false},
		{"ConnClosed", func(rc *rawClient) { rc.nc.Close() }, false},
		{"AlreadyReset", func(rc *rawClient) { rc.fr.WriteRSTStream(1, http2.ErrCodeCancel) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan *Request, 1)
			ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) { got <- r }}, false)
			rc := dialRaw(t, ts.addr)
			rc.request(1, "GET", "/", true)
			req := <-got
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			if !tt.late {
				req.CancelOnReset(cancel)
			}
			tt.abort(rc)
			if tt.late {
				<-req.Context().Done()
				req.CancelOnReset(cancel)
			}
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("context not canceled")
			}
			if err := context.Cause(ctx); err != context.Canceled {
				t.Fatalf("Cause = %v, want context.Canceled", err)
			}
		})
	}
}

// routeCancelHandler arms OnReset in Route with a context of its own per
// request, as the edge does, and hands Serve's requests and contexts on.
type routeCancelHandler struct {
	served chan routeCancel
}

type routeCancel struct {
	r   *Request
	ctx context.Context
}

func (h *routeCancelHandler) Route(r *Request) (int64, *Response) {
	ctx, cancel := context.WithCancelCause(context.Background())
	r.OnReset = cancel
	r.Value = ctx
	return 1 << 20, nil
}

func (h *routeCancelHandler) Serve(r *Request) {
	h.served <- routeCancel{r, r.Value.(context.Context)}
}

// A context armed by Route through OnReset follows its stream as one given
// to CancelOnReset does, also for a request served before its body is
// complete; a stream that ends with its response leaves it alone.
func TestOnResetArmedByRoute(t *testing.T) {
	tests := []struct {
		name  string
		end   bool // the request's headers end the stream
		abort func(rc *rawClient)
	}{
		{"ClientReset", true, func(rc *rawClient) { rc.fr.WriteRSTStream(1, http2.ErrCodeCancel) }},
		{"ConnClosed", true, func(rc *rawClient) { rc.nc.Close() }},
		{"ClientResetWhileBodyStreams", false, func(rc *rawClient) { rc.fr.WriteRSTStream(1, http2.ErrCodeCancel) }},
		{"Answered", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &routeCancelHandler{served: make(chan routeCancel, 1)}
			ts := startServer(t, Config{}, h, false)
			rc := dialRaw(t, ts.addr)
			if err := rc.request(1, "POST", "/", tt.end); err != nil {
				t.Fatal(err)
			}
			got := <-h.served
			if tt.abort == nil {
				got.r.Respond(&Response{Status: 204})
				if st := rc.status(1); st != "204" {
					t.Fatalf("status %s", st)
				}
				// The engine lets go of the stream once the response is out.
				if !eventually(10*time.Second, func() bool { return ts.srv.Stats().OpenStreams == 0 }) {
					t.Fatal("the stream never closed")
				}
				if err := got.ctx.Err(); err != nil {
					t.Fatalf("an answered request's context ended: %v", err)
				}
				return
			}
			tt.abort(rc)
			select {
			case <-got.ctx.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("context not canceled")
			}
			if err := context.Cause(got.ctx); err != context.Canceled {
				t.Fatalf("Cause = %v, want context.Canceled", err)
			}
		})
	}
}
