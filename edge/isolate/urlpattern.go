package isolate

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/weburl"
)

// The Go side of js/22-urlpattern.js: the URL Pattern standard's
// canonicalization of component values runs the URL parser with a state
// override on a dummy URL, which edge/weburl can do directly (the JS URL
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
			return vm.NewArray(append(vals, u.HasOpaquePath())...)
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
func urlComponents(u *weburl.URL) [8]string {
	s := u.Serialize()
	return [8]string{
		strings.TrimSuffix(s.Get(weburl.Protocol), ":"),
		s.Get(weburl.Username),
		s.Get(weburl.Password),
		s.Get(weburl.Hostname),
		s.Get(weburl.Port),
		s.Get(weburl.Pathname),
		strings.TrimPrefix(s.Get(weburl.Search), "?"),
		strings.TrimPrefix(s.Get(weburl.Hash), "#"),
	}
}

// patComponents are the components of patOpCanon's kinds; the opaque
// pathname is weburl.CanonicalizeOpaquePathname's.
var patComponents = [...]weburl.Component{
	patProtocol: weburl.Protocol,
	patUsername: weburl.Username,
	patPassword: weburl.Password,
	patHostname: weburl.Hostname,
	patPort:     weburl.Port,
	patPathname: weburl.Pathname,
	patSearch:   weburl.Search,
	patHash:     weburl.Hash,
}

// canonPatternComponent is the URL Pattern standard's "canonicalize a
// protocol" and its siblings (weburl.Canonicalize).
func canonPatternComponent(kind int, value, protocol string) (string, bool) {
	switch {
	case kind == patOpaquePathname:
		return weburl.CanonicalizeOpaquePathname(value), true
	case kind < 0 || kind >= len(patComponents):
		return "", value == ""
	}
	v, err := weburl.Canonicalize(patComponents[kind], value, protocol)
	return v, err == nil
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
