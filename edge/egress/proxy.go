package egress

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Proxy is the way out for containers: an HTTP proxy (CONNECT for any TCP
// stream, such as TLS, and absolute-URI requests for plain HTTP) that
// dials only what the calling container's allow-list grants, with the
// same Policy, address rules and connect-time check as functions' fetch.
// It knows a container by its source address; an address it was not told
// about gets nothing. Containers have no other route out.
type Proxy struct {
	log *slog.Logger

	mu      sync.Mutex
	clients map[netip.Addr]*Client
}

// NewProxy returns a proxy that allows nothing until Allow.
func NewProxy(log *slog.Logger) *Proxy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Proxy{log: log, clients: map[netip.Addr]*Client{}}
}

// Allow lets the container at addr reach what c's policy grants.
func (p *Proxy) Allow(addr netip.Addr, c *Client) {
	p.mu.Lock()
	p.clients[addr] = c
	p.mu.Unlock()
}

// Forget drops addr's grant.
func (p *Proxy) Forget(addr netip.Addr) {
	p.mu.Lock()
	delete(p.clients, addr)
	p.mu.Unlock()
}

func (p *Proxy) client(remote string) *Client {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clients[ap.Addr().Unmap()]
}

// Serve answers proxy requests on l until it is closed.
func (p *Proxy) Serve(l net.Listener) error {
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
	err := srv.Serve(l)
	if errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// maxTunnel bounds a CONNECT tunnel's life.
const maxTunnel = time.Hour

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := p.client(r.RemoteAddr)
	if c == nil {
		http.Error(w, "egress: this address has no egress grant", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodConnect {
		p.tunnel(w, r, c)
		return
	}
	if r.URL.Host == "" || r.URL.Scheme != "http" {
		http.Error(w, "egress: want CONNECT host:port, or an absolute http:// URL", http.StatusBadRequest)
		return
	}
	if err := c.policy.checkURL(r.URL); err != nil {
		p.deny(w, r, err)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	removeHopByHop(out.Header)
	out.Header.Del("Proxy-Authorization")
	resp, err := c.transport.RoundTrip(out)
	if err != nil {
		p.deny(w, r, err)
		return
	}
	defer resp.Body.Close()
	removeHopByHop(resp.Header)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// tunnel connects the container to host:port, if allowed, and copies
// both ways.
func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request, c *Client) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	upstream, err := c.Dial(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		p.deny(w, r, err)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "egress: cannot tunnel", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	deadline := time.Now().Add(maxTunnel)
	conn.SetDeadline(deadline)
	upstream.SetDeadline(deadline)
	done := make(chan struct{}, 2)
	go func() { copyBuffered(upstream, buf.Reader); done <- struct{}{} }()
	go func() { io.Copy(conn, upstream); done <- struct{}{} }()
	<-done
	conn.Close()
	upstream.Close()
	<-done
}

// copyBuffered copies what the client sent, including bytes already
// buffered with the CONNECT request.
func copyBuffered(dst io.Writer, src *bufio.Reader) {
	io.Copy(dst, src)
}

func (p *Proxy) deny(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadGateway
	var e *Error
	if errors.As(err, &e) && (errors.Is(err, ErrDenied) || errors.Is(err, ErrBadRequest)) {
		status = http.StatusForbidden
	}
	p.log.Warn("container egress refused", "from", r.RemoteAddr, "to", r.Host, "status", status, "err", err)
	http.Error(w, strings.TrimSpace(err.Error()), status)
}
