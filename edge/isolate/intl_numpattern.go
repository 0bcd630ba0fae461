package isolate

import (
	"strings"
)

// numberPattern is a CLDR number pattern (UTS #35 §3.2) split into what
// formatting needs: the affixes of the positive and (when the locale
// gives one) negative subpattern, and the grouping sizes.
type numberPattern struct {
	pos                affixes
	neg                *affixes
	primary, secondary int
}

type affixes struct{ prefix, suffix []intlPart }

func parseNumberPattern(p string) numberPattern {
	posText, negText, hasNeg := strings.Cut(p, ";")
	var np numberPattern
	var body string
	np.pos, body = splitAffixes(posText)
	if hasNeg {
		a, _ := splitAffixes(negText)
		np.neg = &a
	}
	intPart, _, _ := strings.Cut(body, ".")
	intPart, _, _ = strings.Cut(intPart, "E")
	if last := strings.LastIndexByte(intPart, ','); last >= 0 {
		np.primary = len(intPart) - last - 1
		np.secondary = np.primary
		if prev := strings.LastIndexByte(intPart[:last], ','); prev >= 0 {
			np.secondary = last - prev - 1
		}
	}
	return np
}

// splitAffixes separates the number body (#, 0, comma, point, E, @) from
// the text around it; quoted text is literal.
func splitAffixes(s string) (affixes, string) {
	var a affixes
	start, end := -1, -1
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			quoted = !quoted
			continue
		}
		if !quoted && strings.IndexByte("#0123456789,.@E", c) >= 0 && (c != 'E' || start >= 0) {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	if start < 0 {
		return affixes{prefix: affixParts(s)}, ""
	}
	a.prefix, a.suffix = affixParts(s[:start]), affixParts(s[end:])
	return a, s[start:end]
}

func affixParts(s string) []intlPart {
	var out []intlPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, intlPart{"literal", lit.String()})
			lit.Reset()
		}
	}
	quoted := false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted = !quoted
		case quoted:
			lit.WriteRune(r)
		case r == '¤':
			flush()
			out = append(out, intlPart{"currency", ""})
		case r == '%':
			flush()
			out = append(out, intlPart{"percentSign", ""})
		case r == '-':
			flush()
			out = append(out, intlPart{"minusSign", ""})
		case r == '+':
			flush()
			out = append(out, intlPart{"plusSign", ""})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return out
}

// scientificParts formats d as mantissa × 10^exponent: one integer digit
// for scientific, one to three (exponent a multiple of 3) for engineering.
func (nf *numberFormat) scientificParts(d intlDecimal) ([]intlPart, bool) {
	sym := nf.loc.data.Numbers.Symbols
	e := 0
	if !d.isZero() {
		e = d.exp - 1
		if nf.notation == "engineering" {
			e = floorDiv(e, 3) * 3
		}
	}
	m := d
	m.exp -= e
	in, fr := nf.digitsOf(m)
	// Rounding can carry into a new digit (9.9995 → 10.000): renormalise.
	limit := 1
	if nf.notation == "engineering" {
		limit = 3
	}
	if len(strings.TrimLeft(in, "0")) > limit {
		step := 1
		if nf.notation == "engineering" {
			step = 3
		}
		e += step
		m = d
		m.exp -= e
		in, fr = nf.digitsOf(m)
	}
	zero := strings.Trim(in+fr, "0") == ""
	out := nf.digitParts(in, fr, false)
	out = append(out, intlPart{"exponentSeparator", sym["exponential"]})
	if e < 0 {
		out = append(out, intlPart{"exponentMinusSign", sym["minusSign"]})
		e = -e
	}
	return append(out, intlPart{"exponentInteger", itoa(e)}), zero
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// compactScale picks the compact pattern for d's magnitude (CLDR's
// "1000-count-other": "0K") and scales d to it; the pattern returned is
// the affix text to put after the digits, "" when none applies.
func (nf *numberFormat) compactScale(d intlDecimal) (intlDecimal, string) {
	pats := nf.loc.data.Numbers.CompactShort
	if nf.compact == "long" {
		pats = nf.loc.data.Numbers.CompactLong
	}
	try := func(mag int) (intlDecimal, string, int) {
		if mag < 3 {
			r, _ := nf.round(d)
			return d, "", max(r.exp, 1)
		}
		if mag > 14 {
			mag = 14
		}
		key := "1" + strings.Repeat("0", mag)
		r, _ := nf.round(nf.scaled(d, mag, pats[key+"-count-other"]))
		in, fr := r.intFrac()
		if in == "" {
			in = "0"
		}
		form := pluralOf(nf.loc, in, fr, false)
		p := pats[key+"-count-"+form]
		if p == "" {
			p = pats[key+"-count-other"]
		}
		if p == "" || p == "0" {
			return d, "", 0
		}
		return nf.scaled(d, mag, p), p, len(in)
	}
	if d.isZero() {
		return d, ""
	}
	mag := d.exp - 1
	out, p, ints := try(mag)
	// 999999 rounds to 1000K, 999.95 to 1000: take the next magnitude's
	// pattern.
	if zeros := strings.Count(p, "0"); (p != "" && ints > zeros || p == "" && ints > mag+1) && mag < 14 {
		out, p, _ = try(mag + 1)
	}
	return out, p
}

// scaled divides d so that the pattern's zeros hold its integer digits.
func (nf *numberFormat) scaled(d intlDecimal, mag int, pattern string) intlDecimal {
	zeros := strings.Count(pattern, "0")
	if zeros == 0 || pattern == "0" {
		return d
	}
	d.exp -= mag - (zeros - 1)
	return d
}

// compactAffix turns a compact pattern's text ("0 thousand", "0K", "0万")
// into parts: spaces are literals, the rest the compact part.
func compactAffix(p string) []intlPart {
	var out []intlPart
	a, _ := splitAffixes(p)
	for _, part := range append(a.prefix, a.suffix...) {
		v := part.val
		lead := len(v) - len(strings.TrimLeft(v, " \u00a0"))
		trail := len(v) - len(strings.TrimRight(v, " \u00a0"))
		if lead > 0 {
			out = append(out, intlPart{"literal", v[:lead]})
		}
		if mid := v[lead : len(v)-trail]; mid != "" {
			out = append(out, intlPart{"compact", mid})
		}
		if trail > 0 && trail < len(v) {
			out = append(out, intlPart{"literal", v[len(v)-trail:]})
		}
	}
	return out
}
