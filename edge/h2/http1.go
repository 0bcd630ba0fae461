package h2

import (
	"bytes"
	"io"
	"strconv"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
)

// Vault speaks HTTP/2 only. A plain connection that starts with an HTTP/1.x request line, or a
// TLS connection that did not negotiate "h2", gets a 505 telling how to connect; anything else
// that is not the client preface is a connection error (RFC 9113 §3.4).

const http1Body = "Vault serves HTTP/2 only: use h2c with prior knowledge (curl --http2-prior-knowledge) or TLS with ALPN h2.\n"

var http1Reply = []byte("HTTP/1.1 505 HTTP Version Not Supported\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: " + strconv.Itoa(len(http1Body)) + "\r\n" +
	"Connection: close\r\n\r\n" + http1Body)

// readPreface consumes the client preface, reading only as far as it matches so that an
// HTTP/1 request or garbage is recognised without waiting for 24 bytes.
func (c *conn) readPreface() bool {
	for n := 1; ; n++ {
		b, err := c.br.Peek(min(max(n, c.br.Buffered()), len(clientPreface)))
		if len(b) > 0 && string(b) != clientPreface[:len(b)] {
			c.rejectPreface()
			return false
		}
		if err != nil {
			return false
		}
		if len(b) == len(clientPreface) {
			c.br.Discard(len(b))
			return true
		}
		n = len(b)
	}
}

// rejectPreface answers a connection that did not start with the preface.
func (c *conn) rejectPreface() {
	line, err := c.br.ReadSlice('\n')
	if err == nil && isHTTP1RequestLine(line) {
		c.replyHTTP1()
		return
	}
	c.srv.stats.protocolErrors.Add(1)
	c.log.Debug("h2: invalid preface", "remote", c.remote)
	var b []byte
	b = appendSettings(b)
	b = appendGoAway(b, 0, http2.ErrCodeProtocol)
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.ReadHeaderTimeout))
	c.rw.Write(b)
	c.lingerClose()
}

// isHTTP1RequestLine reports whether line is "METHOD SP target SP HTTP/1.x CRLF".
func isHTTP1RequestLine(line []byte) bool {
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return false
	}
	for _, b := range line[:sp] {
		if !httpguts.IsTokenRune(rune(b)) {
			return false
		}
	}
	rest := line[sp+1:]
	sp = bytes.LastIndexByte(rest, ' ')
	if sp <= 0 {
		return false
	}
	v := string(rest[sp+1:])
	return v == "HTTP/1.0" || v == "HTTP/1.1"
}

// replyHTTP1 reads the rest of an HTTP/1 request head (bounded by ReadHeaderTimeout and the
// reader's buffer) and answers 505.
func (c *conn) replyHTTP1() {
	c.srv.stats.http1Rejected.Add(1)
	c.nc.SetReadDeadline(time.Now().Add(c.cfg.ReadHeaderTimeout))
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil || len(bytes.TrimSpace(line)) == 0 {
			break
		}
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.ReadHeaderTimeout))
	c.rw.Write(http1Reply)
	c.lingerClose()
}

// lingerClose half-closes and drains briefly, so that unread input does not make the kernel
// reset the connection before the peer reads our last bytes.
func (c *conn) lingerClose() {
	if cw, ok := c.rw.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(time.Second))
	io.CopyN(io.Discard, c.br, 256<<10)
}
