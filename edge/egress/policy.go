package egress

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/vault-runtime/vault/schemas"
)

// Policy decides which destinations a function may reach. It is
// immutable, so one Policy serves any number of concurrent fetches.
type Policy struct {
	patterns []schemas.EgressPattern
}

// NewPolicy reads a manifest's egress list. An empty list allows nothing.
func NewPolicy(patterns []string) (*Policy, error) {
	p := &Policy{}
	for _, s := range patterns {
		e, err := schemas.ParseEgressPattern(s)
		if err != nil {
			return nil, fmt.Errorf("egress: policy: %w", err)
		}
		p.patterns = append(p.patterns, e)
	}
	return p, nil
}

// checkURL is the allow-list check for a request or a redirect target.
func (p *Policy) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fail(ErrBadRequest, "fetch: only http and https URLs are allowed, not %q", u.Scheme+":")
	}
	if u.User != nil {
		return fail(ErrBadRequest, "fetch: URLs may not hold credentials (%s)", u.Redacted())
	}
	port := uint16(80)
	if u.Scheme == "https" {
		port = 443
	}
	if s := u.Port(); s != "" {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil || n == 0 {
			return fail(ErrBadRequest, "fetch: invalid port %q in %s", s, u.Redacted())
		}
		port = uint16(n)
	}
	return p.checkHost(u.Hostname(), port)
}

// checkHost checks a host as written in a URL (a name or an IP literal)
// and a port against the patterns. For an IP literal it also applies the
// address rules, so the error comes before any dial.
func (p *Policy) checkHost(host string, port uint16) error {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return fail(ErrBadRequest, "fetch: URL has no host")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return fail(ErrDenied, "egress to %s: IPv6 zones are not allowed", host)
		}
		ip = ip.Unmap()
		if !p.matchIP(ip, port) {
			return notListed(host, port)
		}
		return p.checkAddr(host, ip, port)
	}
	if ip, ok := legacyIPv4(host); ok {
		return fail(ErrDenied, "egress to %s: the host is the IPv4 address %s in an unusual notation; it is refused in any notation but %s", host, ip, ip)
	}
	if e, err := schemas.ParseEgressPattern(host); err != nil || e.Host != host || e.Subdomains {
		return fail(ErrBadRequest, "fetch: invalid host %q", host)
	}
	if metadataNames[host] {
		return fail(ErrDenied, "egress to %s: cloud metadata endpoints are never reachable", host)
	}
	if !p.matchName(host, port) {
		return notListed(host, port)
	}
	return nil
}

func notListed(host string, port uint16) error {
	return fail(ErrDenied, "egress to %s is not in the function's allow-list", hostPort(host, port))
}

// hostPort names a destination in messages; the port is left out for the
// common cases so that the message reads like the URL.
func hostPort(host string, port uint16) string {
	if port == 80 || port == 443 {
		return host
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(int(port))
}

func portOK(e schemas.EgressPattern, port uint16) bool { return e.Port == 0 || e.Port == port }

func (p *Policy) matchName(host string, port uint16) bool {
	for _, e := range p.patterns {
		if e.Host == "" || !portOK(e, port) {
			continue
		}
		if e.Subdomains && strings.HasSuffix(host, "."+e.Host) || !e.Subdomains && host == e.Host {
			return true
		}
	}
	return false
}

func (p *Policy) matchIP(ip netip.Addr, port uint16) bool {
	for _, e := range p.patterns {
		if e.Host == "" && portOK(e, port) && e.Prefix.Contains(ip) {
			return true
		}
	}
	return false
}

// checkAddr applies the address rules to ip, one address that host
// resolved to: a special address needs a grant, which is an IP or CIDR
// pattern containing it or, for loopback, a localhost pattern.
func (p *Policy) checkAddr(host string, ip netip.Addr, port uint16) error {
	ip = ip.Unmap()
	what := specialAddr(ip)
	if what == "" || p.matchIP(ip, port) {
		return nil
	}
	if ip.IsLoopback() {
		for _, e := range p.patterns {
			if isLocalhost(e.Host) && portOK(e, port) {
				return nil
			}
		}
	}
	if literal, err := netip.ParseAddr(host); err == nil && literal.Unmap() == ip {
		return fail(ErrDenied, "egress to %s: %s is %s; list the address in egress to allow it", hostPort(host, port), ip, what)
	}
	return fail(ErrDenied, "egress to %s: it resolves to %s, which is %s; list the address in egress to allow it", hostPort(host, port), ip, what)
}

// isLocalhost reports whether name is localhost or under it: such names
// always mean loopback (RFC 6761) and are never sent to DNS.
func isLocalhost(name string) bool {
	return name == "localhost" || strings.HasSuffix(name, ".localhost")
}
