package schemas

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// EgressPattern is one entry of a manifest's egress list: a destination
// that the function's fetch calls may reach. It is either a DNS name
// (Host, perhaps with Subdomains) or an IP address or CIDR block (Prefix),
// optionally restricted to one Port.
type EgressPattern struct {
	// Host is a lower-case DNS name without a trailing dot; "" for an IP
	// pattern.
	Host string
	// Subdomains means the pattern was "*.Host": any name under Host, at
	// any depth, but not Host itself.
	Subdomains bool
	// Prefix is the address (a full-length prefix) or CIDR block of an IP
	// pattern. IPv4-mapped IPv6 forms are stored as IPv4.
	Prefix netip.Prefix
	// Port is the only port the pattern allows; 0 allows any.
	Port uint16
}

// String gives the canonical spelling, which ParseEgressPattern reads back.
func (e EgressPattern) String() string {
	var host string
	switch {
	case e.Host != "" && e.Subdomains:
		host = "*." + e.Host
	case e.Host != "":
		host = e.Host
	case e.Prefix.IsSingleIP() && e.Prefix.Addr().Is6():
		host = "[" + e.Prefix.Addr().String() + "]"
	case e.Prefix.IsSingleIP():
		host = e.Prefix.Addr().String()
	default:
		host = e.Prefix.String()
	}
	if e.Port != 0 {
		return host + ":" + strconv.Itoa(int(e.Port))
	}
	return host
}

// ParseEgressPattern reads "host[:port]", "*.domain[:port]", an IPv4
// address, a bracketed IPv6 address (with an optional port), or a CIDR
// block. Names that end in a numeric label ("2130706433", "0177.0.0.1")
// are refused: resolvers read them as IPv4 addresses in odd notations, so
// they would not mean what they seem to.
func ParseEgressPattern(s string) (EgressPattern, error) {
	bad := func(format string, args ...any) (EgressPattern, error) {
		return EgressPattern{}, fmt.Errorf("egress pattern %q: "+format, append([]any{s}, args...)...)
	}
	switch {
	case strings.Contains(s, "://"):
		return bad("write the host only, without a scheme")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }),
		strings.ContainsAny(s, "@?#\\%"):
		return bad("may not contain spaces, control characters, @, ?, #, %% or \\")
	case strings.Contains(s, "/"):
		pfx, err := netip.ParsePrefix(s)
		if err != nil || pfx.Addr().Zone() != "" {
			return bad("not a CIDR block such as 10.1.0.0/16 (paths are not allowed)")
		}
		if pfx != pfx.Masked() {
			return bad("bits are set after the /%d; did you mean %s?", pfx.Bits(), pfx.Masked())
		}
		if pfx.Addr().Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
		}
		return EgressPattern{Prefix: pfx}, nil
	}

	host, port, bracketed := s, "", false
	if rest, ok := strings.CutPrefix(s, "["); ok {
		i := strings.IndexByte(rest, ']')
		if i < 0 {
			return bad("missing ]")
		}
		host, rest, bracketed = rest[:i], rest[i+1:], true
		if rest != "" {
			if port, ok = strings.CutPrefix(rest, ":"); !ok {
				return bad("unexpected %q after ]", rest)
			}
		}
	} else if strings.Count(s, ":") == 1 {
		host, port, _ = strings.Cut(s, ":")
	} else if strings.Count(s, ":") > 1 {
		bracketed = true // a bare IPv6 address: no port possible
	}
	var e EgressPattern
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return bad("port must be a number from 1 to 65535")
		}
		e.Port = uint16(n)
	}
	host = strings.ToLower(host)
	if addr, err := netip.ParseAddr(host); err == nil {
		switch {
		case addr.Zone() != "":
			return bad("IPv6 zones are not allowed")
		case bracketed != addr.Is6():
			return bad("write IPv6 addresses in brackets, such as [2001:db8::1]:443, and IPv4 addresses without")
		}
		addr = addr.Unmap()
		e.Prefix = netip.PrefixFrom(addr, addr.BitLen())
		return e, nil
	}
	if bracketed {
		return bad("not an IPv6 address")
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		host, e.Subdomains = rest, true
	}
	host = strings.TrimSuffix(host, ".")
	if err := checkHostname(host); err != "" {
		return bad("%s", err)
	}
	e.Host = host
	return e, nil
}

// checkHostname says what is wrong with a lower-case DNS name, or "".
func checkHostname(host string) string {
	if host == "" {
		return "empty host"
	}
	if len(host) > 253 {
		return "host longer than 253 characters"
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		switch {
		case strings.Contains(l, "*"):
			return "* may only stand for the first label, as in *.example.com"
		case l == "" || len(l) > 63:
			return "every dot-separated label must have 1 to 63 characters"
		case strings.ContainsFunc(l, func(r rune) bool { return r > unicode.MaxASCII }):
			return "write internationalized names in their xn-- (punycode) form"
		case strings.ContainsFunc(l, func(r rune) bool { return !(r == '-' || r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') }):
			return "a host may hold only letters, digits, - and _"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "a label may not start or end with -"
		}
	}
	last := labels[len(labels)-1]
	if hex, ok := strings.CutPrefix(last, "0x"); strings.Trim(last, "0123456789") == "" || ok && strings.Trim(hex, "0123456789abcdef") == "" {
		return "looks like an IP address in an unusual notation; write IPv4 addresses as four decimal numbers, such as 203.0.113.7"
	}
	return ""
}
