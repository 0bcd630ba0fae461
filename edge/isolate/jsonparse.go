package isolate

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// parseJSON is what body.json() runs: JSON.parse of the body's UTF-8 text,
// building JS values straight from the bytes. goja's own JSON.parse reads
// through encoding/json's token stream and was 57% of a 4 KB JSON
// transform handler. Anything this parser does not take (a syntax error,
// invalid UTF-8, a lone surrogate escape, nesting deeper than maxJSONDepth)
// goes to JSON.parse (goja's, behind the depth bound of jsonbound.go), which
// gives the standard answer or error, so the result is always JSON.parse's
// (FuzzParseJSON compares the two).
func (inst *instance) parseJSON(data []byte) goja.Value {
	if utf8.Valid(data) {
		p := jsonParser{vm: inst.vm, data: data}
		p.skipSpace()
		if v, ok := p.value(0); ok {
			if p.skipSpace(); p.pos == len(data) {
				return v
			}
		}
	}
	v, err := inst.jsonParse(goja.Undefined(), inst.vm.ToValue(toValidUTF8(data)))
	if err != nil {
		panic(err)
	}
	return v
}

// maxJSONDepth bounds the fast parser's recursion; deeper input takes the
// slow path.
const maxJSONDepth = 512

type jsonParser struct {
	vm   *goja.Runtime
	data []byte
	pos  int
	buf  []byte // scratch for strings with escapes
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (goja.Value, bool) {
	if p.pos >= len(p.data) || depth > maxJSONDepth {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		return p.vm.ToValue(s), true
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.literal("true"):
		return p.vm.ToValue(true), true
	case p.literal("false"):
		return p.vm.ToValue(false), true
	case p.literal("null"):
		return goja.Null(), true
	}
	return nil, false
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.pos >= len(word) && string(p.data[p.pos:p.pos+len(word)]) == word {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *jsonParser) object(depth int) (goja.Value, bool) {
	p.pos++ // {
	obj := p.vm.NewObject()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj, true
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, false
		}
		key, ok := p.str()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		// JSON.parse creates data properties: "__proto__" is an own key,
		// not the prototype.
		if key == "__proto__" {
			if obj.DefineDataProperty(key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE) != nil {
				return nil, false
			}
		} else if obj.Set(key, v) != nil {
			return nil, false
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return obj, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array(depth int) (goja.Value, bool) {
	p.pos++ // [
	var items []any
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return p.vm.NewArray(), true
	}
	for {
		p.skipSpace()
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		items = append(items, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return p.vm.NewArray(items...), true
		default:
			return nil, false
		}
	}
}

// number reads JSON's number grammar exactly, then converts.
func (p *jsonParser) number() (goja.Value, bool) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		p.digits()
	default:
		return nil, false
	}
	integer := true
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return nil, false
		}
		integer = false
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return nil, false
		}
		integer = false
	}
	lit := string(d[start:p.pos])
	if integer && len(lit) < 16 && lit != "-0" {
		n, err := strconv.ParseInt(lit, 10, 64)
		if err == nil {
			return p.vm.ToValue(n), true
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil { // out of range: whatever goja's JSON.parse does (it refuses 1e400)
		return nil, false
	}
	return p.vm.ToValue(f), true
}

func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// str reads a string literal. It refuses what JSON forbids (control
// characters) and lone surrogate escapes, which a Go string cannot hold;
// the slow path handles those.
func (p *jsonParser) str() (string, bool) {
	p.pos++ // "
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			s := string(p.data[start:p.pos])
			p.pos++
			return s, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		}
		p.pos++
	}
	return "", false
}

func (p *jsonParser) escaped(start int) (string, bool) {
	buf := append(p.buf[:0], p.data[start:p.pos]...)
	defer func() { p.buf = buf }()
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			return "", false
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by an escaped low one
				// makes a code point.
				if r >= 0xDC00 || p.pos+1 >= len(p.data) || p.data[p.pos] != '\\' || p.data[p.pos+1] != 'u' {
					return "", false
				}
				p.pos += 2
				lo, ok := p.hex4()
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return "", false
				}
				r = utf16.DecodeRune(r, lo)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

// toValidUTF8 is a body's text: invalid bytes become U+FFFD.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
