package weburl

import (
	"errors"
	"strconv"
	"strings"
)

// URL is a URL record. port is -1 when null.
type URL struct {
	scheme, username, password string
	host                       string // serialized; meaningful if hasHost
	hasHost                    bool
	port                       int
	opaque                     bool     // the path is path[0], opaque
	path                       []string // segments, percent-encoded
	query, fragment            string
	hasQuery, hasFragment      bool
}

// ErrInvalid is wrapped by every error this package returns: the input is
// not a valid URL (or component). The standard's parser gives no reason.
var ErrInvalid = errors.New("weburl: invalid URL")

// Error is a failure to parse Input, by the operation Op ("parse", or the
// component canonicalized).
type Error struct {
	Op    string
	Input string
}

func (e *Error) Error() string {
	in := e.Input
	if len(in) > 200 {
		in = in[:200] + "..."
	}
	return "weburl: " + e.Op + " " + strconv.Quote(in) + ": invalid"
}

func (e *Error) Unwrap() error { return ErrInvalid }

// Parse is new URL(input, base): the basic URL parser, with input
// resolved against base if it is not nil. The error is an *Error.
func Parse(input string, base *URL) (*URL, error) {
	u, ok := parseRecord(input, base)
	if !ok {
		return nil, &Error{Op: "parse", Input: input}
	}
	return u, nil
}

// parseRecord is the basic URL parser without a URL to modify.
func parseRecord(input string, base *URL) (*URL, bool) {
	input = strings.TrimFunc(input, func(r rune) bool { return r <= ' ' })
	u := &URL{port: -1}
	return u, u.parse(input, base, stNone)
}

// String is the URL's href.
func (u *URL) String() string { return u.Serialize().Href }

// HasOpaquePath reports whether the path is opaque, as in mailto:x or
// data:,x: one string, not a list of segments.
func (u *URL) HasOpaquePath() bool { return u.opaque }

// Set is the setter of the component c, as the URL API's setters are:
// values it cannot use are ignored, as the standard says. Href has no
// setter here (parsing the new href is Parse, which can fail): setting it,
// or a component out of range, changes nothing.
func (u *URL) Set(c Component, value string) {
	switch c {
	case Protocol:
		u.parse(value+":", nil, stSchemeStart)
	case Username, Password:
		if u.cannotHaveCredentials() {
			break
		}
		enc := string(appendEncoded(nil, value, userinfoSet))
		if c == Username {
			u.username = enc
		} else {
			u.password = enc
		}
	case Host, Hostname:
		if !u.opaque {
			state := stHost
			if c == Hostname {
				state = stHostname
			}
			u.parse(value, nil, state)
		}
	case Port:
		if u.cannotHaveCredentials() {
			break
		}
		if value == "" {
			u.port = -1
		} else {
			u.parse(value, nil, stPort)
		}
	case Pathname:
		if !u.opaque {
			u.path = u.path[:0]
			u.parse(value, nil, stPathStart)
		}
	case Search:
		if value == "" {
			u.query, u.hasQuery = "", false
			u.stripOpaqueSpaces()
			break
		}
		u.query, u.hasQuery = "", true
		u.parse(strings.TrimPrefix(value, "?"), nil, stQuery)
	case Hash:
		if value == "" {
			u.fragment, u.hasFragment = "", false
			u.stripOpaqueSpaces()
			break
		}
		u.fragment, u.hasFragment = "", true
		u.parse(strings.TrimPrefix(value, "#"), nil, stFragment)
	}
}

// Origin is the serialized origin: scheme://host[:port] for http, https,
// ws, wss and ftp, the inner URL's for a blob: URL of http(s), and "null"
// (an opaque origin) for the rest.
func (u *URL) Origin() string {
	switch u.scheme {
	case "http", "https", "ws", "wss", "ftp":
		s := u.Serialize()
		return s.Get(Protocol) + "//" + s.Get(Host)
	case "blob":
		if p, ok := parseRecord(u.Serialize().Get(Pathname), nil); ok && (p.scheme == "http" || p.scheme == "https") {
			return p.Origin()
		}
	}
	return "null"
}

func specialPort(scheme string) (port int, special bool) {
	switch scheme {
	case "http", "ws":
		return 80, true
	case "https", "wss":
		return 443, true
	case "ftp":
		return 21, true
	case "file":
		return -1, true
	}
	return -1, false
}

func isSpecial(scheme string) bool { _, ok := specialPort(scheme); return ok }

func (u *URL) special() bool { return isSpecial(u.scheme) }

func (u *URL) credentials() bool { return u.username != "" || u.password != "" }

func (u *URL) cannotHaveCredentials() bool {
	return !u.hasHost || u.host == "" || u.scheme == "file"
}
