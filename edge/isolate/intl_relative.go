package isolate

import (
	"math"
	"strings"

	"github.com/dop251/goja"
)

// relativeTimeFormat is an Intl.RelativeTimeFormat (ECMA-402 §17): CLDR's
// dateFields patterns ("in {0} days", "{0} days ago") by plural category,
// and with numeric "auto" the named forms ("yesterday", "next week").
type relativeTimeFormat struct {
	loc            intlLocale
	style, numeric string
	nf             *numberFormat
}

var relativeUnits = map[string]string{
	"second": "second", "seconds": "second", "minute": "minute", "minutes": "minute",
	"hour": "hour", "hours": "hour", "day": "day", "days": "day", "week": "week", "weeks": "week",
	"month": "month", "months": "month", "quarter": "quarter", "quarters": "quarter",
	"year": "year", "years": "year",
}

func newRelativeTimeFormat(vm *goja.Runtime, locales, options goja.Value) *relativeTimeFormat {
	rf := &relativeTimeFormat{loc: resolveLocale(vm, locales)}
	o := newIntlOptions(vm, options)
	o.str("localeMatcher", words("lookup best fit"), "best fit")
	if ns := o.str("numberingSystem", nil, ""); ns != "" && !wellFormedType(ns) {
		panic(intlRangeError(vm, "Invalid numberingSystem : "+ns))
	}
	rf.style = o.str("style", words("long short narrow"), "long")
	rf.numeric = o.str("numeric", words("always auto"), "always")
	rf.nf = newNumberFormat(vm, vm.ToValue(rf.loc.tag), goja.Undefined())
	return rf
}

// parts is PartitionRelativeTimePattern; the number's parts carry the
// unit, as formatToParts reports them.
func (rf *relativeTimeFormat) parts(vm *goja.Runtime, value float64, unitArg string) ([]intlPart, string) {
	unit, ok := relativeUnits[unitArg]
	if !ok {
		panic(intlRangeError(vm, "Invalid unit argument for format() '"+unitArg+"'"))
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		panic(intlRangeError(vm, "Invalid number value"))
	}
	fields := rf.loc.data.Dates.Fields[unit+map[string]string{"long": "", "short": "-short", "narrow": "-narrow"}[rf.style]]
	if rf.numeric == "auto" && value == math.Trunc(value) && math.Abs(value) <= 3 {
		// The generator keeps relative-type-N as "-N": "-1" is +1, "--1" -1.
		key := "-" + itoa(int(math.Abs(value)))
		if value < 0 || (value == 0 && math.Signbit(value)) {
			key = "-" + key
		}
		if value == 0 {
			key = "-0"
		}
		if s, ok := fields[key]; ok {
			return []intlPart{{"literal", s}}, unit
		}
	}
	dir := "future"
	if value < 0 || (value == 0 && math.Signbit(value)) {
		dir = "past"
	}
	d := decimalFromFloat(math.Abs(value))
	num := rf.nf.parts(d, 0)
	in, fr := rf.nf.digitsOf(d)
	form := pluralOf(rf.loc, in, fr, false)
	pat := fields[dir+"-"+form]
	if pat == "" {
		pat = fields[dir+"-other"]
	}
	before, after, _ := strings.Cut(pat, "{0}")
	var out []intlPart
	if before != "" {
		out = append(out, intlPart{"literal", before})
	}
	for _, p := range num {
		out = append(out, intlPart{p.typ, p.val})
	}
	if after != "" {
		out = append(out, intlPart{"literal", after})
	}
	return out, unit
}

func (rf *relativeTimeFormat) resolved(vm *goja.Runtime) goja.Value {
	o := vm.NewObject()
	_ = o.Set("locale", rf.loc.tag)
	_ = o.Set("style", rf.style)
	_ = o.Set("numeric", rf.numeric)
	_ = o.Set("numberingSystem", "latn")
	return o
}
