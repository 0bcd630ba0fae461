package h2

import (
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

func TestTimeouts(t *testing.T) {
	cfg := Config{ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	tests := []struct {
		name   string
		act    func(t *testing.T, addr string) net.Conn
		goAway bool
	}{
		{"ErrNoPreface", func(t *testing.T, addr string) net.Conn {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			return nc
		}, false},
		{"ErrHeaderBlockIncomplete", func(t *testing.T, addr string) net.Conn {
			rc := dialRaw(t, addr)
			rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: rc.headerBlock("GET", "/")})
			return rc.nc
		}, false},
		{"Idle", func(t *testing.T, addr string) net.Conn {
			rc := dialRaw(t, addr)
			rc.request(1, "GET", "/", true)
			return rc.nc
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, cfg, &testHandler{}, false)
			nc := tt.act(t, ts.addr)
			defer nc.Close()
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			fr := http2.NewFramer(io.Discard, nc)
			sawGoAway := false
			for {
				f, err := fr.ReadFrame()
				if err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Fatal("connection not closed")
					}
					break
				}
				if ga, ok := f.(*http2.GoAwayFrame); ok && ga.ErrCode == http2.ErrCodeNo {
					sawGoAway = true
				}
			}
			if sawGoAway != tt.goAway {
				t.Fatalf("GOAWAY NO_ERROR seen: %v, want %v", sawGoAway, tt.goAway)
			}
		})
	}
}
