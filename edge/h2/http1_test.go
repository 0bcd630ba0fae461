package h2

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

func TestHTTP1Rejected(t *testing.T) {
	plain := startServer(t, Config{}, &testHandler{}, false)
	secure := startServer(t, Config{}, &testHandler{}, true)
	tests := []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"Plain", func() (net.Conn, error) { return net.Dial("tcp", plain.addr) }},
		{"TLSALPNHTTP1", func() (net.Conn, error) {
			cfg := secure.tls.Clone()
			cfg.NextProtos = []string{"http/1.1"}
			return tls.Dial("tcp", secure.addr, cfg)
		}},
		{"TLSNoALPN", func() (net.Conn, error) {
			cfg := secure.tls.Clone()
			cfg.NextProtos = nil
			return tls.Dial("tcp", secure.addr, cfg)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := tt.dial()
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(nc, "GET / HTTP/1.1\r\nHost: vault.test\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 505 || string(body) != http1Body || !resp.Close {
				t.Fatalf("got %d close=%v %q", resp.StatusCode, resp.Close, body)
			}
		})
	}
}

func TestInvalidPrefaceGoAway(t *testing.T) {
	ts := startServer(t, Config{}, &testHandler{}, false)
	for _, garbage := range []string{"INVALID CONNECTION PREFACE\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", "\x16\x03\x01\x02\x00\x01\n"} {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		rc := &rawClient{t: t, nc: nc, fr: http2.NewFramer(nc, nc)}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(nc, garbage)
		if code := rc.goAwayOrClose(); code != http2.ErrCodeProtocol {
			t.Errorf("%q: got %v, want GOAWAY PROTOCOL_ERROR", garbage, code)
		}
		nc.Close()
	}
	if !strings.Contains(http1Body, "HTTP/2 only") {
		t.Fatal("body text changed")
	}
}
