package isolate

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// numberFormat is an Intl.NumberFormat's resolved options (ECMA-402
// §15.1.1) with the locale data it formats with.
type numberFormat struct {
	loc                              intlLocale
	style, currency, currencyDisplay string
	unit, unitDisplay                string
	currencySign, notation, compact  string
	useGrouping, signDisplay         string
	trailingZeroDisplay              string
	roundingPriority                 string
	minInt, minFD, maxFD             int
	minSD, maxSD                     int
	// roundingType is ECMA-402's [[RoundingType]]: fractionDigits,
	// significantDigits, morePrecision or lessPrecision.
	roundingType string
	// pattern is the locale's positive/negative pattern for the style.
	pattern numberPattern
}

// round is the rounding step of FormatNumericToString; sig tells
// whether significant-digit rounding was the one used.
func (nf *numberFormat) round(d intlDecimal) (r intlDecimal, sig bool) {
	switch nf.roundingType {
	case "significantDigits":
		return d.roundSignificant(nf.maxSD), true
	case "fractionDigits":
		return d.roundFraction(nf.maxFD), false
	}
	s, f := d.roundSignificant(nf.maxSD), d.roundFraction(nf.maxFD)
	// morePrecision keeps the one that keeps more digits after the point
	// (significant wins a tie), lessPrecision the other.
	sf, ff := nf.maxSD-s.exp, nf.maxFD
	if sf == ff || (nf.roundingType == "morePrecision") == (sf > ff) {
		return s, true
	}
	return f, false
}

// digitsOf rounds and pads: the integer and fraction strings shown.
func (nf *numberFormat) digitsOf(d intlDecimal) (string, string) {
	r, sig := nf.round(d)
	in, fr := r.intFrac()
	minFrac := nf.minFD
	if sig {
		minFrac = nf.sigMinFrac(r)
	}
	for len(fr) < minFrac {
		fr += "0"
	}
	if nf.trailingZeroDisplay == "stripIfInteger" && strings.Trim(fr, "0") == "" {
		fr = ""
	}
	for len(in) < nf.minInt {
		in = "0" + in
	}
	return in, fr
}

// sigMinFrac is how many fraction digits minimumSignificantDigits needs.
func (nf *numberFormat) sigMinFrac(r intlDecimal) int {
	exp := r.exp
	if r.isZero() {
		exp = 1
	}
	return nf.minSD - exp
}

// pluralOf is the plural category of a displayed number.
func pluralOf(loc intlLocale, in, fr string, ordinal bool) string {
	return selectCategory(loc.data.pluralRulesFor(ordinal), pluralOperands(in, fr))
}

// currencySymbol is what currencyDisplay shows for the currency.
func (nf *numberFormat) currencySymbol(form string) string {
	names := nf.loc.data.Numbers.Currencies[nf.currency]
	get := func(k string) string {
		s, _ := names[k].(string)
		return s
	}
	switch nf.currencyDisplay {
	case "code":
		return nf.currency
	case "narrowSymbol":
		if s := get("symbol-alt-narrow"); s != "" {
			return s
		}
		fallthrough
	case "symbol":
		if s := get("symbol"); s != "" {
			return s
		}
		return nf.currency
	}
	if s := get("displayName-count-" + form); s != "" {
		return s
	}
	if s := get("displayName-count-other"); s != "" {
		return s
	}
	return nf.currency
}

// stylePattern picks the CLDR pattern for the style and notation.
func (nf *numberFormat) stylePattern() numberPattern {
	n := &nf.loc.data.Numbers
	switch {
	case nf.notation == "scientific" || nf.notation == "engineering":
		return parseNumberPattern(n.Scientific)
	case nf.style == "percent", nf.percentUnit():
		return parseNumberPattern(n.Percent)
	case nf.style == "currency" && nf.currencyDisplay != "name":
		p, alpha := n.Currency, n.CurrencyAlpha
		if nf.currencySign == "accounting" {
			p, alpha = n.Accounting, n.AccountingAlpha
		}
		if alpha != "" && nf.symbolNextToNumberIsAlpha(p) {
			p = alpha
		}
		return parseNumberPattern(p)
	}
	return parseNumberPattern(n.Decimal)
}

// symbolNextToNumberIsAlpha tells whether the currency symbol touches the
// digits with a letter (US$, CHF), where CLDR's alphaNextToNumber pattern
// puts a no-break space between them.
func (nf *numberFormat) symbolNextToNumberIsAlpha(p string) bool {
	sym := nf.currencySymbol("other")
	i := strings.IndexRune(p, '¤')
	if i < 0 || sym == "" {
		return false
	}
	var r rune
	if i+len("¤") < len(p) && strings.ContainsRune("#0", rune(p[i+len("¤")])) {
		r, _ = utf8.DecodeLastRuneInString(sym)
	} else if i > 0 && strings.ContainsRune("#0", rune(p[i-1])) {
		r, _ = utf8.DecodeRuneInString(sym)
	} else {
		return false
	}
	return !unicode.IsSymbol(r) && !unicode.IsSpace(r)
}

// format is FormatNumeric; formatToParts is the same parts joined.
func (nf *numberFormat) format(d intlDecimal, special float64) string {
	var b strings.Builder
	for _, p := range nf.parts(d, special) {
		b.WriteString(p.val)
	}
	return b.String()
}

type intlPart struct{ typ, val string }

// parts is PartitionNumberPattern. special is NaN or ±Inf for those
// values, 0 otherwise.
func (nf *numberFormat) parts(d intlDecimal, special float64) []intlPart {
	sym := nf.loc.data.Numbers.Symbols
	if nf.style == "percent" && !d.isZero() {
		d.exp += 2
	}
	var num []intlPart
	var zero bool
	var in, fr string
	var compact string
	switch {
	case math.IsNaN(special):
		num, zero = []intlPart{{"nan", sym["nan"]}}, false
		d.neg = false
	case math.IsInf(special, 0):
		num = []intlPart{{"infinity", sym["infinity"]}}
	case nf.notation == "scientific" || nf.notation == "engineering":
		num, zero = nf.scientificParts(d)
	default:
		if nf.notation == "compact" {
			d, compact = nf.compactScale(d)
		}
		in, fr = nf.digitsOf(d)
		zero = strings.Trim(in+fr, "0") == ""
		num = nf.digitParts(in, fr, nf.notation == "compact")
	}
	sign := nf.sign(d.neg, zero)
	form := "other"
	if (nf.style == "currency" && nf.currencyDisplay == "name") || nf.style == "unit" {
		if in == "" {
			in = "0"
		}
		form = pluralOf(nf.loc, in, fr, false)
	}
	if compact != "" {
		num = append(num, compactAffix(compact)...)
	}
	pat := nf.pattern
	aff := pat.pos
	if sign < 0 && pat.neg != nil {
		aff = *pat.neg
		sign = 0
	}
	out := make([]intlPart, 0, len(num)+6)
	if sign != 0 {
		if sign < 0 {
			out = append(out, intlPart{"minusSign", sym["minusSign"]})
		} else {
			out = append(out, intlPart{"plusSign", sym["plusSign"]})
		}
	}
	out = nf.affix(out, aff.prefix, form)
	out = append(out, num...)
	out = nf.affix(out, aff.suffix, form)
	if nf.style == "currency" && nf.currencyDisplay == "name" {
		return nf.currencyName(out, form)
	}
	if nf.style == "unit" && !nf.percentUnit() {
		return nf.unitParts(out, form)
	}
	return out
}

// sign is -1 for a minus sign, +1 for a plus sign, 0 for none, by
// signDisplay (ECMA-402 §15.5.5 table).
func (nf *numberFormat) sign(neg, zero bool) int {
	switch nf.signDisplay {
	case "never":
		return 0
	case "always":
		if neg {
			return -1
		}
		return 1
	case "exceptZero":
		if zero {
			return 0
		}
		if neg {
			return -1
		}
		return 1
	case "negative":
		if neg && !zero {
			return -1
		}
		return 0
	}
	if neg {
		return -1
	}
	return 0
}

// affix writes a pattern's prefix or suffix with the locale's symbols.
func (nf *numberFormat) affix(out []intlPart, a []intlPart, form string) []intlPart {
	sym := nf.loc.data.Numbers.Symbols
	for _, p := range a {
		switch p.typ {
		case "currency":
			if nf.currencyDisplay == "name" {
				continue
			}
			out = append(out, intlPart{"currency", nf.currencySymbol(form)})
		case "percentSign":
			out = append(out, intlPart{"percentSign", sym["percentSign"]})
		case "minusSign":
			out = append(out, intlPart{"minusSign", sym["minusSign"]})
		case "plusSign":
			out = append(out, intlPart{"plusSign", sym["plusSign"]})
		default:
			if n := len(out); n > 0 && out[n-1].typ == "literal" {
				out[n-1].val += p.val
			} else {
				out = append(out, p)
			}
		}
	}
	return out
}

// currencyName wraps a formatted number in the locale's currency unit
// pattern ("{0} {1}": 1.00 US dollars).
func (nf *numberFormat) currencyName(num []intlPart, form string) []intlPart {
	units := nf.loc.data.Numbers.CurrencyUnit
	pat := units[form]
	if pat == "" {
		pat = units["other"]
	}
	var out []intlPart
	for pat != "" {
		i := strings.IndexByte(pat, '{')
		if i < 0 || i+2 >= len(pat) {
			out = append(out, intlPart{"literal", pat})
			break
		}
		if i > 0 {
			out = append(out, intlPart{"literal", pat[:i]})
		}
		if pat[i+1] == '0' {
			out = append(out, num...)
		} else {
			out = append(out, intlPart{"currency", nf.currencySymbol(form)})
		}
		pat = pat[i+3:]
	}
	return out
}

// digitParts groups the integer digits as the pattern and useGrouping
// say and adds the fraction.
func (nf *numberFormat) digitParts(in, fr string, compact bool) []intlPart {
	sym := nf.loc.data.Numbers.Symbols
	if in == "" {
		in = "0"
	}
	out := make([]intlPart, 0, 4)
	p := nf.pattern
	minGroup := nf.loc.data.Numbers.MinGrouping
	switch nf.useGrouping {
	case "min2":
		minGroup = max(minGroup, 2)
	case "always":
		minGroup = 1
	}
	if nf.useGrouping == "false" || p.primary == 0 || len(in) < p.primary+minGroup {
		out = append(out, intlPart{"integer", in})
	} else {
		// Split off the primary group from the right, then secondary ones.
		var groups []string
		rest := in
		size := p.primary
		for len(rest) > size {
			groups = append(groups, rest[len(rest)-size:])
			rest = rest[:len(rest)-size]
			size = p.secondary
		}
		groups = append(groups, rest)
		for i := len(groups) - 1; i >= 0; i-- {
			out = append(out, intlPart{"integer", groups[i]})
			if i > 0 {
				out = append(out, intlPart{"group", sym["group"]})
			}
		}
	}
	if fr != "" {
		out = append(out, intlPart{"decimal", sym["decimal"]}, intlPart{"fraction", fr})
	}
	return out
}
