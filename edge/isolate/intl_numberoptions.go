package isolate

import (
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/text/currency"
)

// Resolving an Intl.NumberFormat's options (ECMA-402 §15.1.2,
// InitializeNumberFormat and SetNumberFormatDigitOptions).

func newNumberFormat(vm *goja.Runtime, locales, options goja.Value) *numberFormat {
	nf := &numberFormat{loc: resolveLocale(vm, locales)}
	o := newIntlOptions(vm, options)
	o.str("localeMatcher", words("lookup best fit"), "best fit")
	if ns := o.str("numberingSystem", nil, ""); ns != "" && ns != "latn" && !wellFormedType(ns) {
		panic(intlRangeError(vm, "Invalid numberingSystem : "+ns))
	}
	nf.style = o.str("style", words("decimal percent currency unit"), "decimal")
	cur := o.str("currency", nil, "")
	if cur != "" {
		if len(cur) != 3 || strings.IndexFunc(cur, func(r rune) bool { return !('a' <= r|0x20 && r|0x20 <= 'z') }) >= 0 {
			panic(intlRangeError(vm, "Invalid currency code : "+cur))
		}
		cur = strings.ToUpper(cur)
	}
	nf.currencyDisplay = o.str("currencyDisplay", words("code symbol narrowSymbol name"), "symbol")
	nf.currencySign = o.str("currencySign", words("standard accounting"), "standard")
	unit := o.str("unit", nil, "")
	if unit != "" && !sanctionedUnit(unit) {
		panic(intlRangeError(vm, "Invalid unit argument for Intl.NumberFormat() '"+unit+"'"))
	}
	nf.unitDisplay = o.str("unitDisplay", words("short narrow long"), "short")
	switch nf.style {
	case "currency":
		if cur == "" {
			panic(vm.NewTypeError("Currency code is required with currency style."))
		}
		nf.currency = cur
	case "unit":
		if unit == "" {
			panic(vm.NewTypeError("Unit is required with unit style."))
		}
		nf.unit = unit
	}
	nf.notation = o.str("notation", words("standard scientific engineering compact"), "standard")
	mnfdDefault, mxfdDefault := 0, 3
	if nf.style == "currency" && nf.notation == "standard" {
		mnfdDefault = currencyDigits(nf.currency)
		mxfdDefault = mnfdDefault
	} else if nf.style == "percent" {
		mxfdDefault = 0
	}
	nf.digitOptions(o, mnfdDefault, mxfdDefault)
	nf.compact = o.str("compactDisplay", words("short long"), "short")
	defGrouping := "auto"
	if nf.notation == "compact" {
		defGrouping = "min2"
	}
	nf.useGrouping = groupingOption(o, defGrouping)
	nf.signDisplay = o.str("signDisplay", words("auto never always exceptZero negative"), "auto")
	nf.pattern = nf.stylePattern()
	return nf
}

// wellFormedType is a Unicode locale extension type: 3 to 8 alphanumerics
// per '-'-separated part.
func wellFormedType(s string) bool {
	for _, p := range strings.Split(s, "-") {
		if len(p) < 3 || len(p) > 8 {
			return false
		}
	}
	return true
}

// groupingOption is GetBooleanOrStringNumberFormatOption for useGrouping.
func groupingOption(o intlOptions, def string) string {
	v := o.get("useGrouping")
	if goja.IsUndefined(v) {
		return def
	}
	if b, ok := v.Export().(bool); ok {
		if b {
			return "always"
		}
		return "false"
	}
	if !v.ToBoolean() {
		return "false"
	}
	switch s := v.String(); s {
	case "min2", "auto", "always":
		return s
	case "true", "false":
		return def
	default:
		panic(intlRangeError(o.vm, "Value "+s+" out of range for Intl.NumberFormat options property useGrouping"))
	}
}

// digitOptions is SetNumberFormatDigitOptions (ECMA-402 §15.1.3).
func (nf *numberFormat) digitOptions(o intlOptions, mnfdDefault, mxfdDefault int) {
	vm := o.vm
	nf.minInt = o.number("minimumIntegerDigits", 1, 21, 1)
	mnfd, mxfd := o.get("minimumFractionDigits"), o.get("maximumFractionDigits")
	mnsd, mxsd := o.get("minimumSignificantDigits"), o.get("maximumSignificantDigits")
	inc := o.number("roundingIncrement", 1, 5000, 1)
	if inc != 1 {
		panic(intlRangeError(vm, "Intl.NumberFormat: roundingIncrement other than 1 is not supported here"))
	}
	if mode := o.str("roundingMode", words("ceil floor expand trunc halfCeil halfFloor halfExpand halfTrunc halfEven"), "halfExpand"); mode != "halfExpand" {
		panic(intlRangeError(vm, "Intl.NumberFormat: roundingMode "+mode+" is not supported here"))
	}
	nf.roundingPriority = o.str("roundingPriority", words("auto morePrecision lessPrecision"), "auto")
	nf.trailingZeroDisplay = o.str("trailingZeroDisplay", words("auto stripIfInteger"), "auto")
	hasSd := !goja.IsUndefined(mnsd) || !goja.IsUndefined(mxsd)
	hasFd := !goja.IsUndefined(mnfd) || !goja.IsUndefined(mxfd)
	needSd, needFd := true, true
	if nf.roundingPriority == "auto" {
		needSd = hasSd
		if needSd || (!hasFd && nf.notation == "compact") {
			needFd = false
		}
	}
	if needSd {
		if hasSd {
			nf.minSD = o.defaultNumber(mnsd, "minimumSignificantDigits", 1, 21, 1)
			nf.maxSD = o.defaultNumber(mxsd, "maximumSignificantDigits", nf.minSD, 21, 21)
		} else {
			nf.minSD, nf.maxSD = 1, 21
		}
	}
	if needFd {
		if hasFd {
			lo := o.defaultNumber(mnfd, "minimumFractionDigits", 0, 100, -1)
			hi := o.defaultNumber(mxfd, "maximumFractionDigits", 0, 100, -1)
			switch {
			case lo < 0:
				lo = min(mnfdDefault, hi)
			case hi < 0:
				hi = max(mxfdDefault, lo)
			case lo > hi:
				panic(intlRangeError(vm, "maximumFractionDigits value is out of range."))
			}
			nf.minFD, nf.maxFD = lo, hi
		} else {
			nf.minFD, nf.maxFD = mnfdDefault, mxfdDefault
		}
	}
	switch {
	case !needSd && !needFd:
		nf.minFD, nf.maxFD, nf.minSD, nf.maxSD = 0, 0, 1, 2
		nf.roundingType = "morePrecision"
		nf.roundingPriority = "morePrecision"
	case nf.roundingPriority == "auto" && hasSd:
		nf.roundingType = "significantDigits"
	case nf.roundingPriority == "auto":
		nf.roundingType = "fractionDigits"
	default:
		nf.roundingType = nf.roundingPriority
	}
}

// currencyDigits is the ISO 4217 minor unit, from x/text's CLDR data.
func currencyDigits(code string) int {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 2
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}
