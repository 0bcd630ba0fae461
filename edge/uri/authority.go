package uri

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vault-runtime/vault/edge/weburl"
)

// ErrAuthority is wrapped by every error Authority returns.
var ErrAuthority = errors.New("uri: malformed :authority")

// Authority returns the normal form of a request's :authority (or Host
// field): host[:port], the host in lower case, an empty port dropped. It
// refuses what the router and the WHATWG parser could read as different
// hosts:
//
//   - an empty authority: "http://" + "/a/b" is a URL of host "a";
//   - userinfo ('@'): admin.example.com:@evil.com is evil.com to WHATWG;
//   - a port that is not digits up to 65535;
//   - a host that is neither a name of letters, digits, '-', '.' and '_',
//     nor an IPv6 literal in brackets. So no percent-encoding (WHATWG
//     decodes %61dmin to admin), no non-ASCII (WHATWG maps it to punycode:
//     send the A-label), no sub-delimiters;
//   - a name whose last label is a number but that is not a dotted-decimal
//     IPv4 address: WHATWG reads 0x7f.1 or 2130706433 as 127.0.0.1.
//
// It allocates only when a has upper-case letters.
func Authority(a string) (string, error) {
	if a == "" {
		return "", authorityError("empty (send :authority or Host)")
	}
	if strings.IndexByte(a, '@') >= 0 {
		return "", authorityError("userinfo ('@') is not allowed")
	}
	host, port, hasPort := a, "", false
	if a[0] == '[' {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", authorityError("'[' without ']'")
		}
		host = a[:end+1]
		if rest := a[end+1:]; rest != "" {
			if rest[0] != ':' {
				return "", authorityError("junk after ']'")
			}
			port, hasPort = rest[1:], true
		}
		if ip, err := netip.ParseAddr(a[1:end]); err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", authorityError("not an IPv6 address in brackets")
		}
	} else {
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			host, port, hasPort = a[:i], a[i+1:], true
		}
		if err := checkName(host); err != nil {
			return "", err
		}
	}
	if hasPort {
		if !validPort(port) {
			return "", authorityError("port is not a number up to 65535")
		}
		if port == "" {
			a = host
		}
	}
	for i := 0; i < len(a); i++ {
		if 'A' <= a[i] && a[i] <= 'Z' {
			return strings.ToLower(a), nil
		}
	}
	return a, nil
}

// checkName checks a host that is not an IPv6 literal.
func checkName(h string) error {
	if h == "" {
		return authorityError("empty host")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return fmt.Errorf("%w: host has a byte other than letters, digits, '-', '.' and '_' at byte %d", ErrAuthority, i)
		}
	}
	if weburl.EndsInNumber(h) {
		if ip, err := netip.ParseAddr(h); err != nil || !ip.Is4() {
			return authorityError("host ends in a number but is not a dotted-decimal IPv4 address")
		}
	}
	return nil
}

// validPort: empty (dropped) or up to five digits, at most 65535.
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

func authorityError(what string) error {
	return fmt.Errorf("%w: %s", ErrAuthority, what)
}
