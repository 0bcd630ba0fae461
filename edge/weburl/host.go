package weburl

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

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
		domain = decodeUTF8(percentDecode(input))
	}
	ascii, ok := domainToASCII(domain)
	if !ok {
		return "", false
	}
	if EndsInNumber(ascii) {
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

// EndsInNumber is the standard's "ends in a number checker": the host
// parser reads an ASCII domain for which it holds as an IPv4 address (hex,
// octal and fewer than four parts allowed), so that it is one or the URL
// fails. It does not allocate.
func EndsInNumber(domain string) bool {
	if len(domain) > 1 {
		domain = strings.TrimSuffix(domain, ".")
	}
	last := domain[strings.LastIndexByte(domain, '.')+1:]
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
