package egress

import (
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// UserAgent is sent when the function sets no User-Agent of its own.
const UserAgent = "Vault-Edge (fetch)"

// requestMethod applies fetch's rules: the six common methods are
// upper-cased, any other token is sent as written, and CONNECT, TRACE and
// TRACK are forbidden.
func requestMethod(m string) (string, error) {
	if m == "" {
		return "GET", nil
	}
	if !httpguts.ValidHeaderFieldName(m) { // a method is a token, like a field name
		return "", fail(ErrBadRequest, "fetch: invalid method %q", m)
	}
	switch up := strings.ToUpper(m); up {
	case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
		return up, nil
	case "CONNECT", "TRACE", "TRACK":
		return "", fail(ErrBadRequest, "fetch: method %s is forbidden", up)
	}
	return m, nil
}

// hopByHop are the fields that describe one connection, not the message
// (RFC 9110 §7.6.1).
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// outboundHeader copies the function's header with canonical keys,
// refusing invalid fields and dropping hop-by-hop ones, and Host and
// Content-Length, which follow from the URL and the body.
func outboundHeader(h http.Header) (http.Header, error) {
	out := make(http.Header, len(h)+1)
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, fail(ErrBadRequest, "fetch: invalid header name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, fail(ErrBadRequest, "fetch: invalid value for header %s", k)
			}
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		out[ck] = append(out[ck], vs...)
	}
	removeHopByHop(out)
	out.Del("Host")
	out.Del("Content-Length")
	if _, ok := out["User-Agent"]; !ok {
		out.Set("User-Agent", UserAgent)
	}
	return out, nil
}

// removeHopByHop deletes the hop-by-hop fields and those that Connection
// names.
func removeHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, f := range hopByHop {
		h.Del(f)
	}
}
