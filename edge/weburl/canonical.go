package weburl

import "strings"

// Canonical recognizes an input that is already the href of an http,
// https, ws or wss URL in the serializer's form, with no credentials: the
// form every request URL of the edge has, and most URLs written in code.
// For such an input the parser would give the input back, so Canonical
// computes the offsets of its components in one pass and allocates
// nothing. ok false says only that the input is not of that form (it may
// still be a URL, or be invalid): parse it with Parse.
//
// Every check below is one of the parser's steps that would change the
// input or fail; FuzzCanonical holds Canonical to Parse on any input.
func Canonical(input string) (s Serialized, ok bool) {
	var o Offsets
	defaultPort := 0
	for _, sc := range canonicalSchemes {
		if strings.HasPrefix(input, sc.prefix) {
			o.ProtocolEnd, defaultPort = len(sc.prefix)-len("//"), sc.port
			break
		}
	}
	if defaultPort == 0 {
		return Serialized{}, false
	}

	// The authority: a host of lowercase letters, digits, '.', '-' and
	// '_' (the only bytes domain to ASCII keeps as they are without
	// punycode), then an optional port.
	i := o.ProtocolEnd + 2
	o.Username, o.UsernameEnd, o.Password, o.PasswordEnd, o.Host = i, i, i, i, i
	for i < len(input) && isCanonicalHostByte(input[i]) {
		i++
	}
	host := input[o.Host:i]
	if host == "" || !canonicalHost(host) {
		return Serialized{}, false
	}
	o.HostnameEnd, o.Port = i, i
	if i < len(input) && input[i] == ':' {
		i++
		o.Port = i
		port := 0
		for i < len(input) && '0' <= input[i] && input[i] <= '9' {
			port = port*10 + int(input[i]-'0')
			if port > 65535 {
				return Serialized{}, false
			}
			i++
		}
		digits := input[o.Port:i]
		if digits == "" || digits[0] == '0' && len(digits) > 1 || port == defaultPort {
			return Serialized{}, false
		}
	}
	o.PortEnd = i

	// The path: it must be there (the parser adds "/"), and every byte of
	// it one the path state keeps, with no "." or ".." segment to remove.
	if i == len(input) || input[i] != '/' {
		return Serialized{}, false
	}
	o.Pathname = i
	seg := i + 1
	for ; i < len(input) && input[i] != '?' && input[i] != '#'; i++ {
		c := input[i]
		if pathSet(c) || c == '\\' {
			return Serialized{}, false
		}
		if c == '/' && i > o.Pathname {
			if isDotSegment(input[seg:i]) {
				return Serialized{}, false
			}
			seg = i + 1
		}
	}
	if isDotSegment(input[seg:i]) {
		return Serialized{}, false
	}
	o.Search = i
	if i < len(input) && input[i] == '?' {
		for i++; i < len(input) && input[i] != '#'; i++ {
			if specialQuerySet(input[i]) {
				return Serialized{}, false
			}
		}
	}
	o.Hash = i
	if i < len(input) {
		for i++; i < len(input); i++ {
			if fragmentSet(input[i]) {
				return Serialized{}, false
			}
		}
	}
	return Serialized{Href: input, Offsets: o}, true
}

// canonicalSchemes are the special schemes Canonical takes, with the
// default port the serializer leaves out.
var canonicalSchemes = [...]struct {
	prefix string
	port   int
}{{"http://", 80}, {"https://", 443}, {"ws://", 80}, {"wss://", 443}}

func isCanonicalHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_'
}

func isDotSegment(s string) bool { return isSingleDot(s) || isDoubleDot(s) }

// canonicalHost reports whether the host parser keeps host, a run of
// canonical host bytes, as it is: a domain without punycode labels that
// does not end in a number, or an IPv4 address in dotted decimal.
func canonicalHost(host string) bool {
	if !asciiNoPunycode(host) {
		return false
	}
	if !EndsInNumber(host) {
		return true
	}
	// Four decimal parts of 0 to 255 without leading zeros serialize as
	// they are; any other number form is rewritten or fails.
	parts := 0
	for len(host) > 0 || parts == 0 {
		part := host
		if i := strings.IndexByte(host, '.'); i >= 0 {
			part, host = host[:i], host[i+1:]
			if host == "" {
				return false // a trailing dot
			}
		} else {
			host = ""
		}
		parts++
		if part == "" || len(part) > 3 || len(part) > 1 && part[0] == '0' || strings.Trim(part, "0123456789") != "" {
			return false
		}
		if n, _ := parseIPv4Number(part); n > 255 {
			return false
		}
	}
	return parts == 4
}
