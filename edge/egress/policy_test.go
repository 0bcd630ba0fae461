package egress

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestPolicyCheckURL(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		url      string
		want     error // nil: allowed
		msg      string
	}{
		{"Exact", []string{"api.example.com"}, "https://api.example.com/v1", nil, ""},
		{"ExactCaseAndTrailingDot", []string{"api.example.com"}, "https://API.Example.COM./", nil, ""},
		{"ExactAnyPort", []string{"api.example.com"}, "http://api.example.com:8080/", nil, ""},
		{"ErrDeniedNotListed", []string{"api.example.com"}, "https://evil.example/", ErrDenied, "egress to evil.example is not in the function's allow-list"},
		{"ErrDeniedSuffixIsNotSubdomain", []string{"example.com"}, "https://badexample.com/", ErrDenied, "not in the function's allow-list"},
		{"WildcardSubdomain", []string{"*.example.com"}, "https://a.example.com/", nil, ""},
		{"WildcardDeepSubdomain", []string{"*.example.com"}, "https://a.b.example.com/", nil, ""},
		{"ErrDeniedWildcardApex", []string{"*.example.com"}, "https://example.com/", ErrDenied, "egress to example.com is not"},
		{"ErrDeniedWildcardLookalike", []string{"*.example.com"}, "https://evilexample.com/", ErrDenied, ""},
		{"PortMatches", []string{"api.example.com:8443"}, "https://api.example.com:8443/", nil, ""},
		{"ErrDeniedDefaultPort", []string{"api.example.com:8443"}, "https://api.example.com/", ErrDenied, "egress to api.example.com is not"},
		{"ErrDeniedOtherPort", []string{"api.example.com:8443"}, "https://api.example.com:9443/", ErrDenied, "egress to api.example.com:9443 is not"},
		{"DefaultPortHTTPS", []string{"api.example.com:443"}, "https://api.example.com/", nil, ""},
		{"DefaultPortHTTP", []string{"api.example.com:80"}, "http://api.example.com/", nil, ""},
		{"PublicIP", []string{"203.0.113.7"}, "http://203.0.113.7/", nil, ""},
		{"ErrDeniedNameForIP", []string{"api.example.com"}, "http://203.0.113.7/", ErrDenied, "egress to 203.0.113.7 is not"},
		{"IPv6", []string{"[2001:db8::1]"}, "http://[2001:DB8:0::1]:8080/", nil, ""},
		{"IPv6Port", []string{"[2001:db8::1]:443"}, "https://[2001:db8::1]/", nil, ""},
		{"CIDRPrivateGranted", []string{"10.1.0.0/16"}, "http://10.1.200.3/", nil, ""},
		{"ErrDeniedOutsideCIDR", []string{"10.1.0.0/16"}, "http://10.2.0.1/", ErrDenied, "egress to 10.2.0.1 is not"},
		{"LoopbackNamed", []string{"127.0.0.1"}, "http://127.0.0.1:9/", nil, ""},
		{"Localhost", []string{"localhost"}, "http://localhost:9/", nil, ""},
		{"ErrDeniedLocalhostDoesNotListIP", []string{"localhost"}, "http://127.0.0.1/", ErrDenied, "egress to 127.0.0.1 is not"},
		{"ErrDeniedMappedLoopbackUnderV6CIDR", []string{"::/0"}, "http://[::ffff:127.0.0.1]/", ErrDenied, "egress to ::ffff:127.0.0.1 is not"},
		{"MappedMatchesIPv4Pattern", []string{"203.0.113.7"}, "http://[::ffff:203.0.113.7]/", nil, ""},
		{"LoopbackGrantedByWideCIDR", []string{"::/0"}, "http://[::1]/", nil, ""}, // ::/0 contains ::1: an explicit grant
		{"ErrDeniedLinkLocalV6", []string{"2000::/3"}, "http://[fe80::1]/", ErrDenied, "egress to fe80::1 is not"},
		{"ErrDeniedZone", []string{"fe80::/10"}, "http://[fe80::1%25eth0]/", ErrDenied, "IPv6 zones"},
		{"ErrDeniedMetadataName", []string{"*.google.internal", "metadata"}, "http://metadata.google.internal/computeMetadata/v1/", ErrDenied, "cloud metadata endpoints are never reachable"},
		{"ErrDeniedMetadataShortName", []string{"metadata"}, "http://metadata/", ErrDenied, "cloud metadata"},
		{"ErrDeniedMetadataIPNotListed", []string{"*.example.com"}, "http://169.254.169.254/latest/meta-data/", ErrDenied, "egress to 169.254.169.254 is not"},
		{"MetadataIPListed", []string{"169.254.169.254"}, "http://169.254.169.254/", nil, ""},
		{"ErrDeniedDecimalIP", []string{"127.0.0.1"}, "http://2130706433/", ErrDenied, "IPv4 address 127.0.0.1 in an unusual notation"},
		{"ErrDeniedOctalIP", []string{"127.0.0.1"}, "http://0177.0.0.1/", ErrDenied, "IPv4 address 127.0.0.1 in an unusual notation"},
		{"ErrDeniedHexIP", []string{"127.0.0.1"}, "http://0x7f.0.0.1/", ErrDenied, "IPv4 address 127.0.0.1"},
		{"ErrDeniedShortIP", []string{"127.0.0.1"}, "http://127.1/", ErrDenied, "IPv4 address 127.0.0.1"},
		{"ErrBadRequestNumericTLD", []string{"*.example.com"}, "http://a.99999999999/", ErrBadRequest, "invalid host"},
		{"ErrBadRequestScheme", []string{"api.example.com"}, "ftp://api.example.com/", ErrBadRequest, `not "ftp:"`},
		{"ErrBadRequestFile", []string{"api.example.com"}, "file:///etc/passwd", ErrBadRequest, `not "file:"`},
		{"ErrBadRequestCredentials", []string{"api.example.com"}, "https://u:p@api.example.com/", ErrBadRequest, "credentials"},
		{"ErrBadRequestWildcardHost", []string{"*.example.com"}, "http://*.example.com/", ErrBadRequest, "invalid host"},
		{"ErrDeniedEmptyPolicy", nil, "https://api.example.com/", ErrDenied, "not in the function's allow-list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPolicy(tt.patterns)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = p.checkURL(u)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("checkURL(%s) = %v, want %v", tt.url, err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestPolicyCheckAddr(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		addr     string
		port     uint16
		want     string // "" allowed, else part of the denial
	}{
		{"PublicV4", nil, "93.184.216.34", 443, ""},
		{"PublicV6", nil, "2606:4700::1111", 443, ""},
		{"Loopback", nil, "127.0.0.1", 80, "a loopback address"},
		{"LoopbackAnyInBlock", nil, "127.3.4.5", 80, "a loopback address"},
		{"LoopbackV6", nil, "::1", 80, "a loopback address"},
		{"Private10", nil, "10.0.0.1", 80, "a private address"},
		{"Private172", nil, "172.31.255.255", 80, "a private address"},
		{"Private192", nil, "192.168.1.1", 80, "a private address"},
		{"ULA", nil, "fd00:ec2::254", 80, "a private address"},
		{"LinkLocal", nil, "169.254.1.1", 80, "a link-local address"},
		{"Metadata", nil, "169.254.169.254", 80, "the cloud metadata address"},
		{"LinkLocalV6", nil, "fe80::1", 80, "a link-local address"},
		{"CGNAT", nil, "100.100.100.200", 80, "a carrier-grade NAT address"},
		{"Unspecified", nil, "0.0.0.0", 80, "an unspecified address"},
		{"UnspecifiedV6", nil, "::", 80, "an unspecified address"},
		{"Multicast", nil, "239.1.1.1", 80, "a multicast address"},
		{"MulticastV6", nil, "ff02::1", 80, "a multicast address"},
		{"Broadcast", nil, "255.255.255.255", 80, "the broadcast address"},
		{"Reserved", nil, "240.0.0.1", 80, "a reserved address"},
		{"MappedLoopback", nil, "::ffff:127.0.0.1", 80, "a loopback address"},
		{"NAT64Loopback", nil, "64:ff9b::7f00:1", 80, "the NAT64 form of a loopback address"},
		{"NAT64Metadata", nil, "64:ff9b::a9fe:a9fe", 80, "the NAT64 form of the cloud metadata address"},
		{"NAT64Public", nil, "64:ff9b::5db8:d822", 80, ""},
		{"SixToFourPrivate", nil, "2002:0a00:0001::1", 80, "the 6to4 form of a private address"},
		{"V4CompatibleLoopback", nil, "::127.0.0.1", 80, "the IPv4-compatible form of a loopback address"},
		{"Teredo", nil, "2001:0:4136:e378::1", 80, "a Teredo tunnel address"},
		{"GrantedByIP", []string{"127.0.0.1"}, "127.0.0.1", 80, ""},
		{"NotGrantedByOtherIP", []string{"127.0.0.2"}, "127.0.0.1", 80, "a loopback address"},
		{"GrantedByCIDR", []string{"10.0.0.0/8"}, "10.9.9.9", 80, ""},
		{"GrantedMappedByCIDR", []string{"10.0.0.0/8"}, "::ffff:10.9.9.9", 80, ""},
		{"GrantedByLocalhost", []string{"localhost"}, "127.0.0.1", 80, ""},
		{"GrantedByLocalhostV6", []string{"localhost"}, "::1", 80, ""},
		{"LocalhostGrantsOnlyLoopback", []string{"localhost"}, "10.0.0.1", 80, "a private address"},
		{"GrantedByLocalhostPort", []string{"localhost:8080"}, "127.0.0.1", 8080, ""},
		{"NotGrantedOtherPort", []string{"localhost:8080"}, "127.0.0.1", 22, "a loopback address"},
		{"NotGrantedOtherPortByIP", []string{"127.0.0.1:8080"}, "127.0.0.1", 22, "a loopback address"},
		{"NameGrantsNothing", []string{"internal.example.com"}, "10.0.0.1", 80, "a private address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPolicy(tt.patterns)
			if err != nil {
				t.Fatal(err)
			}
			err = p.checkAddr("api.example.com", netip.MustParseAddr(tt.addr), tt.port)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkAddr(%s) = %v, want allowed", tt.addr, err)
			case tt.want != "" && (!errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("checkAddr(%s) = %v, want ErrDenied naming %q", tt.addr, err, tt.want)
			}
		})
	}
}

func TestLegacyIPv4(t *testing.T) {
	tests := []struct {
		host string
		want string // "" when it is not an address
	}{
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"1.2.3.4", "1.2.3.4"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"1.2.3.256", ""},
		{"256.1", ""},
		{"1.16777216", ""},
		{"1.2.3.4.5", ""},
		{"08", ""},
		{"1..2", ""},
		{"example.com", ""},
		{"+1", ""},
		{"1_0", ""},
	}
	for _, tt := range tests {
		ip, ok := legacyIPv4(tt.host)
		if got := map[bool]string{true: ip.String(), false: ""}[ok]; got != tt.want {
			t.Errorf("legacyIPv4(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestNewPolicyErrors(t *testing.T) {
	for _, s := range []string{"", "*", "http://a.example", "2130706433", "a.example:0", "10.0.0.1/8"} {
		if _, err := NewPolicy([]string{"ok.example", s}); err == nil || !strings.Contains(err.Error(), "egress pattern") {
			t.Errorf("NewPolicy(%q) = %v, want a pattern error", s, err)
		}
	}
}
