package isolate

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// jsonStringify is ECMA-262's JSON.stringify (25.5.2) written in Go over
// goja's public API. goja's own indented a member after an empty array one
// level too deep ({a:[],b:1} with a gap), walked every value through a
// replacer of ours to bound the depth, and checked each level for a cycle
// against all the levels above it. This one writes into one byte slice,
// bounds the depth as it descends and looks the limits up every
// jsonCheckEvery values, since vm.Interrupt cannot stop a Go loop.
type jsonStringify struct {
	inst     *instance
	b        *jsonBounds
	vm       *goja.Runtime
	buf      []byte
	replacer goja.Callable
	keys     []string // the replacer array's property list, or nil
	gap      string
	indent   []byte
	stack    []*goja.Object // the objects being serialized, for cycles
	limit    int            // deepest nesting allowed
	count    int            // values serialized since the last check
}

// maxKeptJSONBuffer is the largest output buffer an isolate keeps for the
// next JSON.stringify, so that a typical answer is written without growing
// its buffer.
const maxKeptJSONBuffer = 64 << 10

// jsonCheckEvery is how many values JSON.stringify serializes between two
// looks at the invocation's limits: a few microseconds of work.
const jsonCheckEvery = 1024

// proxyType is what ExportType says for a Proxy, which IsArray sees through.
var proxyType = reflect.TypeOf(goja.Proxy{})

// bigIntType is what ExportType says for a BigInt object.
var bigIntType = reflect.TypeOf((*big.Int)(nil))

// stringifyCall is JSON.stringify(value, replacer, space).
func (b *jsonBounds) stringifyCall(call goja.FunctionCall) goja.Value {
	vm := b.inst.vm
	s := jsonStringify{inst: b.inst, b: b, vm: vm, limit: maxJSONNesting}
	if r, ok := call.Argument(1).(*goja.Object); ok {
		if f, ok := goja.AssertFunction(r); ok {
			s.replacer = f
		} else if isArray(s.vm, r) {
			s.keys = propertyList(r)
		}
	}
	s.gap, s.limit = jsonGap(call.Argument(2))
	value := call.Argument(0)
	var holder *goja.Object
	if s.replacer != nil {
		// The wrapper is observable only as the replacer's this.
		holder = vm.NewObject()
		if err := holder.Set("", value); err != nil {
			panic(err)
		}
	}
	// Taken, not shared: a toJSON or getter may call JSON.stringify.
	s.buf, b.buf = b.buf[:0], nil
	defer func() {
		if cap(s.buf) <= maxKeptJSONBuffer {
			b.buf = s.buf[:0]
		}
	}()
	if !s.property("", nil, holder, value) {
		return goja.Undefined()
	}
	return vm.ToValue(string(s.buf))
}

// jsonGap reads JSON.stringify's space argument (a Number or String object
// is unwrapped, once) into the gap, and returns with it the nesting bound
// for its width (maxJSONIndent).
func jsonGap(space goja.Value) (string, int) {
	if o, ok := space.(*goja.Object); ok {
		switch o.ClassName() {
		case "Number":
			space = o.ToNumber()
		case "String":
			space = o.ToString()
		}
	}
	gap := ""
	switch {
	case goja.IsNumber(space):
		if f := space.ToFloat(); f >= 1 { // not NaN
			gap = strings.Repeat(" ", int(math.Min(10, f)))
		}
	case goja.IsString(space):
		s := space.(goja.String)
		if s.Length() > 10 {
			s = s.Substring(0, 10)
		}
		gap = s.String()
	}
	if gap == "" {
		return "", maxJSONNesting
	}
	return gap, min(maxJSONNesting, maxJSONIndent/len(gap))
}

// isArray is ECMA-262's IsArray: true for arrays and for proxies of
// arrays; a revoked proxy is a TypeError.
func isArray(vm *goja.Runtime, o *goja.Object) bool {
	for {
		switch o.ClassName() {
		case "Array":
			return true
		case "Object":
			if o.ExportType() != proxyType {
				return false
			}
			p, _ := o.Export().(goja.Proxy)
			if o = p.Target(); o == nil {
				panic(vm.NewTypeError("Cannot perform 'IsArray' on a proxy that has been revoked"))
			}
		default:
			return false
		}
	}
}

// property is SerializeJSONProperty of holder[key], whose value the caller
// read. It reports whether it wrote anything (undefined, functions and
// symbols are not serialized).
func (s *jsonStringify) property(key string, keyValue goja.Value, holder *goja.Object, value goja.Value) bool {
	if s.count++; s.count >= jsonCheckEvery {
		s.count = 0
		s.checkLimits()
	}
	if value == nil {
		value = goja.Undefined()
	}
	// toJSON, own or inherited, of an object or a BigInt.
	var toJSONOf goja.Value
	if o, ok := value.(*goja.Object); ok {
		toJSONOf = o.Get("toJSON")
	} else if goja.IsBigInt(value) {
		toJSONOf = value.ToObject(s.vm).Get("toJSON")
	}
	if toJSONOf != nil {
		if f, ok := goja.AssertFunction(toJSONOf); ok {
			if keyValue == nil {
				keyValue = s.vm.ToValue(key)
			}
			value = s.call(f, value, keyValue)
		}
	}
	if s.replacer != nil {
		if keyValue == nil {
			keyValue = s.vm.ToValue(key)
		}
		value = s.call(s.replacer, holder, keyValue, value)
	}
	if o, ok := value.(*goja.Object); ok {
		switch o.ClassName() {
		case "Number":
			value = o.ToNumber()
		case "String":
			value = o.ToString()
		case "Boolean":
			value = s.vm.ToValue(o.Export())
		case "Object": // goja's class of a BigInt object
			if o.ExportType() == bigIntType {
				s.bigInt()
			}
		case "RawJSON":
			s.buf = append(s.buf, o.Get("rawJSON").String()...)
			return true
		}
	}
	switch v := value.(type) {
	case *goja.Object:
		if _, ok := goja.AssertFunction(v); ok {
			return false
		}
		if isArray(s.vm, v) {
			s.array(v)
		} else {
			s.object(v)
		}
		return true
	case goja.String:
		s.quote(v)
		return true
	case *goja.Symbol:
		return false
	}
	switch {
	case goja.IsNumber(value):
		s.number(value)
	case goja.IsNull(value):
		s.buf = append(s.buf, "null"...)
	case goja.IsUndefined(value):
		return false
	case goja.IsBigInt(value):
		s.bigInt()
	default:
		if b, ok := value.Export().(bool); ok {
			s.buf = strconv.AppendBool(s.buf, b)
			return true
		}
		return false
	}
	return true
}

func (s *jsonStringify) bigInt() {
	panic(s.vm.NewTypeError("Do not know how to serialize a BigInt"))
}

// number writes a finite number as Number::toString does, and the others
// as null, without a string of goja's.
func (s *jsonStringify) number(v goja.Value) {
	f := v.ToFloat()
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		s.buf = append(s.buf, "null"...)
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		s.buf = strconv.AppendInt(s.buf, int64(f), 10) // -0 is "0"
	default:
		s.buf = appendJSNumber(s.buf, f)
	}
}

// appendJSNumber is Number::toString(f) of a finite, non-zero f (ECMA-262
// 6.1.6.1.20): the shortest digits that round-trip (strconv's, which are
// V8's and goja's: TestAppendJSNumber), laid out in the notation the
// standard picks for their exponent.
func appendJSNumber(b []byte, f float64) []byte {
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // -d.ddde±dd
	if e[0] == '-' {
		b = append(b, '-')
		e = e[1:]
	}
	var digits [20]byte
	k := 0
	i := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[k] = e[i]
			k++
		}
	}
	x := 0
	for _, c := range e[i+2:] { // after "e" and its sign
		x = 10*x + int(c-'0')
	}
	if e[i+1] == '-' {
		x = -x
	}
	n := x + 1 // the value is 0.digits × 10^n
	d := digits[:k]
	switch {
	case k <= n && n <= 21:
		b = append(b, d...)
		for j := k; j < n; j++ {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, d[:n]...)
		b = append(b, '.')
		b = append(b, d[n:]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for j := n; j < 0; j++ {
			b = append(b, '0')
		}
		b = append(b, d...)
	default:
		b = append(b, d[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, d[1:]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}

// enter pushes o on the stack of objects being serialized: a cycle is a
// TypeError, nesting beyond the bound a RangeError.
func (s *jsonStringify) enter(o *goja.Object) {
	for _, p := range s.stack {
		if p == o {
			panic(s.vm.NewTypeError("Converting circular structure to JSON"))
		}
	}
	if len(s.stack) >= s.limit {
		s.inst.throwRange("JSON nests deeper than " + strconv.Itoa(s.limit) + " levels")
	}
	s.stack = append(s.stack, o)
	s.indent = append(s.indent, s.gap...)
}

func (s *jsonStringify) leave() {
	s.stack = s.stack[:len(s.stack)-1]
	s.indent = s.indent[:len(s.indent)-len(s.gap)]
}

// newline starts a member's line when there is a gap.
func (s *jsonStringify) newline() {
	if s.gap != "" {
		s.buf = append(s.buf, '\n')
		s.buf = append(s.buf, s.indent...)
	}
}

// object is SerializeJSONObject: the replacer array's keys, or the own
// enumerable string keys in [[OwnPropertyKeys]] order.
func (s *jsonStringify) object(o *goja.Object) {
	s.enter(o)
	keys := s.keys
	var jsKeys *goja.Object
	if keys == nil {
		keys = o.Keys()
		if lossyKeys(keys) {
			jsKeys = s.call(s.b.objectKeys, goja.Undefined(), o).(*goja.Object)
			keys = make([]string, jsonLength(jsKeys.Get("length")))
		}
	}
	s.buf = append(s.buf, '{')
	empty := true
	for i, k := range keys {
		mark := len(s.buf)
		if !empty {
			s.buf = append(s.buf, ',')
		}
		s.newline()
		var kv, v goja.Value
		if jsKeys != nil {
			kv = jsKeys.Get(indexKey(int64(i)))
			k = kv.String()
			s.quote(kv.(goja.String))
			v = s.call(s.b.reflectGet, goja.Undefined(), o, kv)
		} else {
			s.quoteString(k)
			v = o.Get(k)
		}
		s.buf = append(s.buf, ':')
		if s.gap != "" {
			s.buf = append(s.buf, ' ')
		}
		if s.property(k, kv, o, v) {
			empty = false
		} else {
			s.buf = s.buf[:mark]
		}
	}
	s.leave()
	if !empty {
		s.newline()
	}
	s.buf = append(s.buf, '}')
}

// lossyKeys reports whether a key may hold a lone surrogate, which
// Object.Keys turned into U+FFFD: such an object's keys are read again as
// JS strings (Object.keys), and its values with Reflect.get.
func lossyKeys(keys []string) bool {
	for _, k := range keys {
		if strings.ContainsRune(k, utf8.RuneError) {
			return true
		}
	}
	return false
}

// array is SerializeJSONArray: every index below length, holes and
// unserializable values as null.
func (s *jsonStringify) array(o *goja.Object) {
	s.enter(o)
	n := jsonLength(o.Get("length"))
	s.buf = append(s.buf, '[')
	for i := int64(0); i < n; i++ {
		if i > 0 {
			s.buf = append(s.buf, ',')
		}
		s.newline()
		k := indexKey(i)
		if !s.property(k, nil, o, o.Get(k)) {
			s.buf = append(s.buf, "null"...)
		}
	}
	s.leave()
	if n > 0 {
		s.newline()
	}
	s.buf = append(s.buf, ']')
}

// indexKeys are the keys of the first array elements, made once.
var indexKeys = func() (keys [1024]string) {
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	return
}()

func indexKey(i int64) string {
	if i < int64(len(indexKeys)) {
		return indexKeys[i]
	}
	return strconv.FormatInt(i, 10)
}

// jsonLength is ToLength.
func jsonLength(v goja.Value) int64 {
	if v == nil {
		return 0
	}
	f := math.Trunc(v.ToFloat())
	if !(f > 0) {
		return 0
	}
	return int64(math.Min(f, 1<<53-1))
}

func (s *jsonStringify) call(f goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	v, err := f(this, args...)
	if err != nil {
		panic(err)
	}
	return v
}

// checkLimits stops a long stringify once the watchdog has tripped: the
// VM's interrupt flag is set, so the thrown error cannot be caught; the
// invocation ends with the limit's error as soon as control is back in
// the VM.
func (s *jsonStringify) checkLimits() {
	if err := s.inst.watch.err(); err != nil {
		s.inst.throwRange("JSON.stringify interrupted: " + err.Error())
	}
}

// quote is QuoteJSONString of a JS string, which may hold lone surrogates.
func (s *jsonStringify) quote(v goja.String) {
	str := v.String()
	// As UTF-8 a string is as long as in UTF-16 code units only if it is
	// ASCII; without U+FFFD it has no lone surrogate (String() turned
	// those into U+FFFD).
	if len(str) == v.Length() || !strings.ContainsRune(str, utf8.RuneError) {
		s.quoteString(str)
		return
	}
	s.buf = append(s.buf, '"')
	n := v.Length()
	for i := 0; i < n; i++ {
		c := v.CharAt(i)
		switch {
		case c < utf8.RuneSelf:
			s.escapeByte(byte(c))
		case utf16.IsSurrogate(rune(c)):
			if c < 0xDC00 && i+1 < n {
				if lo := v.CharAt(i + 1); lo >= 0xDC00 && lo <= 0xDFFF {
					s.buf = utf8.AppendRune(s.buf, utf16.DecodeRune(rune(c), rune(lo)))
					i++
					continue
				}
			}
			s.buf = append(s.buf, '\\', 'u', hexDigit(c>>12), hexDigit(c>>8), hexDigit(c>>4), hexDigit(c))
		default:
			s.buf = utf8.AppendRune(s.buf, rune(c))
		}
	}
	s.buf = append(s.buf, '"')
}

// quoteString is QuoteJSONString of valid UTF-8.
func (s *jsonStringify) quoteString(str string) {
	s.buf = append(s.buf, '"')
	start := 0
	for i := 0; i < len(str); i++ {
		if c := str[i]; c < 0x20 || c == '"' || c == '\\' {
			s.buf = append(s.buf, str[start:i]...)
			s.escapeByte(c)
			start = i + 1
		}
	}
	s.buf = append(s.buf, str[start:]...)
	s.buf = append(s.buf, '"')
}

// escapeByte writes an ASCII character, escaped as QuoteJSONString says.
func (s *jsonStringify) escapeByte(c byte) {
	switch c {
	case '"', '\\':
		s.buf = append(s.buf, '\\', c)
	case '\b':
		s.buf = append(s.buf, '\\', 'b')
	case '\t':
		s.buf = append(s.buf, '\\', 't')
	case '\n':
		s.buf = append(s.buf, '\\', 'n')
	case '\f':
		s.buf = append(s.buf, '\\', 'f')
	case '\r':
		s.buf = append(s.buf, '\\', 'r')
	default:
		if c < 0x20 {
			s.buf = append(s.buf, '\\', 'u', '0', '0', hexDigit(uint16(c)>>4), hexDigit(uint16(c)))
		} else {
			s.buf = append(s.buf, c)
		}
	}
}

func hexDigit(c uint16) byte {
	return "0123456789abcdef"[c&0xF]
}
