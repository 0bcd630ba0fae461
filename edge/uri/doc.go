// Package uri puts a request's target into the one spelling that the
// router, the shield and the function all read.
//
// # Why
//
// A function parses request.url with the WHATWG URL parser, which removes
// dot segments (treating %2e as '.'), treats '\' as '/', percent-decodes
// the host and drops userinfo. The router and the shield used to read the
// raw :path and :authority, so /a/../login or /a/%2e%2e/login escaped a
// rate limit on /login while the function saw /login, and
// admin.example.com:@evil.com was routed as admin.example.com while the
// function read evil.com. The edge now rewrites the request's path and
// authority with Path and Authority before anything looks at them, and
// refuses (400) what has no unambiguous reading.
//
// # The normal form
//
// Path applies RFC 3986's syntax-based normalisation to the path (not the
// query): percent-encodings of unreserved characters are decoded, other
// percent-encodings get upper-case hex digits, bytes that WHATWG would
// percent-encode in a path are encoded, and then dot segments are removed
// (§5.2.4). Decoding comes first, so %2e is a dot as it is for WHATWG;
// %2F stays encoded, so it never becomes a separator.
//
// The result is a fixed point, which FuzzPath checks: decoding yields no
// '%' (it is not unreserved), so a second pass decodes nothing; and it has
// no dot segment, so a second pass removes nothing. It is also a fixed
// point of the WHATWG path parser, so the function's URL has the very path
// the router matched (FuzzPath checks this against edge/weburl, the parser
// behind new URL()).
//
// Route literals go through Segment when a route.Table is built, so that
// /~user and /%7Euser, or a raw and an encoded /café, are one route.
package uri
