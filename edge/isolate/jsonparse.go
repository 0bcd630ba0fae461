package isolate

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/dop251/goja"
)

// parseJSON is what body.json() runs: JSON.parse of the body's UTF-8 text
// (invalid bytes read as U+FFFD), building JS values straight from the
// bytes.
func (inst *instance) parseJSON(data []byte) goja.Value {
	if utf8.Valid(data) {
		// Read in place: every string the parser keeps is a copy
		// (jsonParser.keep, key), so no value holds on to data.
		return inst.parseJSONText(unsafe.String(unsafe.SliceData(data), len(data)))
	}
	return inst.parseJSONText(strings.ToValidUTF8(string(data), "\uFFFD"))
}

// parseJSONText is ECMA-262's JSON.parse of text without a reviver, in
// Go: the grammar of RFC 8259 exactly, SyntaxErrors worded as V8's (the
// position in UTF-16 code units), nesting deeper than maxJSONNesting a
// RangeError. goja's own JSON.parse read through encoding/json's token
// stream: it was 57% of a 4 KB JSON transform handler, refused 1e400
// (Infinity) and recursed without a bound.
func (inst *instance) parseJSONText(text string) goja.Value {
	p := newJSONParser(inst, text, false)
	defer p.release()
	return p.document()
}

// parseJSONValue is JSON.parse of a JS string. One that holds lone
// surrogates, which goja's String() turns into U+FFFD, is read as WTF-8
// (each lone surrogate as its 3-byte generalized UTF-8 sequence) and the
// strings that hold one are made back in UTF-16.
func (inst *instance) parseJSONValue(text goja.Value) goja.Value {
	js, ok := text.ToString().(goja.String)
	if !ok {
		return inst.parseJSONText(text.String())
	}
	s := js.String()
	if len(s) == js.Length() || !strings.ContainsRune(s, utf8.RuneError) {
		return inst.parseJSONText(s)
	}
	p := newJSONParser(inst, toWTF8(js), true)
	defer p.release()
	return p.document()
}

// toWTF8 is a JS string in UTF-8, lone surrogates included.
func toWTF8(js goja.String) string {
	n := js.Length()
	b := make([]byte, 0, n+n/2)
	for i := 0; i < n; i++ {
		c := rune(js.CharAt(i))
		if c >= 0xD800 && c < 0xDC00 && i+1 < n {
			if lo := rune(js.CharAt(i + 1)); lo >= 0xDC00 && lo <= 0xDFFF {
				b = utf8.AppendRune(b, utf16.DecodeRune(c, lo))
				i++
				continue
			}
		}
		if utf16.IsSurrogate(c) {
			b = append(b, 0xE0|byte(c>>12), 0x80|byte(c>>6)&0x3F, 0x80|byte(c)&0x3F)
			continue
		}
		b = utf8.AppendRune(b, c)
	}
	return string(b)
}

// hasWTF8Surrogate reports whether s holds an encoded lone surrogate.
func hasWTF8Surrogate(s string) bool {
	for i := strings.IndexByte(s, 0xED); i >= 0 && i+1 < len(s); {
		if s[i+1] >= 0xA0 {
			return true
		}
		j := strings.IndexByte(s[i+1:], 0xED)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// wtf8ToUTF16 decodes WTF-8 (valid UTF-8 is a part of it).
func wtf8ToUTF16(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 {
			u = append(u, 0xD000|uint16(s[i+1]&0x3F)<<6|uint16(s[i+2]&0x3F))
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		u = utf16.AppendRune(u, r)
		i += size
	}
	return u
}

type jsonParser struct {
	inst  *instance
	vm    *goja.Runtime
	data  string
	pos   int
	count int  // values read since the last look at the limits
	wtf8  bool // data holds lone surrogates, as WTF-8
	*jsonScratch
	chunk []byte // where short strings are copied (keep)
}

// jsonScratch is what a parse reuses from the last one: the elements of
// the arrays being read (innermost last), the keys met (interned) and the
// buffer for strings with escapes.
type jsonScratch struct {
	elems []any
	keys  map[string]string
	buf   []byte
}

var jsonScratchPool = sync.Pool{New: func() any { return &jsonScratch{keys: make(map[string]string)} }}

// jsonMaxKeys bounds the keys a parse interns; jsonMaxKey, their length.
const (
	jsonMaxKeys = 1024
	jsonMaxKey  = 64
)

// jsonChunk is the size of the blocks short strings are copied into: a
// string kept by the program keeps at most this much memory alive.
const jsonChunk = 1024

func newJSONParser(inst *instance, text string, wtf8 bool) *jsonParser {
	return &jsonParser{inst: inst, vm: inst.vm, data: text, wtf8: wtf8,
		jsonScratch: jsonScratchPool.Get().(*jsonScratch)}
}

// release gives the scratch back for the next parse, without what it
// refers to.
func (p *jsonParser) release() {
	sc := p.jsonScratch
	p.jsonScratch = nil
	clear(sc.elems) // what a failed parse left: array clears what it pops
	sc.elems = sc.elems[:0]
	if len(sc.keys) > 0 {
		clear(sc.keys)
	}
	if cap(sc.buf) > 64<<10 {
		sc.buf = nil
	}
	if cap(sc.elems) > 64<<10 {
		sc.elems = nil
	}
	jsonScratchPool.Put(sc)
}

// document reads the whole text as one value.
func (p *jsonParser) document() goja.Value {
	p.skipSpace()
	v := p.value(0)
	if p.skipSpace(); p.pos < len(p.data) {
		p.fail(jsonAfterValue)
	}
	return v
}

// A jsonFault is what went wrong; fail words it as V8 does.
type jsonFault int

const (
	jsonUnexpected jsonFault = iota
	jsonAfterValue
	jsonPropertyName
	jsonQuotedName
	jsonColon
	jsonAfterArray
	jsonAfterProperty
	jsonNoDigit
	jsonFraction
	jsonExponent
	jsonLeadingZero
	jsonUnterminated
	jsonBadEscape
	jsonBadUnicode
	jsonControl
)

var jsonFaultText = [...]string{
	jsonAfterValue:    "Unexpected non-whitespace character after JSON",
	jsonPropertyName:  "Expected property name or '}' in JSON",
	jsonQuotedName:    "Expected double-quoted property name in JSON",
	jsonColon:         "Expected ':' after property name in JSON",
	jsonAfterArray:    "Expected ',' or ']' after array element in JSON",
	jsonAfterProperty: "Expected ',' or '}' after property value in JSON",
	jsonNoDigit:       "No number after minus sign in JSON",
	jsonFraction:      "Unterminated fractional number in JSON",
	jsonExponent:      "Exponent part is missing a number in JSON",
	jsonLeadingZero:   "Unexpected number in JSON",
	jsonUnterminated:  "Unterminated string in JSON",
	jsonBadEscape:     "Bad escaped character in JSON",
	jsonBadUnicode:    "Bad Unicode escape in JSON",
	jsonControl:       "Bad control character in string literal in JSON",
}

// fail throws the SyntaxError for a fault at p.pos.
func (p *jsonParser) fail(f jsonFault) {
	var msg []uint16
	switch {
	case p.pos >= len(p.data) && f == jsonUnexpected:
		msg = utf16.Encode([]rune("Unexpected end of JSON input"))
	case f == jsonUnexpected && (p.data == "NaN" || p.data == "Infinity" || p.data == "undefined" || p.data == "[object Object]"):
		// What String() of a value that is not JSON gives.
		msg = utf16.Encode([]rune(`"` + p.data + `" is not valid JSON`))
	case f == jsonUnexpected:
		// V8 counts in UTF-16 code units: the token is the unit at the
		// position, the excerpt ten units either side of it.
		text, at := wtf8ToUTF16(p.data), utf16Len(p.data[:p.pos])
		msg = utf16.Encode([]rune("Unexpected token '"))
		msg = append(msg, text[at])
		msg = append(msg, utf16.Encode([]rune("', "))...)
		const side = 10
		start, end := 0, len(text)
		if len(text) > 2*side+1 {
			start, end = max(0, at-side), min(len(text), at+side)
		}
		if start > 0 {
			msg = append(msg, '.', '.', '.')
		}
		msg = append(msg, '"')
		msg = append(msg, text[start:end]...)
		msg = append(msg, '"')
		if end < len(text) {
			msg = append(msg, '.', '.', '.')
		}
		msg = append(msg, utf16.Encode([]rune(" is not valid JSON"))...)
	default:
		before := p.data[:p.pos]
		line := 1 + strings.Count(before, "\n")
		col := 1 + utf16Len(before[strings.LastIndexByte(before, '\n')+1:])
		msg = utf16.Encode([]rune(jsonFaultText[f] + " at position " + strconv.Itoa(utf16Len(before)) +
			" (line " + strconv.Itoa(line) + " column " + strconv.Itoa(col) + ")"))
	}
	ctor, _ := goja.AssertConstructor(p.vm.Get("SyntaxError"))
	e, err := ctor(nil, goja.StringFromUTF16(msg))
	if err != nil {
		panic(err)
	}
	panic(e)
}

func utf16Len(s string) int {
	return len(wtf8ToUTF16(s))
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

func (p *jsonParser) value(depth int) goja.Value {
	if p.count++; p.count >= jsonCheckEvery {
		// A long parse is one Go call, which vm.Interrupt cannot stop.
		p.count = 0
		if err := p.inst.watch.err(); err != nil {
			p.inst.throwRange("JSON.parse interrupted: " + err.Error())
		}
	}
	if p.pos >= len(p.data) {
		p.fail(jsonUnexpected)
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		p.word("true")
		return p.vm.ToValue(true)
	case c == 'f':
		p.word("false")
		return p.vm.ToValue(false)
	case c == 'n':
		p.word("null")
		return goja.Null()
	}
	p.fail(jsonUnexpected)
	return nil
}

// word consumes a literal; V8 reports the first character that differs
// ("tru x" at the space, "tru" as the end of input).
func (p *jsonParser) word(w string) {
	for i := 0; i < len(w); i++ {
		if p.pos >= len(p.data) || p.data[p.pos] != w[i] {
			p.fail(jsonUnexpected)
		}
		p.pos++
	}
}

func (p *jsonParser) enter(depth int) {
	if depth > maxJSONNesting {
		p.inst.throwRange("JSON nests deeper than " + strconv.Itoa(maxJSONNesting) + " levels")
	}
}

func (p *jsonParser) object(depth int) goja.Value {
	p.enter(depth)
	p.pos++ // {
	obj := p.vm.NewObject()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj
	}
	for first := true; ; first = false {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			if first {
				p.fail(jsonPropertyName)
			}
			p.fail(jsonQuotedName)
		}
		key, utf16Key := p.key()
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			p.fail(jsonColon)
		}
		p.pos++
		p.skipSpace()
		v := p.value(depth)
		// CreateDataProperty: "__proto__" is an own key, a setter on
		// Object.prototype is not called, a later duplicate replaces the
		// value where the first one stands.
		if utf16Key != nil {
			p.defineUTF16(obj, utf16Key, v)
		} else if err := obj.DefineDataProperty(key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
			panic(err)
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			p.fail(jsonAfterProperty)
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return obj
		default:
			p.fail(jsonAfterProperty)
		}
	}
}

// defineUTF16 defines a key that holds a lone surrogate, which a Go string
// cannot: through Reflect.defineProperty, which takes any JS string.
func (p *jsonParser) defineUTF16(obj *goja.Object, key goja.Value, v goja.Value) {
	reflect := p.vm.Get("Reflect").ToObject(p.vm)
	define, _ := goja.AssertFunction(reflect.Get("defineProperty"))
	desc := p.vm.NewObject()
	_ = desc.Set("value", v)
	_ = desc.Set("writable", true)
	_ = desc.Set("enumerable", true)
	_ = desc.Set("configurable", true)
	if _, err := define(goja.Undefined(), obj, key, desc); err != nil {
		panic(err)
	}
}

func (p *jsonParser) array(depth int) goja.Value {
	p.enter(depth)
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return p.vm.NewArray()
	}
	// The elements go on the shared stack; NewArray copies them out.
	start := len(p.elems)
	for {
		p.skipSpace()
		v := p.value(depth)
		p.elems = append(p.elems, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			p.fail(jsonAfterArray)
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			a := p.vm.NewArray(p.elems[start:]...)
			clear(p.elems[start:])
			p.elems = p.elems[:start]
			return a
		default:
			p.fail(jsonAfterArray)
		}
	}
}

// number reads JSON's number grammar exactly, then converts: an integer
// that fits stays an integer value, as goja's own parser made it.
func (p *jsonParser) number() goja.Value {
	start := p.pos
	d := p.data
	neg := d[p.pos] == '-'
	if neg {
		p.pos++
	}
	// The digits are summed as they are read: up to 15 significant ones
	// (below 2^53) the value is exact.
	var mant uint64
	nd := 0 // digits in mant
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
		if p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.fail(jsonLeadingZero)
		}
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		for ; p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9'; p.pos++ {
			mant = mant*10 + uint64(d[p.pos]-'0')
			nd++
		}
	default:
		p.fail(jsonNoDigit)
	}
	frac := 0 // digits after the point
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		for ; p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9'; p.pos++ {
			mant = mant*10 + uint64(d[p.pos]-'0')
			if mant != 0 {
				nd++
			}
			frac++
		}
		if frac == 0 {
			p.fail(jsonFraction)
		}
	}
	exp := false
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			p.fail(jsonExponent)
		}
		exp = true
	}
	var f float64
	switch {
	case exp || nd > 15 || frac > 22:
		var err error
		f, err = strconv.ParseFloat(d[start:p.pos], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // 1e400 is Infinity
			p.fail(jsonUnexpected)
		}
	case frac == 0 && !(neg && mant == 0):
		n := int64(mant)
		if neg {
			n = -n
		}
		return p.vm.ToValue(n)
	default:
		// Both exact, so the quotient is correctly rounded, as
		// ParseFloat's would be.
		f = float64(mant) / jsonPow10[frac]
		if neg {
			f = -f
		}
	}
	if math.IsInf(f, 0) || f == 0 || f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return p.vm.ToValue(f)
	}
	return p.vm.ToValue(int64(f)) // 1.0 and 1e3 are integers too
}

// jsonPow10 are the powers of ten a float64 holds exactly.
var jsonPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// str reads a string literal as a value.
func (p *jsonParser) str() goja.Value {
	s, u := p.literalString()
	if u != nil {
		return goja.StringFromUTF16(u)
	}
	return p.vm.ToValue(p.keep(s))
}

// keep copies a string out of the text (or the escape buffer): short ones
// into a block shared with the strings that follow, so that a parse
// allocates per jsonChunk bytes of text rather than per string, and a
// string the program keeps keeps at most a block alive.
func (p *jsonParser) keep(s string) string {
	switch {
	case len(s) == 0:
		return ""
	case len(s) > jsonChunk/8:
		return strings.Clone(s)
	}
	if cap(p.chunk)-len(p.chunk) < len(s) {
		// No larger than what is left of the text could need.
		p.chunk = make([]byte, 0, max(len(s), min(jsonChunk, len(p.data)-p.pos+len(s))))
	}
	at := len(p.chunk)
	p.chunk = append(p.chunk, s...)
	return unsafe.String(&p.chunk[at], len(s))
}

// key reads a property name; names are interned, objects in an array
// share their keys. A name with a lone surrogate comes back as a JS
// string.
func (p *jsonParser) key() (string, goja.Value) {
	s, u := p.literalString()
	if u != nil {
		return "", goja.StringFromUTF16(u)
	}
	if k, ok := p.keys[s]; ok {
		return k, nil
	}
	k := p.keep(s)
	if len(k) <= jsonMaxKey && len(p.keys) < jsonMaxKeys {
		p.keys[k] = k
	}
	return k, nil
}

// literalString reads a string literal. The result is a view of the
// text or of the escape buffer, valid until the next string is read:
// whoever keeps it copies it (keep). A string with an escaped lone
// surrogate, which UTF-8 cannot hold, comes back in UTF-16 instead.
func (p *jsonParser) literalString() (string, []uint16) {
	p.pos++ // "
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			s := p.data[start:p.pos]
			p.pos++
			if p.wtf8 && hasWTF8Surrogate(s) {
				return "", wtf8ToUTF16(s)
			}
			return s, nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.fail(jsonControl)
		}
		p.pos++
	}
	p.fail(jsonUnterminated)
	return "", nil
}

func (p *jsonParser) escaped(start int) (string, []uint16) {
	buf := append(p.buf[:0], p.data[start:p.pos]...)
	defer func() { p.buf = buf[:0] }()
	var units []uint16 // once a lone surrogate is met
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if units != nil || p.wtf8 && hasWTF8Surrogate(string(buf)) {
				return "", append(units, wtf8ToUTF16(string(buf))...)
			}
			if len(buf) == 0 {
				return "", nil
			}
			return unsafe.String(&buf[0], len(buf)), nil // a view: see literalString
		case c < 0x20:
			p.fail(jsonControl)
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			p.pos = len(p.data)
			p.fail(jsonUnexpected)
		}
		p.pos++
		e := p.data[p.pos]
		p.pos++
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
			r := p.hex4()
			if utf16.IsSurrogate(r) {
				if lo, ok := p.lowSurrogate(r); ok {
					buf = utf8.AppendRune(buf, utf16.DecodeRune(r, lo))
					continue
				}
				// A lone surrogate: go on in UTF-16.
				units = append(units, wtf8ToUTF16(string(buf))...)
				units = append(units, uint16(r))
				buf = buf[:0]
				continue
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos--
			p.fail(jsonBadEscape)
		}
	}
	p.fail(jsonUnterminated)
	return "", nil
}

// lowSurrogate reads the \uDC00-\uDFFF escape that makes a pair with hi,
// if one follows.
func (p *jsonParser) lowSurrogate(hi rune) (rune, bool) {
	if hi >= 0xDC00 || !strings.HasPrefix(p.data[p.pos:], `\u`) {
		return 0, false
	}
	save := p.pos
	p.pos += 2
	lo := p.hex4()
	if lo < 0xDC00 || lo > 0xDFFF {
		p.pos = save
		return 0, false
	}
	return lo, true
}

func (p *jsonParser) hex4() rune {
	var r rune
	for i := 0; i < 4; i++ {
		if p.pos >= len(p.data) {
			p.fail(jsonBadUnicode)
		}
		c := p.data[p.pos]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			p.fail(jsonBadUnicode)
		}
		p.pos++
	}
	return r
}

// toValidUTF8 is a body's text: invalid bytes become U+FFFD.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
