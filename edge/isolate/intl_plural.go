package isolate

import (
	"github.com/dop251/goja"
)

// pluralRules is an Intl.PluralRules: the category comes from CLDR 48's
// plural rules (intl_pluralrule.go), applied to the number as
// the digit options would display it (1.0 with minimumFractionDigits 1 is
// "other" in English, 1 is "one").
type pluralRules struct {
	typ string
	nf  *numberFormat
}

func newPluralRules(vm *goja.Runtime, locales, options goja.Value) *pluralRules {
	loc := resolveLocale(vm, locales)
	o := newIntlOptions(vm, options)
	o.str("localeMatcher", words("lookup best fit"), "best fit")
	pr := &pluralRules{typ: o.str("type", words("cardinal ordinal"), "cardinal")}
	nf := &numberFormat{loc: loc, notation: o.str("notation", words("standard scientific engineering compact"), "standard")}
	nf.digitOptions(o, 0, 3)
	pr.nf = nf
	return pr
}

func (pr *pluralRules) selectPlural(d intlDecimal, special float64) string {
	if special != 0 || special != special {
		return "other"
	}
	in, fr := pr.nf.digitsOf(d)
	return pluralOf(pr.nf.loc, in, fr, pr.typ == "ordinal")
}

// categories are the plural categories the locale's rules use, in
// CLDR's order.
func (pr *pluralRules) categories() []string {
	var out []string
	for _, r := range pr.nf.loc.data.pluralRulesFor(pr.typ == "ordinal") {
		out = append(out, r.category)
	}
	return out
}

func (pr *pluralRules) resolved(vm *goja.Runtime) goja.Value {
	o := vm.NewObject()
	nf := pr.nf
	_ = o.Set("locale", nf.loc.tag)
	_ = o.Set("type", pr.typ)
	_ = o.Set("notation", nf.notation)
	_ = o.Set("minimumIntegerDigits", nf.minInt)
	if nf.roundingType != "significantDigits" {
		_ = o.Set("minimumFractionDigits", nf.minFD)
		_ = o.Set("maximumFractionDigits", nf.maxFD)
	}
	if nf.roundingType != "fractionDigits" {
		_ = o.Set("minimumSignificantDigits", nf.minSD)
		_ = o.Set("maximumSignificantDigits", nf.maxSD)
	}
	cats := pr.categories()
	items := make([]any, len(cats))
	for i, c := range cats {
		items[i] = c
	}
	_ = o.Set("pluralCategories", vm.NewArray(items...))
	_ = o.Set("roundingIncrement", 1)
	_ = o.Set("roundingMode", "halfExpand")
	_ = o.Set("roundingPriority", "auto")
	_ = o.Set("trailingZeroDisplay", "auto")
	return o
}
