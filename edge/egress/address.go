package egress

import (
	"net/netip"
	"strconv"
	"strings"
)

// special lists the address blocks a function may reach only through an
// explicit grant: everything that is not the public internet, including
// the cloud metadata address 169.254.169.254 (link-local). The first
// match names the kind in error messages.
var special = []struct {
	block netip.Prefix
	what  string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "the cloud metadata address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"}, // holds Oracle Cloud's metadata 192.0.0.192
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("255.255.255.255/32"), "the broadcast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("fc00::/7"), "a private address"}, // unique local; AWS metadata is fd00:ec2::254
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo tunnel address"},
}

// embedded are IPv6 blocks that carry an IPv4 address, which is checked
// in their place: a NAT64 gateway or a 6to4 relay would connect to it.
// (IPv4-mapped addresses are unmapped before any check.)
var embedded = []struct {
	block netip.Prefix
	at    int // byte offset of the IPv4 address
	what  string
}{
	{netip.MustParsePrefix("64:ff9b::/96"), 12, "the NAT64 form of "},
	{netip.MustParsePrefix("64:ff9b:1::/48"), 12, "the local NAT64 form of "},
	{netip.MustParsePrefix("2002::/16"), 2, "the 6to4 form of "},
	{netip.MustParsePrefix("::/96"), 12, "the IPv4-compatible form of "},
}

// specialAddr says what kind of non-public address ip is, or "" if it is
// a public unicast address.
func specialAddr(ip netip.Addr) string {
	ip = ip.Unmap()
	for _, s := range special {
		if s.block.Contains(ip) {
			return s.what
		}
	}
	for _, e := range embedded {
		if e.block.Contains(ip) {
			b := ip.As16()
			if what := specialAddr(netip.AddrFrom4([4]byte(b[e.at : e.at+4]))); what != "" {
				return e.what + what
			}
		}
	}
	return ""
}

// metadataNames are cloud metadata endpoints, refused even if a pattern
// matches them (say *.google.internal).
var metadataNames = map[string]bool{
	"metadata":                   true,
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
}

// legacyIPv4 reads host the way inet_aton(3) and the WHATWG URL parser
// do: one to four dot-separated numbers, each decimal, octal (leading 0)
// or hex (0x), the last filling the remaining bytes. So "2130706433",
// "0177.0.0.1", "0x7f.1" and "127.1" are all 127.0.0.1. Some resolvers
// accept these forms; egress refuses them, whatever they mean.
func legacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var n [4]uint64
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		n[i] = v
	}
	last := len(parts) - 1
	if n[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v := n[last]
	for i := range last {
		if n[i] > 255 {
			return netip.Addr{}, false
		}
		v |= n[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
