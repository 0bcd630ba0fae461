package weburl

import "strconv"

// Canonicalize is the URL Pattern standard's "canonicalize a protocol"
// and its siblings for the component c: value parsed into a dummy URL with
// that component's state override, failing where the standard throws a
// TypeError (the URL API's setters ignore those failures). protocol picks
// the hostname's and port's scheme (a special one when it is empty), as
// "canonicalize a hostname" and "canonicalize a port" take it. c is one of
// Protocol, Username, Password, Hostname, Port, Pathname, Search and
// Hash; an opaque pathname is CanonicalizeOpaquePathname's.
func Canonicalize(c Component, value, protocol string) (string, error) {
	if value == "" {
		return "", nil
	}
	fail := func() (string, error) { return "", &Error{Op: "canonicalize " + c.String(), Input: value} }
	u := &URL{port: -1}
	switch c {
	case Protocol:
		v, ok := parseRecord(value+"://dummy.test", nil)
		if !ok {
			return fail()
		}
		return v.scheme, nil
	case Username, Password:
		return string(appendEncoded(nil, value, userinfoSet)), nil
	case Hostname:
		u.scheme = "https"
		if protocol != "" && !isSpecial(protocol) {
			u.scheme = protocol
		}
		if !u.parse(value, nil, stHostname) {
			return fail()
		}
		return u.host, nil
	case Port:
		u.scheme = protocol
		if !u.parse(value, nil, stPort) {
			return fail()
		}
		if u.port < 0 {
			return "", nil
		}
		return strconv.Itoa(u.port), nil
	case Pathname:
		modified := value
		if value[0] != '/' {
			modified = "/-" + value
		}
		u.parse(modified, nil, stPathStart)
		s := u.pathString()
		if value[0] != '/' {
			s = s[min(2, len(s)):]
		}
		return s, nil
	case Search:
		u.hasQuery = true
		u.parse(value, nil, stQuery)
		return u.query, nil
	case Hash:
		u.hasFragment = true
		u.parse(value, nil, stFragment)
		return u.fragment, nil
	}
	return fail()
}

// CanonicalizeOpaquePathname is the URL Pattern standard's "canonicalize
// an opaque pathname".
func CanonicalizeOpaquePathname(value string) string {
	if value == "" {
		return ""
	}
	u := &URL{port: -1, opaque: true, path: []string{""}}
	u.parse(value, nil, stOpaquePath)
	return u.path[0]
}

// pathString is the URL path serializer.
func (u *URL) pathString() string {
	if u.opaque {
		return u.path[0]
	}
	n := 0
	for _, seg := range u.path {
		n += 1 + len(seg)
	}
	b := make([]byte, 0, n)
	for _, seg := range u.path {
		b = append(b, '/')
		b = append(b, seg...)
	}
	return string(b)
}
