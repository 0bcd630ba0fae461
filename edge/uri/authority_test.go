package uri

import (
	"errors"
	"testing"
)

func TestAuthority(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Name", "example.com", "example.com"},
		{"NameAndPort", "example.com:8443", "example.com:8443"},
		{"UpperCaseLowered", "Admin.Example.COM:443", "admin.example.com:443"},
		{"EmptyPortDropped", "example.com:", "example.com"},
		{"Underscore", "my_host.internal", "my_host.internal"},
		{"TrailingDot", "example.com.", "example.com."},
		{"Localhost", "localhost:8080", "localhost:8080"},
		{"IPv4", "127.0.0.1:8080", "127.0.0.1:8080"},
		{"IPv6", "[::1]:8080", "[::1]:8080"},
		{"IPv6UpperCaseLowered", "[2001:DB8::1]", "[2001:db8::1]"},
		{"NumericInnerLabel", "1password.com", "1password.com"},
		{"HexLookingInnerLabel", "0x1.example", "0x1.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Authority(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("Authority(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestAuthorityRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"Empty", ""},
		{"Userinfo", "admin.example.com:@evil.com"},
		{"UserinfoWithPassword", "user:pw@admin.example.com"},
		{"BadPort", "example.com:http"},
		{"PortTooLarge", "example.com:65536"},
		{"PortTooLong", "example.com:000080"},
		{"TwoColons", "example.com:80:80"},
		{"EmptyHost", ":8080"},
		{"PercentEncoded", "%61dmin.example.com"},
		{"NonASCII", "bücher.example"},
		{"SubDelims", "admin.example.com,evil.com"},
		{"Space", "admin.example.com evil.com"},
		{"NUL", "admin.example.com\x00evil.com"},
		{"CRLF", "admin.example.com\r\nx: y"},
		{"Slash", "evil.com/admin.example.com"},
		{"Backslash", "evil.com\\admin.example.com"},
		{"HexIPv4", "0x7f.0.0.1"},
		{"IntegerIPv4", "2130706433"},
		{"ShortIPv4", "127.1"},
		{"OctalIPv4", "0177.0.0.1"},
		{"IPv4TrailingDot", "127.0.0.1."},
		{"HexLastLabel", "example.0x"},
		{"IPv6Unclosed", "[::1"},
		{"IPv6Junk", "[::1]x"},
		{"IPv6Zone", "[fe80::1%25eth0]"},
		{"IPv4InBrackets", "[127.0.0.1]"},
		{"IPv6Unbracketed", "::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Authority(tc.in)
			if !errors.Is(err, ErrAuthority) {
				t.Fatalf("Authority(%q) = %q, %v; want ErrAuthority", tc.in, got, err)
			}
		})
	}
}

func TestAuthorityUnchangedDoesNotAllocate(t *testing.T) {
	a := "admin.example.com:8443"
	if n := testing.AllocsPerRun(100, func() { Authority(a) }); n != 0 {
		t.Errorf("Authority(%q): %v allocations, want 0", a, n)
	}
}
