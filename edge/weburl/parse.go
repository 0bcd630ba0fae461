package weburl

import (
	"strings"
	"unicode/utf8"
)

// urlState is a state of the basic URL parser, which follows the
// standard's state machine step by step; the comments name the states.
type urlState uint8

const (
	stNone urlState = iota
	stSchemeStart
	stScheme
	stNoScheme
	stSpecialRelativeOrAuthority
	stPathOrAuthority
	stRelative
	stRelativeSlash
	stSpecialAuthoritySlashes
	stSpecialAuthorityIgnoreSlashes
	stAuthority
	stHost
	stHostname
	stPort
	stFile
	stFileSlash
	stFileHost
	stPathStart
	stPath
	stOpaquePath
	stQuery
	stFragment
)

const eof = -1

func (u *URL) shortenPath() {
	if u.scheme == "file" && len(u.path) == 1 && isDriveLetter(u.path[0], true) {
		return
	}
	if len(u.path) > 0 {
		u.path = u.path[:len(u.path)-1]
	}
}

func (u *URL) stripOpaqueSpaces() {
	if u.opaque && !u.hasFragment && !u.hasQuery {
		u.path[0] = strings.TrimRight(u.path[0], " ")
	}
}

func isASCIIAlpha(c rune) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isASCIIDigit(c rune) bool { return '0' <= c && c <= '9' }

// isDriveLetter: an ASCII alpha then ":" (or "|" unless normalized).
func isDriveLetter(s string, normalized bool) bool {
	return len(s) == 2 && isASCIIAlpha(rune(s[0])) && (s[1] == ':' || !normalized && s[1] == '|')
}

func startsWithDriveLetter(s string) bool {
	return len(s) >= 2 && isDriveLetter(s[:2], false) &&
		(len(s) == 2 || s[2] == '/' || s[2] == '\\' || s[2] == '?' || s[2] == '#')
}

func isSingleDot(s string) bool { return s == "." || strings.EqualFold(s, "%2e") }

func isDoubleDot(s string) bool {
	switch len(s) {
	case 2:
		return s == ".."
	case 4:
		return strings.EqualFold(s, ".%2e") || strings.EqualFold(s, "%2e.")
	case 6:
		return strings.EqualFold(s, "%2e%2e")
	}
	return false
}

var tabOrNewline = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// parse runs the basic URL parser on u with an optional state override.
// With an override it may have changed u even when it reports failure,
// as the standard's does; the setters ignore the failure.
//
// ptr is a byte offset. Where the standard decreases the pointer by one
// so that the next state sees c again, the code sets again; where it
// moves the pointer elsewhere, it sets ptr too.
func (u *URL) parse(input string, base *URL, override urlState) bool {
	if strings.ContainsAny(input, "\t\n\r") {
		input = tabOrNewline.Replace(input)
	}
	state := override
	if state == stNone {
		state = stSchemeStart
	}
	var (
		buf, user, pass                  []byte
		bufStart                         int // where the authority's text began
		atSeen, inBrackets, passwordSeen bool
	)
	for ptr := 0; ; {
		c, w := rune(eof), 0
		if ptr < len(input) {
			c, w = utf8.DecodeRuneInString(input[ptr:])
		}
		again, skip := false, 0
		// remaining reports whether the input after c starts with s.
		remaining := func(s string) bool { return strings.HasPrefix(input[ptr+w:], s) }

		switch state {
		case stSchemeStart:
			switch {
			case isASCIIAlpha(c):
				buf = append(buf, byte(c)|0x20)
				state = stScheme
			case override == stNone:
				state, again = stNoScheme, true
			default:
				return false
			}

		case stScheme:
			switch {
			case isASCIIAlpha(c):
				buf = append(buf, byte(c)|0x20)
			case isASCIIDigit(c) || c == '+' || c == '-' || c == '.':
				buf = append(buf, byte(c))
			case c == ':':
				scheme := string(buf)
				if override != stNone {
					if u.special() != isSpecial(scheme) ||
						scheme == "file" && (u.credentials() || u.port >= 0) ||
						u.scheme == "file" && u.hasHost && u.host == "" {
						return true
					}
				}
				u.scheme = scheme
				if override != stNone {
					if dp, _ := specialPort(u.scheme); u.port == dp {
						u.port = -1
					}
					return true
				}
				buf = buf[:0]
				switch {
				case u.scheme == "file":
					state = stFile
				case u.special() && base != nil && base.scheme == u.scheme:
					state = stSpecialRelativeOrAuthority
				case u.special():
					state = stSpecialAuthoritySlashes
				case remaining("/"):
					state, skip = stPathOrAuthority, 1
				default:
					u.opaque, u.path = true, []string{""}
					state = stOpaquePath
				}
			case override == stNone:
				buf = buf[:0]
				state, ptr, again = stNoScheme, 0, true // start over
			default:
				return false
			}

		case stNoScheme:
			switch {
			case base == nil || base.opaque && c != '#':
				return false
			case base.opaque:
				u.scheme, u.opaque, u.path = base.scheme, true, []string{base.path[0]}
				u.query, u.hasQuery = base.query, base.hasQuery
				u.fragment, u.hasFragment = "", true
				state = stFragment
			case base.scheme != "file":
				state, again = stRelative, true
			default:
				state, again = stFile, true
			}

		case stSpecialRelativeOrAuthority:
			if c == '/' && remaining("/") {
				state, skip = stSpecialAuthorityIgnoreSlashes, 1
			} else {
				state, again = stRelative, true
			}

		case stPathOrAuthority:
			if c == '/' {
				state, bufStart = stAuthority, ptr+w
			} else {
				state, again = stPath, true
			}

		case stRelative:
			u.scheme = base.scheme
			if c == '/' || u.special() && c == '\\' {
				state = stRelativeSlash
				break
			}
			u.copyAuthority(base)
			u.path = append([]string(nil), base.path...)
			u.query, u.hasQuery = base.query, base.hasQuery
			switch c {
			case '?':
				u.query, u.hasQuery = "", true
				state = stQuery
			case '#':
				u.fragment, u.hasFragment = "", true
				state = stFragment
			case eof:
			default:
				u.query, u.hasQuery = "", false
				u.shortenPath()
				state, again = stPath, true
			}

		case stRelativeSlash:
			switch {
			case u.special() && (c == '/' || c == '\\'):
				state = stSpecialAuthorityIgnoreSlashes
			case c == '/':
				state, bufStart = stAuthority, ptr+w
			default:
				u.copyAuthority(base)
				state, again = stPath, true
			}

		case stSpecialAuthoritySlashes:
			if c == '/' && remaining("/") {
				state, skip = stSpecialAuthorityIgnoreSlashes, 1
			} else {
				state, again = stSpecialAuthorityIgnoreSlashes, true
			}

		case stSpecialAuthorityIgnoreSlashes:
			if c != '/' && c != '\\' {
				state, again, bufStart = stAuthority, true, ptr
			}

		case stAuthority:
			switch {
			case c == '@':
				info := input[bufStart:ptr]
				if atSeen {
					info = "%40" + info
				}
				atSeen = true
				for _, r := range info {
					switch {
					case r == ':' && !passwordSeen:
						passwordSeen = true
					case passwordSeen:
						pass = appendRune(pass, r, userinfoSet)
					default:
						user = appendRune(user, r, userinfoSet)
					}
				}
				bufStart = ptr + w
			case c == eof || c == '/' || c == '?' || c == '#' || u.special() && c == '\\':
				if atSeen && bufStart == ptr {
					return false
				}
				if atSeen {
					u.username, u.password = string(user), string(pass)
				}
				state, ptr, again = stHost, bufStart, true
			}

		case stHost, stHostname:
			switch {
			case override != stNone && u.scheme == "file":
				state, again = stFileHost, true
			case c == ':' && !inBrackets:
				if len(buf) == 0 || override == stHostname {
					return false
				}
				h, ok := parseHost(string(buf), !u.special())
				if !ok {
					return false
				}
				u.host, u.hasHost = h, true
				buf = buf[:0]
				state = stPort
			case c == eof || c == '/' || c == '?' || c == '#' || u.special() && c == '\\':
				again = true
				if u.special() && len(buf) == 0 {
					return false
				}
				if override != stNone && len(buf) == 0 && (u.credentials() || u.port >= 0) {
					return false
				}
				h, ok := parseHost(string(buf), !u.special())
				if !ok {
					return false
				}
				u.host, u.hasHost = h, true
				buf = buf[:0]
				state = stPathStart
				if override != stNone {
					return true
				}
			default:
				if c == '[' {
					inBrackets = true
				} else if c == ']' {
					inBrackets = false
				}
				buf = utf8.AppendRune(buf, c)
			}

		case stPort:
			switch {
			case isASCIIDigit(c):
				buf = append(buf, byte(c))
			case c == eof || c == '/' || c == '?' || c == '#' || u.special() && c == '\\' || override != stNone:
				if len(buf) > 0 {
					port := 0
					for _, d := range buf {
						port = port*10 + int(d-'0')
						if port > 65535 {
							return false
						}
					}
					if dp, _ := specialPort(u.scheme); port == dp {
						port = -1
					}
					u.port = port
					buf = buf[:0]
					if override != stNone {
						return true
					}
				}
				if override != stNone {
					return false
				}
				state, again = stPathStart, true
			default:
				return false
			}

		case stFile:
			u.scheme = "file"
			u.host, u.hasHost = "", true
			switch {
			case c == '/' || c == '\\':
				state = stFileSlash
			case base != nil && base.scheme == "file":
				u.host, u.hasHost = base.host, base.hasHost
				u.path = append([]string(nil), base.path...)
				u.query, u.hasQuery = base.query, base.hasQuery
				switch c {
				case '?':
					u.query, u.hasQuery = "", true
					state = stQuery
				case '#':
					u.fragment, u.hasFragment = "", true
					state = stFragment
				case eof:
				default:
					u.query, u.hasQuery = "", false
					if !startsWithDriveLetter(input[ptr:]) {
						u.shortenPath()
					} else {
						u.path = u.path[:0]
					}
					state, again = stPath, true
				}
			default:
				state, again = stPath, true
			}

		case stFileSlash:
			if c == '/' || c == '\\' {
				state = stFileHost
				break
			}
			if base != nil && base.scheme == "file" {
				u.host, u.hasHost = base.host, base.hasHost
				if !startsWithDriveLetter(input[ptr:]) && len(base.path) > 0 && isDriveLetter(base.path[0], true) {
					u.path = append(u.path, base.path[0])
				}
			}
			state, again = stPath, true

		case stFileHost:
			switch c {
			case eof, '/', '\\', '?', '#':
				again = true
				switch {
				case override == stNone && isDriveLetter(string(buf), false):
					state = stPath // buf is kept: it starts the path
				case len(buf) == 0:
					u.host, u.hasHost = "", true
					if override != stNone {
						return true
					}
					state = stPathStart
				default:
					h, ok := parseHost(string(buf), !u.special())
					if !ok {
						return false
					}
					if h == "localhost" {
						h = ""
					}
					u.host, u.hasHost = h, true
					if override != stNone {
						return true
					}
					buf = buf[:0]
					state = stPathStart
				}
			default:
				buf = utf8.AppendRune(buf, c)
			}

		case stPathStart:
			switch {
			case u.special():
				state = stPath
				again = c != '/' && c != '\\'
			case override == stNone && c == '?':
				u.query, u.hasQuery = "", true
				state = stQuery
			case override == stNone && c == '#':
				u.fragment, u.hasFragment = "", true
				state = stFragment
			case c != eof:
				state = stPath
				again = c != '/'
			case override != stNone && !u.hasHost:
				u.path = append(u.path, "")
			}

		case stPath:
			slash := c == '/' || u.special() && c == '\\'
			if !(c == eof || slash || override == stNone && (c == '?' || c == '#')) {
				buf = appendRune(buf, c, pathSet)
				break
			}
			seg := string(buf)
			switch {
			case isDoubleDot(seg):
				u.shortenPath()
				if !slash {
					u.path = append(u.path, "")
				}
			case isSingleDot(seg):
				if !slash {
					u.path = append(u.path, "")
				}
			default:
				if u.scheme == "file" && len(u.path) == 0 && isDriveLetter(seg, false) {
					seg = seg[:1] + ":"
				}
				u.path = append(u.path, seg)
			}
			buf = buf[:0]
			switch c {
			case '?':
				u.query, u.hasQuery = "", true
				state = stQuery
			case '#':
				u.fragment, u.hasFragment = "", true
				state = stFragment
			}

		case stOpaquePath:
			switch c {
			case '?', '#', eof:
				u.path[0] = string(buf)
				buf = buf[:0]
				if c == '?' {
					u.query, u.hasQuery = "", true
					state = stQuery
				} else if c == '#' {
					u.fragment, u.hasFragment = "", true
					state = stFragment
				}
			default:
				buf = appendRune(buf, c, c0Set)
			}

		case stQuery:
			if override == stNone && c == '#' || c == eof {
				set := encodeSet(querySet)
				if u.special() {
					set = specialQuerySet
				}
				u.query = string(appendEncoded([]byte(u.query), string(buf), set))
				buf = buf[:0]
				if c == '#' {
					u.fragment, u.hasFragment = "", true
					state = stFragment
				}
			} else {
				buf = utf8.AppendRune(buf, c)
			}

		case stFragment:
			if c != eof {
				buf = appendRune(buf, c, fragmentSet)
			} else {
				u.fragment += string(buf)
			}
		}

		if again {
			continue
		}
		if c == eof {
			return true
		}
		ptr += w + skip
	}
}

func (u *URL) copyAuthority(base *URL) {
	u.username, u.password = base.username, base.password
	u.host, u.hasHost, u.port = base.host, base.hasHost, base.port
}
