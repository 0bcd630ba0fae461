package isolate

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// Where each getter's value lies in the href: the offsets that follow
// the href in the array the hooks give JS (js/20-url.js reads them).
const (
	offProtocolEnd = iota
	offUsername
	offUsernameEnd
	offPassword
	offPasswordEnd
	offHost // also the hostname
	offHostnameEnd
	offPort
	offPortEnd // also the end of the host
	offPathname
	offSearch // the end of the pathname; "?" if there is a query
	offHash   // the end of the search; "#" if there is a fragment
	numOffsets
)

// serialURL is a serialized URL. The href is ASCII, so byte offsets
// are also UTF-16 offsets.
type serialURL struct {
	href string
	off  [numOffsets]int
}

// serialize is the URL serializer, noting where each component lies.
func (u *urlRecord) serialize() serialURL {
	var b strings.Builder
	n := len(u.scheme) + len(u.username) + len(u.password) + len(u.host) + len(u.query) + len(u.fragment) + 16
	for _, s := range u.path {
		n += len(s) + 1
	}
	b.Grow(n)
	var off [numOffsets]int
	b.WriteString(u.scheme)
	b.WriteByte(':')
	off[offProtocolEnd] = b.Len()
	if u.hasHost {
		b.WriteString("//")
		off[offUsername] = b.Len()
		if u.credentials() {
			b.WriteString(u.username)
		}
		off[offUsernameEnd], off[offPassword], off[offPasswordEnd] = b.Len(), b.Len(), b.Len()
		if u.password != "" {
			b.WriteByte(':')
			off[offPassword] = b.Len()
			b.WriteString(u.password)
			off[offPasswordEnd] = b.Len()
		}
		if u.credentials() {
			b.WriteByte('@')
		}
		off[offHost] = b.Len()
		b.WriteString(u.host)
		off[offHostnameEnd], off[offPort] = b.Len(), b.Len()
		if u.port >= 0 {
			b.WriteByte(':')
			off[offPort] = b.Len()
			b.WriteString(strconv.Itoa(u.port))
		}
		off[offPortEnd] = b.Len()
	} else if !u.opaque && len(u.path) > 1 && u.path[0] == "" {
		b.WriteString("/.")
	}
	off[offPathname] = b.Len()
	if u.opaque {
		b.WriteString(u.path[0])
	} else {
		for _, s := range u.path {
			b.WriteByte('/')
			b.WriteString(s)
		}
	}
	off[offSearch] = b.Len()
	if u.hasQuery {
		b.WriteByte('?')
		b.WriteString(u.query)
	}
	off[offHash] = b.Len()
	if u.hasFragment {
		b.WriteByte('#')
		b.WriteString(u.fragment)
	}
	return serialURL{b.String(), off}
}

// Getters, and the setter codes of host.urlSet.
const (
	urlHref = iota
	urlProtocol
	urlUsername
	urlPassword
	urlHost
	urlHostname
	urlPort
	urlPathname
	urlSearch
	urlHash
	urlFields
)

// get is the getter for field, as js/20-url.js computes it.
func (s serialURL) get(field int) string {
	h, o := s.href, s.off
	switch field {
	case urlProtocol:
		return h[:o[offProtocolEnd]]
	case urlUsername:
		return h[o[offUsername]:o[offUsernameEnd]]
	case urlPassword:
		return h[o[offPassword]:o[offPasswordEnd]]
	case urlHost:
		return h[o[offHost]:o[offPortEnd]]
	case urlHostname:
		return h[o[offHost]:o[offHostnameEnd]]
	case urlPort:
		return h[o[offPort]:o[offPortEnd]]
	case urlPathname:
		return h[o[offPathname]:o[offSearch]]
	case urlSearch:
		if o[offHash]-o[offSearch] > 1 {
			return h[o[offSearch]:o[offHash]]
		}
		return ""
	case urlHash:
		if len(h)-o[offHash] > 1 {
			return h[o[offHash]:]
		}
		return ""
	}
	return h
}

// parseURL is new URL(input, base); base is used only if hasBase.
func parseURL(input, base string, hasBase bool) (*urlRecord, bool) {
	var b *urlRecord
	if hasBase {
		var ok bool
		if b, ok = urlParse(base, nil); !ok {
			return nil, false
		}
	}
	return urlParse(input, b)
}

// setURL applies the setter for field to the URL serialized as href.
// Setters ignore values they cannot use, as in the standard; only an
// href that does not parse gives false.
func setURL(href string, field int, value string) (serialURL, bool) {
	u, ok := urlParse(href, nil)
	if !ok {
		return serialURL{}, false
	}
	switch field {
	case urlProtocol:
		u.parse(value+":", nil, stSchemeStart)
	case urlUsername, urlPassword:
		if u.cannotHaveCredentials() {
			break
		}
		enc := string(appendEncoded(nil, value, userinfoSet))
		if field == urlUsername {
			u.username = enc
		} else {
			u.password = enc
		}
	case urlHost, urlHostname:
		if !u.opaque {
			u.parse(value, nil, map[int]urlState{urlHost: stHost, urlHostname: stHostname}[field])
		}
	case urlPort:
		if u.cannotHaveCredentials() {
			break
		}
		if value == "" {
			u.port = -1
		} else {
			u.parse(value, nil, stPort)
		}
	case urlPathname:
		if !u.opaque {
			u.path = u.path[:0]
			u.parse(value, nil, stPathStart)
		}
	case urlSearch:
		if value == "" {
			u.query, u.hasQuery = "", false
			u.stripOpaqueSpaces()
			break
		}
		u.query, u.hasQuery = "", true
		u.parse(strings.TrimPrefix(value, "?"), nil, stQuery)
	case urlHash:
		if value == "" {
			u.fragment, u.hasFragment = "", false
			u.stripOpaqueSpaces()
			break
		}
		u.fragment, u.hasFragment = "", true
		u.parse(strings.TrimPrefix(value, "#"), nil, stFragment)
	}
	return u.serialize(), true
}

// originOf serializes the URL's origin; opaque origins are "null".
func originOf(u *urlRecord) string {
	switch u.scheme {
	case "http", "https", "ws", "wss", "ftp":
		s := u.serialize()
		return s.get(urlProtocol) + "//" + s.get(urlHost)
	case "blob":
		if p, ok := urlParse(u.serialize().get(urlPathname), nil); ok && (p.scheme == "http" || p.scheme == "https") {
			return originOf(p)
		}
	}
	return "null"
}

// Operations of host.url, shared with js/20-url.js.
const (
	urlOpParse         = iota // (input[, base]) → record, or null on failure
	urlOpSet                  // (href, field, value) → record, or null if href does not parse
	urlOpOrigin               // (href) → origin
	urlOpFormParse            // (string) → [name0, value0, name1, value1, ...]
	urlOpFormSerialize        // ([name0, value0, ...]) → string
	urlOpUSV                  // (string) → string with lone surrogates replaced by U+FFFD
)

// installURL puts the Go side of the url Web APIs on the host object:
// one native function, host.url(op, ...), since every native function
// costs each runtime about as much as a JS one, whether it is used or
// not. A record is [href, offsets...]: ints make a cheaper array than
// strings, and JS slices out only the components it reads. Every
// operation takes strings that JS has already converted, so none of them
// calls back into JS.
func installURL(vm *goja.Runtime, host *goja.Object) {
	record := func(s serialURL) goja.Value {
		var vals [1 + numOffsets]any
		vals[0] = s.href
		for i, o := range s.off {
			vals[1+i] = o
		}
		return vm.NewArray(vals[:]...)
	}
	_ = host.Set("url", urlGuard(func(c goja.FunctionCall) goja.Value {
		a := c.Argument(1)
		switch c.Argument(0).ToInteger() {
		case urlOpParse:
			base := c.Argument(2)
			if u, ok := parseURL(a.String(), base.String(), !goja.IsUndefined(base)); ok {
				return record(u.serialize())
			}
		case urlOpSet:
			if s, ok := setURL(a.String(), int(c.Argument(2).ToInteger()), c.Argument(3).String()); ok {
				return record(s)
			}
		case urlOpOrigin:
			if u, ok := urlParse(a.String(), nil); ok {
				return vm.ToValue(originOf(u))
			}
			return vm.ToValue("null")
		case urlOpFormParse:
			list := formParse(a.String())
			vals := make([]any, len(list))
			for i, s := range list {
				vals[i] = s
			}
			return vm.NewArray(vals...)
		case urlOpFormSerialize:
			var list []string
			if err := vm.ExportTo(a, &list); err == nil {
				return vm.ToValue(formSerialize(list))
			}
		case urlOpUSV:
			// A well-formed string comes back as is; String() decodes lone
			// surrogates to U+FFFD, as WebIDL's USVString conversion does.
			if s, ok := a.(goja.String); ok && !wellFormed(s) {
				return vm.ToValue(a.String())
			}
			return a
		}
		return goja.Null()
	}))
}

// urlGuard turns a panic into a null result, so that no input can take
// the runtime down; goja's own panics (exceptions, interrupts) pass
// through.
func urlGuard(f func(goja.FunctionCall) goja.Value) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) (v goja.Value) {
		defer func() {
			if r := recover(); r != nil {
				switch r.(type) {
				case *goja.Exception, *goja.InterruptedError, *goja.Object:
					panic(r)
				}
				v = goja.Null()
			}
		}()
		return f(c)
	}
}

func wellFormed(s goja.String) bool {
	n := s.Length()
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		if c < 0xD800 || c > 0xDFFF {
			continue
		}
		if c >= 0xDC00 || i+1 == n {
			return false
		}
		if d := s.CharAt(i + 1); d < 0xDC00 || d > 0xDFFF {
			return false
		}
		i++
	}
	return true
}
