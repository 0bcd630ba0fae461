package egress

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Client makes the fetches of one function version. All its sessions
// share one transport, so connections to a host are reused across
// invocations; the transport dials only addresses the Policy allows.
type Client struct {
	policy    *Policy
	log       *slog.Logger
	transport *http.Transport
	dialer    net.Dialer
	// lookup resolves a DNS name; tests replace it so that no test
	// depends on DNS or /etc/hosts.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// NewClient returns a Client that enforces p (nil allows nothing). log
// should carry the function's attributes ("fn", "version"); nil discards.
func NewClient(p *Policy, log *slog.Logger) *Client {
	if p == nil {
		p = &Policy{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{policy: p, log: log}
	c.dialer = net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: c.control}
	resolver := &net.Resolver{}
	c.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		return resolver.LookupNetIP(ctx, "ip", host)
	}
	c.transport = &http.Transport{
		Proxy:                  nil, // never HTTP_PROXY: see the package comment
		DialContext:            c.dial,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 256 << 10,
	}
	return c
}

// Close drops the idle connections, for when the version is retired.
// Sessions still running keep working.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// dial connects to addr ("host:port" from the request URL) by resolving
// host here, checking every address, and dialing the checked addresses
// themselves, so a DNS answer that changes after the check is never used.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("egress: dial %s: %w", addr, err)
	}
	n, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("egress: dial %s: bad port", addr)
	}
	port := uint16(n)
	// The request was checked already; checking again here keeps the
	// transport from ever dialing a host that bypassed that check.
	if err := c.policy.checkHost(host, port); err != nil {
		return nil, err
	}
	ips, err := c.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if err := c.policy.checkAddr(host, ip, port); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, ip := range ips {
		conn, err := c.dialer.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), port).String())
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// loopback is what localhost means, without asking DNS or /etc/hosts.
var loopback = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}

func (c *Client) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	if isLocalhost(host) {
		return loopback, nil
	}
	ips, err := c.lookup(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("egress: resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("egress: resolve %s: no addresses", host)
	}
	return ips, nil
}

// control runs just before connect(2) with the socket address: the last
// word on which addresses are reachable, whatever path led here.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fail(ErrDenied, "egress to %s: not an IP address at connect time", address)
	}
	return c.policy.checkAddr(ap.Addr().String(), ap.Addr(), ap.Port())
}

// Dial connects to addr ("host:port") as the client's fetches do: only to
// addresses the Policy allows, checked again at connect time. The
// containers' egress proxy dials with it.
func (c *Client) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return c.dial(ctx, network, addr)
}
