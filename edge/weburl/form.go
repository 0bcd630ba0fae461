package weburl

import (
	"strings"
	"unicode/utf8"
)

// ParseForm is the application/x-www-form-urlencoded parser: the name
// and value of each pair in s, flat, as name0, value0, name1, value1...
// '+' is a space, and bytes that are not UTF-8, percent-encoded or not,
// become U+FFFD, one for each maximal invalid subpart.
func ParseForm(s string) []string {
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
	return decodeUTF8(percentDecode(strings.ReplaceAll(s, "+", " ")))
}

// SerializeForm is the application/x-www-form-urlencoded serializer of a
// flat name0, value0, name1, value1... list, as ParseForm returns it. A
// last name without a value is left out.
func SerializeForm(list []string) string {
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
// percent-encoded, and space as +. s is taken to be UTF-8 (a caller
// with UTF-16 replaces lone surrogates first).
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
