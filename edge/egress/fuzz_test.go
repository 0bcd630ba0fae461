package egress

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// FuzzPolicyAllows feeds arbitrary patterns (one a line) and hosts to the
// policy. Nothing may panic, and whatever is allowed must be allowed for
// a reason: a pattern matches, and no special address slips through
// without a grant. Seeds are in testdata/fuzz/FuzzPolicyAllows.
func FuzzPolicyAllows(f *testing.F) {
	f.Add("api.example.com\n*.example.com:8443\n10.0.0.0/8", "a.example.com", uint16(8443))
	f.Fuzz(func(t *testing.T, patterns, host string, port uint16) {
		var valid []string
		for _, s := range strings.Split(patterns, "\n") {
			e, err := schemas.ParseEgressPattern(s)
			if err != nil {
				continue
			}
			if again, err := schemas.ParseEgressPattern(e.String()); err != nil || again != e {
				t.Fatalf("pattern %q: canonical form %q reads back as %+v, %v", s, e.String(), again, err)
			}
			valid = append(valid, s)
		}
		p, err := NewPolicy(valid)
		if err != nil {
			t.Fatalf("NewPolicy(%q) = %v after each pattern parsed", valid, err)
		}

		// The rules, restated over the patterns rather than through the
		// code under test.
		listsIP := func(ip netip.Addr) bool {
			for _, e := range p.patterns {
				if e.Host == "" && (e.Port == 0 || e.Port == port) && e.Prefix.Contains(ip) {
					return true
				}
			}
			return false
		}
		listsName := func(h string) bool {
			for _, e := range p.patterns {
				if e.Host != "" && (e.Port == 0 || e.Port == port) &&
					(h == e.Host && !e.Subdomains || e.Subdomains && strings.HasSuffix(h, "."+e.Host)) {
					return true
				}
			}
			return false
		}
		if err := p.checkHost(host, port); err == nil {
			h := strings.TrimSuffix(strings.ToLower(host), ".")
			if ip, err := netip.ParseAddr(h); err == nil {
				if !listsIP(ip.Unmap()) {
					t.Errorf("allowed %s port %d, which no pattern in %q lists", host, port, valid)
				}
			} else if _, legacy := legacyIPv4(h); legacy || metadataNames[h] || !listsName(h) {
				t.Errorf("allowed name %q port %d (patterns %q)", host, port, valid)
			}
		}
		if ip, err := netip.ParseAddr(host); err == nil && specialAddr(ip) != "" && p.checkAddr(host, ip, port) == nil && !listsIP(ip.Unmap()) {
			if !ip.Unmap().IsLoopback() || !slices.ContainsFunc(p.patterns, func(e schemas.EgressPattern) bool {
				return isLocalhost(e.Host) && (e.Port == 0 || e.Port == port)
			}) {
				t.Errorf("special address %s port %d reachable with no grant in %q", ip, port, valid)
			}
		}
		if u, err := url.Parse("http://" + host + "/"); err == nil {
			_ = p.checkURL(u)
		}
	})
}
