package edge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vault-runtime/vault/edge/h2"
)

// proxied is one request on its way to a container: the edge's router,
// shield and limits have passed it; the container answers over HTTP/1.1
// on the node's bridge, and its answer streams back to the client.
type proxied struct {
	s     *Server
	r     *h2.Request
	id    string
	up    *upstream
	start time.Time
}

// maxBufferedAnswer is the largest container answer of known length read
// whole before it is sent; longer or open-ended ones stream.
const maxBufferedAnswer = 64 << 10

// hopByHop are the fields of one connection, not forwarded (RFC 9110
// §7.6.1).
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (p *proxied) run() {
	r, up := p.r, p.up
	scheme := "http"
	if r.TLS {
		scheme = "https"
	}
	var body io.Reader = http.NoBody
	length := int64(0)
	switch {
	case r.BodyStream != nil:
		body, length = r.BodyStream, -1
		if n, err := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
			length = n
		}
	case len(r.Body) > 0:
		body, length = bytes.NewReader(r.Body), int64(len(r.Body))
	}
	ctx, cancel := context.WithCancel(r.Context())
	req, err := http.NewRequestWithContext(ctx, r.Method, "http://"+up.in.Addr.String()+r.Path, body)
	if err != nil {
		cancel()
		p.fail(http.StatusBadRequest, "the request cannot be forwarded", err)
		return
	}
	req.ContentLength = length
	req.Host = r.Authority
	req.Header = r.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for _, k := range hopByHop {
		req.Header.Del(k)
	}
	req.Header.Del("Content-Length")
	req.Header.Set("X-Forwarded-For", r.RemoteAddr.Addr().String())
	req.Header.Set("X-Forwarded-Proto", scheme)
	req.Header.Set("X-Forwarded-Host", r.Authority)
	req.Header.Set("X-Request-Id", p.id)
	resp, err := up.transport.RoundTrip(req)
	if err != nil {
		cancel()
		if r.BodyStream != nil {
			_ = r.BodyStream.Close()
		}
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		p.fail(status, "the container did not answer", err)
		return
	}
	header := resp.Header
	for _, k := range hopByHop {
		header.Del(k)
	}
	header["X-Request-Id"] = []string{p.id}
	if resp.ContentLength >= 0 && resp.ContentLength <= maxBufferedAnswer {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if r.BodyStream != nil {
			_ = r.BodyStream.Close()
		}
		if err != nil {
			p.fail(http.StatusBadGateway, "the container's answer broke off", err)
			return
		}
		p.answer(&h2.Response{Status: resp.StatusCode, Header: header, Body: b})
		return
	}
	if resp.ContentLength < 0 {
		header.Del("Content-Length")
	}
	r.Respond(&h2.Response{Status: resp.StatusCode, Header: header, Stream: &proxiedBody{p: p, body: resp.Body, cancel: cancel, status: resp.StatusCode}})
}

// answer sends a whole answer and counts it.
func (p *proxied) answer(out *h2.Response) {
	p.r.Respond(out)
	p.s.metrics.Request(p.up.handles, out.Status, time.Since(p.start))
}

// fail answers a request the container did not, naming the request.
func (p *proxied) fail(status int, what string, err error) {
	p.s.log.Warn("proxied request failed", "fn", p.up.fn, "version", p.up.version, "container", p.up.in.ID,
		"request", p.id, "status", status, "err", err)
	resp := textResponse(status, p.id, what)
	if status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
		resp.Header.Set("Retry-After", "1")
	}
	p.answer(resp)
}

// proxiedBody is a container's answer as the engine reads it; the
// request ends (counted, its body and connection released) when the
// engine closes it.
type proxiedBody struct {
	p      *proxied
	body   io.ReadCloser
	cancel context.CancelFunc
	status int
	once   sync.Once
}

func (b *proxiedBody) Read(buf []byte) (int, error) { return b.body.Read(buf) }

func (b *proxiedBody) Close() error {
	err := b.body.Close()
	b.once.Do(func() {
		b.cancel()
		if b.p.r.BodyStream != nil {
			_ = b.p.r.BodyStream.Close()
		}
		b.p.s.metrics.Request(b.p.up.handles, b.status, time.Since(b.p.start))
	})
	return err
}
