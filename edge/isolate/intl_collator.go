package isolate

import (
	"strings"
	"unicode"

	"github.com/dop251/goja"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// collator is an Intl.Collator, backed by golang.org/x/text/collate (the
// Unicode Collation Algorithm with CLDR's tailorings for the locale).
// A collate.Collator keeps buffers, so each Intl.Collator has its own;
// an isolate runs on one goroutine at a time.
type collator struct {
	loc                  intlLocale
	usage, sensitivity   string
	caseFirst            string
	numeric, ignorePunct bool
	c                    *collate.Collator
	// caseless compares ignoring case, for caseFirst and sensitivity
	// "case", which x/text's options do not give directly.
	caseless *collate.Collator
}

func newCollator(vm *goja.Runtime, locales, options goja.Value) *collator {
	loc := resolveLocale(vm, locales)
	o := newIntlOptions(vm, options)
	co := &collator{loc: loc}
	co.usage = o.str("usage", words("sort search"), "sort")
	o.str("localeMatcher", words("lookup best fit"), "best fit")
	if c := o.str("collation", nil, ""); c != "" && !wellFormedType(c) {
		panic(intlRangeError(vm, "Invalid collation : "+c))
	}
	if v := o.get("numeric"); !goja.IsUndefined(v) {
		co.numeric = v.ToBoolean()
	} else {
		co.numeric = loc.lang.TypeForKey("kn") == "true"
	}
	co.caseFirst = o.str("caseFirst", words("upper lower false"), "false")
	co.sensitivity = o.str("sensitivity", words("base accent case variant"), "variant")
	if v := o.get("ignorePunctuation"); !goja.IsUndefined(v) {
		co.ignorePunct = v.ToBoolean()
	}
	var opts []collate.Option
	switch co.sensitivity {
	case "base":
		opts = append(opts, collate.IgnoreCase, collate.IgnoreDiacritics)
	case "accent":
		opts = append(opts, collate.IgnoreCase)
	}
	if co.numeric {
		opts = append(opts, collate.Numeric)
	}
	base, _ := loc.lang.Base()
	tag := language.Make(base.String())
	co.c = collate.New(tag, opts...)
	if co.caseFirst != "false" || co.sensitivity == "case" {
		co.caseless = collate.New(tag, append(opts, collate.IgnoreCase)...)
	}
	return co
}

// compare is the collator's order. ignorePunctuation drops punctuation
// and spaces first (ICU's "shifted" alternate handling at this
// strength); sensitivity "case" compares with the diacritics removed;
// caseFirst "upper" flips an order that only case decides.
func (co *collator) compare(a, b string) int {
	if co.ignorePunct {
		a, b = dropPunct(a), dropPunct(b)
	}
	if co.sensitivity == "case" {
		a, b = dropMarks(a), dropMarks(b)
	}
	r := co.c.CompareString(a, b)
	if r != 0 && co.caseFirst == "upper" && co.caseless.CompareString(a, b) == 0 {
		return -r
	}
	return r
}

func dropPunct(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// dropMarks removes combining marks after canonical decomposition
// (é → e), keeping case.
func dropMarks(s string) string {
	return norm.NFC.String(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s)))
}

func (co *collator) resolved(vm *goja.Runtime) goja.Value {
	o := vm.NewObject()
	_ = o.Set("locale", co.loc.tag)
	_ = o.Set("usage", co.usage)
	_ = o.Set("sensitivity", co.sensitivity)
	_ = o.Set("ignorePunctuation", co.ignorePunct)
	_ = o.Set("collation", "default")
	_ = o.Set("numeric", co.numeric)
	_ = o.Set("caseFirst", co.caseFirst)
	return o
}
