package isolate

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
	"golang.org/x/net/idna"
)

// The WHATWG URL Standard's basic URL parser and form encoding, for the
// URL and URLSearchParams classes of js/20-url.js. A JS URL holds only
// its href and the offsets of its components in it; a setter sends the
// href back with the new value and gets a new record, which is sound
// because parsing a serialized URL gives the same URL again
// (FuzzURLParse checks it).
//
// Why not github.com/nlnwa/whatwg-url: it passes all of WPT's
// urltestdata.json, but a typical parse took ~10 µs with 88 allocations,
// and it serializes the path by repeated string concatenation, so a
// 100 KB URL of short segments took 6.5 s inside one native call, which
// vm.Interrupt cannot stop. This parser is linear in its input.
//
// The code follows the standard's state machine step by step; the
// comments name the states. Validation errors are not reported.

// urlRecord is a URL record. port is -1 when null.
type urlRecord struct {
	scheme, username, password string
	host                       string // serialized; meaningful if hasHost
	hasHost                    bool
	port                       int
	opaque                     bool     // the path is path[0], opaque
	path                       []string // segments, percent-encoded
	query, fragment            string
	hasQuery, hasFragment      bool
}

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

func (u *urlRecord) special() bool { return isSpecial(u.scheme) }

func (u *urlRecord) credentials() bool { return u.username != "" || u.password != "" }

func (u *urlRecord) cannotHaveCredentials() bool {
	return !u.hasHost || u.host == "" || u.scheme == "file"
}

func (u *urlRecord) shortenPath() {
	if u.scheme == "file" && len(u.path) == 1 && isDriveLetter(u.path[0], true) {
		return
	}
	if len(u.path) > 0 {
		u.path = u.path[:len(u.path)-1]
	}
}

func (u *urlRecord) stripOpaqueSpaces() {
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

// Percent-encode sets, as predicates on ASCII bytes; every byte of a code
// point above U+007E is in every set.
type encodeSet func(c byte) bool

func c0Set(c byte) bool { return c < 0x20 || c > 0x7E }
func fragmentSet(c byte) bool {
	return c0Set(c) || c == ' ' || c == '"' || c == '<' || c == '>' || c == '`'
}
func querySet(c byte) bool {
	return c0Set(c) || c == ' ' || c == '"' || c == '#' || c == '<' || c == '>'
}
func specialQuerySet(c byte) bool {
	return querySet(c) || c == '\''
}
func pathSet(c byte) bool { return querySet(c) || c == '?' || c == '`' || c == '{' || c == '}' }
func userinfoSet(c byte) bool {
	return pathSet(c) || c == '/' || c == ':' || c == ';' || c == '=' || c == '@' ||
		'[' <= c && c <= '^' || c == '|'
}

// appendEncoded appends s (UTF-8) with the bytes in set percent-encoded.
func appendEncoded(b []byte, s string, set encodeSet) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if set(c) {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return b
}

// appendRune appends the code point c, percent-encoded with set.
func appendRune(b []byte, c rune, set encodeSet) []byte {
	const hex = "0123456789ABCDEF"
	if c < utf8.RuneSelf {
		if set(byte(c)) {
			return append(b, '%', hex[c>>4], hex[c&15])
		}
		return append(b, byte(c))
	}
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], c)
	for _, x := range tmp[:n] {
		b = append(b, '%', hex[x>>4], hex[x&15])
	}
	return b
}

// urlParse is the basic URL parser without a URL to modify: the one
// behind new URL(input, base).
func urlParse(input string, base *urlRecord) (*urlRecord, bool) {
	input = strings.TrimFunc(input, func(r rune) bool { return r <= ' ' })
	u := &urlRecord{port: -1}
	return u, u.parse(input, base, stNone)
}

var tabOrNewline = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// parse runs the basic URL parser on u with an optional state override.
// With an override it may have changed u even when it reports failure,
// as the standard's does; the setters ignore the failure.
//
// ptr is a byte offset. Where the standard decreases the pointer by one
// so that the next state sees c again, the code sets again; where it
// moves the pointer elsewhere, it sets ptr too.
func (u *urlRecord) parse(input string, base *urlRecord, override urlState) bool {
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

func (u *urlRecord) copyAuthority(base *urlRecord) {
	u.username, u.password = base.username, base.password
	u.host, u.hasHost, u.port = base.host, base.hasHost, base.port
}

// parseHost is the host parser; the result is the serialized host.
func parseHost(input string, opaque bool) (string, bool) {
	if strings.HasPrefix(input, "[") {
		if !strings.HasSuffix(input, "]") || len(input) < 2 {
			return "", false
		}
		return parseIPv6(input[1 : len(input)-1])
	}
	if opaque {
		if strings.ContainsFunc(input, isForbiddenHost) {
			return "", false
		}
		return string(appendEncoded(nil, input, c0Set)), true
	}
	domain := input
	if strings.IndexByte(input, '%') >= 0 {
		domain = decodeUTF8Standard(percentDecode(input))
	}
	ascii, ok := domainToASCII(domain)
	if !ok {
		return "", false
	}
	if endsInNumber(ascii) {
		return parseIPv4(ascii)
	}
	return ascii, true
}

func isForbiddenHost(r rune) bool {
	switch r {
	case 0, '\t', '\n', '\r', ' ', '#', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|':
		return true
	}
	return false
}

func isForbiddenDomain(r rune) bool {
	return isForbiddenHost(r) || r <= 0x1F || r == '%' || r == 0x7F
}

// idnaProfile is UTS #46 ToASCII with the standard's options for
// beStrict=false: CheckHyphens, UseSTD3ASCIIRules and VerifyDnsLength
// off; CheckBidi, CheckJoiners on; nontransitional.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.CheckJoiners(true),
	idna.CheckHyphens(false),
	idna.StrictDomainName(false),
	idna.VerifyDNSLength(false),
	idna.Transitional(false),
)

// domainToASCII is the standard's domain to ASCII with beStrict false.
func domainToASCII(domain string) (string, bool) {
	result := ""
	if asciiNoPunycode(domain) {
		// The standard's own shortcut: UTS #46 would only lowercase.
		result = strings.ToLower(domain)
	} else {
		r, err := idnaProfile.ToASCII(domain)
		if err != nil {
			return "", false
		}
		result = r
	}
	if result == "" || strings.ContainsFunc(result, isForbiddenDomain) {
		return "", false
	}
	return result, true
}

// asciiNoPunycode: domain is ASCII and no label starts with "xn--".
func asciiNoPunycode(domain string) bool {
	for i := 0; i < len(domain); i++ {
		if domain[i] >= utf8.RuneSelf {
			return false
		}
		if (i == 0 || domain[i-1] == '.') && len(domain)-i >= 4 && strings.EqualFold(domain[i:i+4], "xn--") {
			return false
		}
	}
	return true
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		} else {
			b = append(b, c)
		}
	}
	return b
}

func endsInNumber(s string) bool {
	parts := strings.Split(s, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4Number returns the part's value, saturated above 2^32.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	radix := uint64(10)
	if len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s, radix = s[2:], 16
	} else if len(s) >= 2 && s[0] == '0' {
		s, radix = s[1:], 8
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		var d uint64
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= radix {
			return 0, false
		}
		if n = n*radix + d; n > 1<<32 {
			n = 1<<32 + 1
		}
	}
	return n, true
}

func parseIPv4(s string) (string, bool) {
	parts := strings.Split(s, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return "", false
	}
	var nums [4]uint64
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok || i < len(parts)-1 && n > 255 {
			return "", false
		}
		nums[i] = n
	}
	last := nums[len(parts)-1]
	if last >= 1<<(8*(5-len(parts))) {
		return "", false
	}
	addr := last
	for i := 0; i < len(parts)-1; i++ {
		addr += nums[i] << (8 * (3 - i))
	}
	return strconv.Itoa(int(addr>>24)) + "." + strconv.Itoa(int(addr>>16&255)) + "." +
		strconv.Itoa(int(addr>>8&255)) + "." + strconv.Itoa(int(addr&255)), true
}

// parseIPv6 parses the text between the brackets and serializes it with
// its brackets.
func parseIPv6(s string) (string, bool) {
	var addr [8]uint16
	piece, compress := 0, -1
	p := 0
	at := func(i int) int {
		if i < len(s) {
			return int(s[i])
		}
		return eof
	}
	if at(p) == ':' {
		if at(p+1) != ':' {
			return "", false
		}
		p += 2
		piece++
		compress = piece
	}
	for at(p) != eof {
		if piece == 8 {
			return "", false
		}
		if at(p) == ':' {
			if compress >= 0 {
				return "", false
			}
			p++
			piece++
			compress = piece
			continue
		}
		value, length := 0, 0
		for length < 4 && at(p) != eof && isHex(byte(at(p))) {
			value = value*16 + int(unhex(byte(at(p))))
			p++
			length++
		}
		if at(p) == '.' {
			if length == 0 {
				return "", false
			}
			p -= length
			if piece > 6 {
				return "", false
			}
			seen := 0
			for at(p) != eof {
				v := -1
				if seen > 0 {
					if at(p) == '.' && seen < 4 {
						p++
					} else {
						return "", false
					}
				}
				if !isASCIIDigit(rune(at(p))) {
					return "", false
				}
				for isASCIIDigit(rune(at(p))) {
					n := at(p) - '0'
					switch {
					case v < 0:
						v = n
					case v == 0:
						return "", false
					default:
						v = v*10 + n
					}
					if v > 255 {
						return "", false
					}
					p++
				}
				addr[piece] = addr[piece]*0x100 + uint16(v)
				seen++
				if seen == 2 || seen == 4 {
					piece++
				}
			}
			if seen != 4 {
				return "", false
			}
			break
		} else if at(p) == ':' {
			p++
			if at(p) == eof {
				return "", false
			}
		} else if at(p) != eof {
			return "", false
		}
		addr[piece] = uint16(value)
		piece++
	}
	if compress >= 0 {
		swaps := piece - compress
		for piece = 7; piece != 0 && swaps > 0; piece, swaps = piece-1, swaps-1 {
			addr[piece], addr[compress+swaps-1] = addr[compress+swaps-1], addr[piece]
		}
	} else if piece != 8 {
		return "", false
	}
	return serializeIPv6(addr), true
}

func serializeIPv6(addr [8]uint16) string {
	// The first longest run of two or more zero pieces becomes "::".
	compress, best := -1, 1
	for i := 0; i < 8; {
		j := i
		for j < 8 && addr[j] == 0 {
			j++
		}
		if j-i > best {
			compress, best = i, j-i
		}
		i = j + 1
	}
	b := []byte{'['}
	for i := 0; i < 8; i++ {
		if i == compress {
			if i == 0 {
				b = append(b, ':')
			}
			b = append(b, ':')
			i += best - 1
			continue
		}
		b = strconv.AppendUint(b, uint64(addr[i]), 16)
		if i != 7 {
			b = append(b, ':')
		}
	}
	return string(append(b, ']'))
}

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

// formParse is the application/x-www-form-urlencoded parser.
func formParse(s string) []string {
	var list []string
	for s != "" {
		var seq string
		seq, s, _ = strings.Cut(s, "&")
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		list = append(list, formDecode(name), formDecode(value))
	}
	return list
}

// formDecode replaces + with space, percent-decodes, and decodes the bytes
// as UTF-8 the way the Encoding Standard does.
func formDecode(s string) string {
	if !strings.ContainsAny(s, "+%") && utf8.ValidString(s) {
		return s
	}
	return decodeUTF8Standard(percentDecode(strings.ReplaceAll(s, "+", " ")))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// decodeUTF8Standard decodes b as UTF-8 with one U+FFFD for each maximal
// invalid subpart, as the Encoding Standard's decoder does (Go's decoder
// gives one per byte).
func decodeUTF8Standard(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			sb.WriteRune(r)
			i += n
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += invalidSubpart(b[i:])
	}
	return sb.String()
}

// invalidSubpart is the length of the maximal prefix of b that starts a
// UTF-8 sequence but does not complete one (at least 1).
func invalidSubpart(b []byte) int {
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case 0xE0 <= c && c <= 0xEF:
		need = 2
		if c == 0xE0 {
			lo = 0xA0
		} else if c == 0xED {
			hi = 0x9F
		}
	case 0xF0 <= c && c <= 0xF4:
		need = 3
		if c == 0xF0 {
			lo = 0x90
		} else if c == 0xF4 {
			hi = 0x8F
		}
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}

// formSerialize is the application/x-www-form-urlencoded serializer of a
// flat name, value, name, value... list.
func formSerialize(list []string) string {
	var b []byte
	for i := 0; i+1 < len(list); i += 2 {
		if i > 0 {
			b = append(b, '&')
		}
		b = formEncode(b, list[i])
		b = append(b, '=')
		b = formEncode(b, list[i+1])
	}
	return string(b)
}

// formEncode appends s with every byte but ASCII alphanumerics and *-._
// percent-encoded, and space as +. s is UTF-8: goja decodes lone
// surrogates to U+FFFD when it hands a string to Go.
func formEncode(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '*', c == '-', c == '.', c == '_':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}
