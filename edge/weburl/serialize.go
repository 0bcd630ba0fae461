package weburl

import (
	"strconv"
	"strings"
)

// Component names a part of a URL as the URL API's getters and setters
// see it.
type Component uint8

const (
	Href Component = iota
	Protocol
	Username
	Password
	Host // hostname and port
	Hostname
	Port
	Pathname
	Search
	Hash
)

var componentNames = [...]string{"href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"}

// String is the component's name as a property of a JS URL ("hostname").
func (c Component) String() string {
	if int(c) < len(componentNames) {
		return componentNames[c]
	}
	return "component " + strconv.Itoa(int(c))
}

// Serialized is a URL's href with where each of its components lies in
// it, so that every getter is a slice of the href.
type Serialized struct {
	Href    string
	Offsets Offsets
}

// Offsets are byte offsets in an href, which is ASCII, so they are also
// UTF-16 offsets. Where a component is absent its offsets are equal.
type Offsets struct {
	ProtocolEnd           int // after the ':'
	Username, UsernameEnd int
	Password, PasswordEnd int
	Host                  int // where the host and the hostname start
	HostnameEnd           int
	Port, PortEnd         int // PortEnd is also the end of the host
	Pathname              int
	Search                int // the end of the pathname; '?' if there is a query
	Hash                  int // the end of the search; '#' if there is a fragment
}

// Serialize is the URL serializer, noting where each component lies.
func (u *URL) Serialize() Serialized {
	var b strings.Builder
	n := len(u.scheme) + len(u.username) + len(u.password) + len(u.host) + len(u.query) + len(u.fragment) + 16
	for _, s := range u.path {
		n += len(s) + 1
	}
	b.Grow(n)
	var off Offsets
	b.WriteString(u.scheme)
	b.WriteByte(':')
	off.ProtocolEnd = b.Len()
	if u.hasHost {
		b.WriteString("//")
		off.Username = b.Len()
		if u.credentials() {
			b.WriteString(u.username)
		}
		off.UsernameEnd, off.Password, off.PasswordEnd = b.Len(), b.Len(), b.Len()
		if u.password != "" {
			b.WriteByte(':')
			off.Password = b.Len()
			b.WriteString(u.password)
			off.PasswordEnd = b.Len()
		}
		if u.credentials() {
			b.WriteByte('@')
		}
		off.Host = b.Len()
		b.WriteString(u.host)
		off.HostnameEnd, off.Port = b.Len(), b.Len()
		if u.port >= 0 {
			b.WriteByte(':')
			off.Port = b.Len()
			b.WriteString(strconv.Itoa(u.port))
		}
		off.PortEnd = b.Len()
	} else if !u.opaque && len(u.path) > 1 && u.path[0] == "" {
		b.WriteString("/.")
	}
	off.Pathname = b.Len()
	if u.opaque {
		b.WriteString(u.path[0])
	} else {
		for _, s := range u.path {
			b.WriteByte('/')
			b.WriteString(s)
		}
	}
	off.Search = b.Len()
	if u.hasQuery {
		b.WriteByte('?')
		b.WriteString(u.query)
	}
	off.Hash = b.Len()
	if u.hasFragment {
		b.WriteByte('#')
		b.WriteString(u.fragment)
	}
	return Serialized{b.String(), off}
}

// Get is the getter of the component c, as the URL API's getters are:
// the protocol ends in ':', a search starts with '?' and a hash with '#'
// (both "" when empty), and a default port is "". Out of range, it is
// the href.
func (s Serialized) Get(c Component) string {
	h, o := s.Href, s.Offsets
	switch c {
	case Protocol:
		return h[:o.ProtocolEnd]
	case Username:
		return h[o.Username:o.UsernameEnd]
	case Password:
		return h[o.Password:o.PasswordEnd]
	case Host:
		return h[o.Host:o.PortEnd]
	case Hostname:
		return h[o.Host:o.HostnameEnd]
	case Port:
		return h[o.Port:o.PortEnd]
	case Pathname:
		return h[o.Pathname:o.Search]
	case Search:
		if o.Hash-o.Search > 1 {
			return h[o.Search:o.Hash]
		}
		return ""
	case Hash:
		if len(h)-o.Hash > 1 {
			return h[o.Hash:]
		}
		return ""
	}
	return h
}
