// Package egress performs a function's outbound fetch calls, and refuses
// those its manifest does not allow.
//
// A function lists where it may connect in vault.yaml's egress list
// (schemas.EgressPattern): names, *.wildcards, IP addresses and CIDR
// blocks, each perhaps restricted to a port. A Policy is that list; a
// Client is one shared transport per function version; a Session counts
// one invocation's subrequests against its Limits.
//
// # Why the checks are where they are
//
// A hostname check alone is worthless against server-side request
// forgery: a listed name can resolve to 127.0.0.1, to the cloud metadata
// address 169.254.169.254, or to a private address — and can change its
// answer between a check and the connection (DNS rebinding). So a fetch is
// checked three times, each covering what the previous cannot:
//
//  1. Before the request, and again for every redirect (CheckRedirect), the
//     URL's host and port must match a pattern. This is the allow-list, and
//     it gives the clearest error. Hosts that are IPv4 addresses in odd
//     notations ("2130706433", "0177.0.0.1") are refused outright: the
//     resolver would read them as addresses the allow-list never saw.
//  2. At dial time the Client resolves the name itself, checks every
//     address it gets, and connects to the checked address, never to the
//     name. If any address is special (loopback, private, link-local,
//     CGNAT, multicast, reserved, or an IPv6 form embedding one of those)
//     the whole dial is refused, unless a pattern grants that address: an
//     IP or CIDR pattern containing it, or a localhost pattern for
//     loopback. A grant carries its pattern's port restriction.
//  3. The net.Dialer's Control hook checks the socket address once more
//     just before connect(2), so no code path can reach an unchecked
//     address.
//
// Grants are by destination, not by the pattern that matched the host:
// listing 10.1.0.0/16 says the function may reach that block, whichever
// listed name leads there. Cloud metadata names (metadata.google.internal
// and the like) are refused whatever the list says; their addresses can
// still be reached by listing the IP itself, which no one does by accident.
//
// Environment proxies are never used: a proxy would make the dial-time
// checks test the proxy's address instead of the destination.
package egress
