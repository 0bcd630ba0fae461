package weburl

import (
	"strings"
	"unicode/utf8"
)

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

// percentDecode is the standard's percent-decode: a '%' not followed by
// two hex digits stays as it is.
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

// decodeUTF8 decodes b as UTF-8 with one U+FFFD for each maximal
// invalid subpart, as the Encoding Standard's decoder does (Go's decoder
// gives one per byte).
func decodeUTF8(b []byte) string {
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
