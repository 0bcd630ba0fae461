package isolate

import (
	"math"
	"strconv"
	"strings"
)

// intlDecimal is a number as ECMA-402 rounds it: decimal digits, so that
// 1.005 rounds to 1.01 as in V8 (which rounds the shortest decimal that
// reads back as the double, not the double's binary expansion).
// The value is 0.digits × 10^exp; digits has no leading or trailing
// zeros, and is empty for zero.
type intlDecimal struct {
	digits []byte
	exp    int
	neg    bool
}

func decimalFromFloat(x float64) intlDecimal {
	d := intlDecimal{neg: math.Signbit(x)}
	x = math.Abs(x)
	if x == 0 {
		return d
	}
	s := strconv.FormatFloat(x, 'e', -1, 64)
	mant, e, _ := strings.Cut(s, "e")
	n, _ := strconv.Atoi(e)
	d.digits = []byte(strings.Replace(mant, ".", "", 1))
	d.exp = n + 1
	d.trim()
	return d
}

// decimalFromInteger reads a BigInt's decimal string.
func decimalFromInteger(s string) intlDecimal {
	d := intlDecimal{}
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	s = strings.TrimLeft(s, "0")
	d.digits, d.exp = []byte(s), len(s)
	d.trim()
	return d
}

func (d *intlDecimal) trim() {
	i := len(d.digits)
	for i > 0 && d.digits[i-1] == '0' {
		i--
	}
	d.digits = d.digits[:i]
	if len(d.digits) == 0 {
		d.exp = 0
	}
}

func (d intlDecimal) isZero() bool { return len(d.digits) == 0 }

// roundAt keeps the first n digits, rounding half away from zero
// (ECMA-402's default "halfExpand"). It copies, so a decimal can be
// rounded two ways and compared.
func (d intlDecimal) roundAt(n int) intlDecimal {
	if n >= len(d.digits) {
		return d
	}
	out := intlDecimal{neg: d.neg, exp: d.exp}
	if n < 0 {
		return out
	}
	up := d.digits[n] >= '5'
	out.digits = append([]byte(nil), d.digits[:n]...)
	if up {
		i := n - 1
		for i >= 0 && out.digits[i] == '9' {
			out.digits[i] = '0'
			i--
		}
		if i < 0 {
			out.digits = append([]byte{'1'}, out.digits...)
			out.exp++
		} else {
			out.digits[i]++
		}
	}
	out.trim()
	return out
}

// roundFraction rounds to at most max digits after the point.
func (d intlDecimal) roundFraction(max int) intlDecimal { return d.roundAt(d.exp + max) }

// roundSignificant rounds to at most max significant digits.
func (d intlDecimal) roundSignificant(max int) intlDecimal { return d.roundAt(max) }

// intFrac writes the integer and fraction digits, the integer part
// without leading zeros (empty for a value under one).
func (d intlDecimal) intFrac() (string, string) {
	var in, fr strings.Builder
	for i := 0; i < d.exp; i++ {
		if i < len(d.digits) {
			in.WriteByte(d.digits[i])
		} else {
			in.WriteByte('0')
		}
	}
	for i := d.exp; i < 0; i++ {
		fr.WriteByte('0')
	}
	if d.exp < len(d.digits) {
		fr.Write(d.digits[max(d.exp, 0):])
	}
	return in.String(), fr.String()
}

// pluralOperands are CLDR's operands for the digits as displayed.
func pluralOperands(in, fr string) pluralOperandValues {
	var o pluralOperandValues
	o.i = atoiCapped(in)
	o.v = len(fr)
	o.f = atoiCapped(fr)
	tt := strings.TrimRight(fr, "0")
	o.w = len(tt)
	o.t = atoiCapped(tt)
	o.n = float64(o.i)
	if fr != "" {
		frac, _ := strconv.ParseFloat("0."+fr, 64)
		o.n += frac
	}
	return o
}

func atoiCapped(s string) int {
	if len(s) > 15 {
		s = s[len(s)-15:]
	}
	n, _ := strconv.Atoi(s)
	return n
}
