package isolate

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/dop251/goja"
)

// The Go side of js/22-urlpattern.js: the URL Pattern standard's
// canonicalization of component values runs the URL parser with a state
// override on a dummy URL, which url_parse.go can do directly (the JS URL
// setters swallow the failures the standard turns into TypeErrors), and
// its name code points are Unicode ID_Start/ID_Continue, which goja's
// regular expressions cannot test. One native function, host.urlpattern(op,
// ...), as in url.go.

// The ops of host.urlpattern.
const (
	patOpCanon    = iota // (kind, value, protocol) → canonical value; throws TypeError
	patOpParseURL        // (input, base) → [protocol, ..., hash, opaque] or null
	patOpNameChar        // (code point string, first) → bool
)

// What patOpCanon canonicalizes.
const (
	patProtocol = iota
	patUsername
	patPassword
	patHostname
	patPort
	patPathname
	patOpaquePathname
	patSearch
	patHash
)

func init() { installers = append(installers, installURLPattern) }

func installURLPattern(inst *instance, host *goja.Object) {
	vm := inst.vm
	_ = host.Set("urlpattern", func(c goja.FunctionCall) goja.Value {
		a := c.Argument(1)
		switch c.Argument(0).ToInteger() {
		case patOpCanon:
			v, ok := canonPatternComponent(int(a.ToInteger()), c.Argument(2).String(), c.Argument(3).String())
			if !ok {
				panic(vm.NewTypeError("URLPattern: invalid " + patKindName[a.ToInteger()] + " " + strconv.Quote(c.Argument(2).String())))
			}
			return vm.ToValue(v)
		case patOpParseURL:
			base := c.Argument(2)
			u, ok := parseURL(a.String(), base.String(), !goja.IsUndefined(base))
			if !ok {
				return goja.Null()
			}
			parts := urlComponents(u)
			vals := make([]any, 0, len(parts)+1)
			for _, p := range parts {
				vals = append(vals, p)
			}
			return vm.NewArray(append(vals, u.opaque)...)
		case patOpNameChar:
			r := []rune(a.String())
			return vm.ToValue(len(r) == 1 && isPatternNameRune(r[0], c.Argument(2).ToBoolean()))
		}
		panic(vm.NewTypeError("urlpattern: unknown operation"))
	})
}

var patKindName = [...]string{"protocol", "username", "password", "hostname", "port", "pathname", "pathname", "search", "hash"}

// urlComponents are a URL's components as URLPattern matches them: no
// ':', '?' or '#' separators, "" for what is absent.
func urlComponents(u *urlRecord) [8]string {
	port := ""
	if u.port >= 0 {
		port = strconv.Itoa(u.port)
	}
	host := ""
	if u.hasHost {
		host = u.host
	}
	return [8]string{u.scheme, u.username, u.password, host, port, urlPathString(u), u.query, u.fragment}
}

// urlPathString is the URL standard's URL path serializer.
func urlPathString(u *urlRecord) string {
	if u.opaque {
		return u.path[0]
	}
	var b strings.Builder
	for _, seg := range u.path {
		b.WriteByte('/')
		b.WriteString(seg)
	}
	return b.String()
}

// canonPatternComponent is the URL Pattern standard's "canonicalize a
// protocol" and its siblings: value parsed into a dummy URL with the
// component's state override. protocol picks the hostname's and port's
// scheme (a special one when it is empty), as the standard's
// "canonicalize a hostname" and "canonicalize a port" take it.
func canonPatternComponent(kind int, value, protocol string) (string, bool) {
	if value == "" {
		return "", true
	}
	u := &urlRecord{port: -1}
	switch kind {
	case patProtocol:
		v, ok := urlParse(value+"://dummy.test", nil)
		if !ok {
			return "", false
		}
		return v.scheme, true
	case patUsername, patPassword:
		return string(appendEncoded(nil, value, userinfoSet)), true
	case patHostname:
		u.scheme = "https"
		if protocol != "" && !isSpecial(protocol) {
			u.scheme = protocol
		}
		if !u.parse(value, nil, stHostname) {
			return "", false
		}
		return u.host, true
	case patPort:
		u.scheme = protocol
		if !u.parse(value, nil, stPort) {
			return "", false
		}
		if u.port < 0 {
			return "", true
		}
		return strconv.Itoa(u.port), true
	case patPathname:
		modified := value
		if value[0] != '/' {
			modified = "/-" + value
		}
		u.parse(modified, nil, stPathStart)
		s := urlPathString(u)
		if value[0] != '/' {
			s = s[min(2, len(s)):]
		}
		return s, true
	case patOpaquePathname:
		u.opaque, u.path = true, []string{""}
		u.parse(value, nil, stOpaquePath)
		return u.path[0], true
	case patSearch:
		u.hasQuery = true
		u.parse(value, nil, stQuery)
		return u.query, true
	case patHash:
		u.hasFragment = true
		u.parse(value, nil, stFragment)
		return u.fragment, true
	}
	return "", false
}

// isPatternNameRune reports whether r may be in a :name: ID_Start, '$' or
// '_' first; then ID_Continue, '$', ZWNJ or ZWJ.
func isPatternNameRune(r rune, first bool) bool {
	if r == '$' || r == '_' || idStart(r) {
		return true
	}
	if first {
		return false
	}
	return r == 0x200C || r == 0x200D || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}

// idStart is Unicode's ID_Start: letters, letter numbers and
// Other_ID_Start, less Pattern_Syntax and Pattern_White_Space.
func idStart(r rune) bool {
	if unicode.Is(unicode.Pattern_Syntax, r) || unicode.Is(unicode.Pattern_White_Space, r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.In(r, unicode.Nl, unicode.Other_ID_Start)
}
