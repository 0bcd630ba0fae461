package h2

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// serveConn serves one already-connected conn (for net.Pipe).
func (s *Server) serveConn(nc net.Conn) {
	c := s.newConn(nc)
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.stats.conns.Add(1)
	s.stats.openConns.Add(1)
	c.serve(nil)
}

// seedFrames builds a few valid frame sequences for the fuzzer to start from.
func seedFrames() [][]byte {
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "a"}, {Name: ":path", Value: "/echo"}, {Name: "content-length", Value: "3"}} {
		enc.WriteField(f)
	}
	block := hb.Bytes()
	frames := func(write func(fr *http2.Framer)) []byte {
		var b bytes.Buffer
		write(http2.NewFramer(&b, nil))
		return b.Bytes()
	}
	return [][]byte{
		frames(func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block, EndHeaders: true})
			fr.WriteData(1, true, []byte("abc"))
		}),
		frames(func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:3]})
			fr.WriteContinuation(1, true, block[3:])
			fr.WriteDataPadded(1, true, []byte("abc"), []byte{0, 0})
		}),
		frames(func(fr *http2.Framer) {
			fr.WritePing(false, [8]byte{1, 2})
			fr.WriteWindowUpdate(0, 1000)
			fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
			fr.WritePriority(3, http2.PriorityParam{StreamDep: 1, Weight: 7})
			fr.WriteRSTStream(1, http2.ErrCodeCancel)
			fr.WriteGoAway(0, http2.ErrCodeNo, nil)
		}),
		[]byte("\x00\x00\x00\x09\x00\x00\x00\x00\x00"), // unknown frame type
	}
}

// FuzzServeConn feeds arbitrary bytes after the preface and SETTINGS into a server
// connection. The server must not panic, must answer (at least its SETTINGS), and must end the
// connection's goroutines once the client goes away, with no request body left counted in its
// buffers.
func FuzzServeConn(f *testing.F) {
	for _, s := range seedFrames() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := NewServer(Config{ReadHeaderTimeout: time.Second}, &testHandler{}, nil)
		cli, sc := net.Pipe()
		done := make(chan struct{})
		go func() {
			srv.serveConn(sc)
			close(done)
		}()
		// wrote says whether the server's first write came before the
		// connection ended; the rest of what it writes is drained.
		wrote := make(chan bool, 1)
		go func() {
			n, _ := cli.Read(make([]byte, 1))
			wrote <- n > 0
			io.Copy(io.Discard, cli)
		}()
		cli.SetWriteDeadline(time.Now().Add(time.Second))
		var pre bytes.Buffer
		pre.WriteString(http2.ClientPreface)
		http2.NewFramer(&pre, nil).WriteSettings()
		cli.Write(pre.Bytes())
		cli.Write(data)
		// Write returned once the server had read data or closed the
		// connection (net.Pipe is unbuffered); once it has answered, at
		// least with its SETTINGS, go away.
		select {
		case ok := <-wrote:
			if !ok {
				t.Fatal("server wrote nothing")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("server wrote nothing within 5 s")
		}
		cli.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("server connection did not end")
		}
		if s := srv.Stats(); s.OpenConns != 0 || s.OpenStreams != 0 || s.BodyBuffered != 0 {
			t.Fatalf("after close: %+v", s)
		}
	})
}
