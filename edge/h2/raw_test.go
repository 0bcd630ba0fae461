package h2

import (
	"bytes"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawClient speaks HTTP/2 frame by frame, for tests of misbehaviour.
type rawClient struct {
	t    testing.TB
	nc   net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	henc *hpack.Encoder
	hdec *hpack.Decoder
}

func dialRaw(t testing.TB, addr string, settings ...http2.Setting) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return newRaw(t, nc, settings...)
}

func newRaw(t testing.TB, nc net.Conn, settings ...http2.Setting) *rawClient {
	rc := &rawClient{t: t, nc: nc, fr: http2.NewFramer(nc, nc)}
	rc.henc = hpack.NewEncoder(&rc.hbuf)
	rc.hdec = hpack.NewDecoder(4096, nil)
	rc.fr.ReadMetaHeaders = rc.hdec
	rc.fr.SetMaxReadFrameSize(1 << 24)
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := nc.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	if err := rc.fr.WriteSettings(settings...); err != nil {
		t.Fatal(err)
	}
	return rc
}

// headerBlock encodes a request header block; extra are name, value pairs.
func (rc *rawClient) headerBlock(method, path string, extra ...string) []byte {
	rc.hbuf.Reset()
	rc.henc.WriteField(hpack.HeaderField{Name: ":method", Value: method})
	rc.henc.WriteField(hpack.HeaderField{Name: ":scheme", Value: "http"})
	rc.henc.WriteField(hpack.HeaderField{Name: ":authority", Value: "vault.test"})
	rc.henc.WriteField(hpack.HeaderField{Name: ":path", Value: path})
	for i := 0; i+1 < len(extra); i += 2 {
		rc.henc.WriteField(hpack.HeaderField{Name: extra[i], Value: extra[i+1]})
	}
	return bytes.Clone(rc.hbuf.Bytes())
}

func (rc *rawClient) request(id uint32, method, path string, end bool, extra ...string) error {
	return rc.fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID: id, BlockFragment: rc.headerBlock(method, path, extra...), EndStream: end, EndHeaders: true,
	})
}

// readUntil reads frames until pred returns true; it fails on timeout or EOF.
func (rc *rawClient) readUntil(what string, pred func(http2.Frame) bool) http2.Frame {
	rc.t.Helper()
	for {
		f, err := rc.fr.ReadFrame()
		if err != nil {
			rc.t.Fatalf("waiting for %s: %v", what, err)
		}
		if pred(f) {
			return f
		}
	}
}

// status waits for the response HEADERS on stream id and returns its :status.
func (rc *rawClient) status(id uint32) string {
	rc.t.Helper()
	f := rc.readUntil("response headers", func(f http2.Frame) bool {
		if f.Header().StreamID != id {
			return false
		}
		if rst, ok := f.(*http2.RSTStreamFrame); ok {
			rc.t.Fatalf("stream %d reset: %v", id, rst.ErrCode)
		}
		_, ok := f.(*http2.MetaHeadersFrame)
		return ok
	})
	return f.(*http2.MetaHeadersFrame).PseudoValue("status")
}

// goAwayOrClose reads until GOAWAY (returning its code) or the connection ends (returning
// -1).
func (rc *rawClient) goAwayOrClose() http2.ErrCode {
	rc.t.Helper()
	for {
		f, err := rc.fr.ReadFrame()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				rc.t.Fatal("timeout waiting for GOAWAY or close")
			}
			return ^http2.ErrCode(0)
		}
		if ga, ok := f.(*http2.GoAwayFrame); ok {
			return ga.ErrCode
		}
	}
}

func TestHeaderListTooLarge(t *testing.T) {
	ts := startServer(t, Config{}, &testHandler{}, false)
	tests := []struct {
		name  string
		extra []string
	}{
		{"ErrListTooLarge", []string{"x-a", string(makeBody(9000)), "x-b", string(makeBody(9000))}},
		{"ErrTooManyFields", func() []string {
			var kv []string
			for i := range 120 {
				kv = append(kv, "x-f", string(rune('a'+i%26)))
			}
			return kv
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := dialRaw(t, ts.addr)
			if err := rc.request(1, "GET", "/", true, tt.extra...); err != nil {
				t.Fatal(err)
			}
			if got := rc.status(1); got != "431" {
				t.Fatalf("status %s, want 431", got)
			}
			// The connection stays usable.
			rc.request(3, "GET", "/", true)
			if got := rc.status(3); got != "200" {
				t.Fatalf("next request: status %s", got)
			}
		})
	}
}
