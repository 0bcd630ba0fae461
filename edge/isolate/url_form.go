package isolate

import (
	"strings"
	"unicode/utf8"
)

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
