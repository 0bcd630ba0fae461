package isolate

import (
	"math"
	"math/big"
	"regexp"
	"strings"

	"github.com/dop251/goja"
)

// intlHooks are the Go functions js/60-intl.js calls. An Intl object
// keeps the Go value its constructor hook returned (a *numberFormat, …)
// and hands it back to the format hooks.
func intlHooks(vm *goja.Runtime) map[string]func(goja.FunctionCall) goja.Value {
	arr := func(ss []string) goja.Value {
		items := make([]any, len(ss))
		for i, s := range ss {
			items[i] = s
		}
		return vm.NewArray(items...)
	}
	return map[string]func(goja.FunctionCall) goja.Value{
		"canonicalLocales": func(c goja.FunctionCall) goja.Value {
			return arr(canonicalLocales(vm, c.Argument(0)))
		},
		"supportedLocales": func(c goja.FunctionCall) goja.Value {
			o := newIntlOptions(vm, c.Argument(1))
			o.str("localeMatcher", words("lookup best fit"), "best fit")
			return arr(supportedLocales(vm, c.Argument(0)))
		},
		"numberFormat": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(newNumberFormat(vm, c.Argument(0), c.Argument(1)))
		},
		"formatNumber": func(c goja.FunctionCall) goja.Value {
			nf := handleArg[*numberFormat](vm, c)
			d, special := intlMathValue(vm, c.Argument(1))
			return vm.ToValue(nf.format(d, special))
		},
		"formatNumberToParts": func(c goja.FunctionCall) goja.Value {
			nf := handleArg[*numberFormat](vm, c)
			d, special := intlMathValue(vm, c.Argument(1))
			return partsArray(vm, nf.parts(d, special), "")
		},
		"resolvedNumber": func(c goja.FunctionCall) goja.Value {
			return handleArg[*numberFormat](vm, c).resolved(vm)
		},
		"dateTimeFormat": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(newDateTimeFormat(vm, c.Argument(0), c.Argument(1), c.Argument(2).String(), c.Argument(3).String()))
		},
		"formatDate": func(c goja.FunctionCall) goja.Value {
			df := handleArg[*dateTimeFormat](vm, c)
			return vm.ToValue(df.format(dateArg(vm, c.Argument(1))))
		},
		"formatDateToParts": func(c goja.FunctionCall) goja.Value {
			df := handleArg[*dateTimeFormat](vm, c)
			return partsArray(vm, df.parts(dateArg(vm, c.Argument(1))), "")
		},
		"resolvedDate": func(c goja.FunctionCall) goja.Value {
			return handleArg[*dateTimeFormat](vm, c).resolved(vm)
		},
		"collator": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(newCollator(vm, c.Argument(0), c.Argument(1)))
		},
		"compare": func(c goja.FunctionCall) goja.Value {
			co := handleArg[*collator](vm, c)
			return vm.ToValue(co.compare(c.Argument(1).String(), c.Argument(2).String()))
		},
		"resolvedCollator": func(c goja.FunctionCall) goja.Value {
			return handleArg[*collator](vm, c).resolved(vm)
		},
		"relativeTimeFormat": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(newRelativeTimeFormat(vm, c.Argument(0), c.Argument(1)))
		},
		"formatRelative": func(c goja.FunctionCall) goja.Value {
			rf := handleArg[*relativeTimeFormat](vm, c)
			parts, _ := rf.parts(vm, c.Argument(1).ToFloat(), c.Argument(2).String())
			var b strings.Builder
			for _, p := range parts {
				b.WriteString(p.val)
			}
			return vm.ToValue(b.String())
		},
		"formatRelativeToParts": func(c goja.FunctionCall) goja.Value {
			rf := handleArg[*relativeTimeFormat](vm, c)
			parts, unit := rf.parts(vm, c.Argument(1).ToFloat(), c.Argument(2).String())
			return partsArray(vm, parts, unit)
		},
		"resolvedRelative": func(c goja.FunctionCall) goja.Value {
			return handleArg[*relativeTimeFormat](vm, c).resolved(vm)
		},
		"pluralRules": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(newPluralRules(vm, c.Argument(0), c.Argument(1)))
		},
		"selectPlural": func(c goja.FunctionCall) goja.Value {
			pr := handleArg[*pluralRules](vm, c)
			d, special := intlMathValue(vm, c.Argument(1))
			return vm.ToValue(pr.selectPlural(d, special))
		},
		"resolvedPlural": func(c goja.FunctionCall) goja.Value {
			return handleArg[*pluralRules](vm, c).resolved(vm)
		},
	}
}

// handleArg is the Go value behind an Intl object's handle.
func handleArg[T any](vm *goja.Runtime, c goja.FunctionCall) T {
	h, ok := c.Argument(0).Export().(T)
	if !ok {
		panic(vm.NewTypeError("Intl: method called on an incompatible receiver"))
	}
	return h
}

// partsArray is formatToParts' result: {type, value} objects; with a
// unit, the non-literal parts also carry it (RelativeTimeFormat's).
func partsArray(vm *goja.Runtime, parts []intlPart, unit string) goja.Value {
	items := make([]any, 0, len(parts))
	for _, p := range parts {
		o := vm.NewObject()
		_ = o.Set("type", p.typ)
		_ = o.Set("value", p.val)
		if unit != "" && p.typ != "literal" {
			_ = o.Set("unit", unit)
		}
		items = append(items, o)
	}
	return vm.NewArray(items...)
}

var decimalLiteral = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// intlMathValue is ToIntlMathematicalValue: a BigInt or a decimal string
// keeps every digit; anything else goes through ToNumber. special is NaN
// or ±Inf for those values, 0 otherwise.
func intlMathValue(vm *goja.Runtime, v goja.Value) (intlDecimal, float64) {
	switch x := v.Export().(type) {
	case *big.Int:
		return decimalFromInteger(x.String()), 0
	case string:
		s := strings.Trim(x, " \t\n\r\v\f\u00a0\ufeff\u2028\u2029")
		if decimalLiteral.MatchString(s) {
			return decimalFromString(s), 0
		}
	}
	f := v.ToFloat()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return intlDecimal{neg: f < 0}, f
	}
	return decimalFromFloat(f), 0
}

// decimalFromString reads a decimal literal exactly.
func decimalFromString(s string) intlDecimal {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	mant, expText, _ := strings.Cut(strings.ToLower(s), "e")
	e := 0
	if expText != "" {
		e = atoiCapped(strings.TrimPrefix(expText, "+"))
		if strings.HasPrefix(expText, "-") {
			e = -atoiCapped(expText[1:])
		}
	}
	in, fr, _ := strings.Cut(mant, ".")
	d := decimalFromInteger(in + fr)
	if !d.isZero() {
		d.exp -= len(fr)
		d.exp += e
	}
	d.neg = neg
	return d
}

// resolved is resolvedOptions() of a NumberFormat, in the spec's order.
func (nf *numberFormat) resolved(vm *goja.Runtime) goja.Value {
	o := vm.NewObject()
	set := func(k string, v any) { _ = o.Set(k, v) }
	set("locale", nf.loc.tag)
	set("numberingSystem", "latn")
	set("style", nf.style)
	if nf.style == "currency" {
		set("currency", nf.currency)
		set("currencyDisplay", nf.currencyDisplay)
		set("currencySign", nf.currencySign)
	}
	if nf.style == "unit" {
		set("unit", nf.unit)
		set("unitDisplay", nf.unitDisplay)
	}
	set("minimumIntegerDigits", nf.minInt)
	if nf.roundingType != "significantDigits" {
		set("minimumFractionDigits", nf.minFD)
		set("maximumFractionDigits", nf.maxFD)
	}
	if nf.roundingType != "fractionDigits" {
		set("minimumSignificantDigits", nf.minSD)
		set("maximumSignificantDigits", nf.maxSD)
	}
	if nf.useGrouping == "false" {
		set("useGrouping", false)
	} else {
		set("useGrouping", nf.useGrouping)
	}
	set("notation", nf.notation)
	if nf.notation == "compact" {
		set("compactDisplay", nf.compact)
	}
	set("signDisplay", nf.signDisplay)
	set("roundingIncrement", 1)
	set("roundingMode", "halfExpand")
	set("roundingPriority", nf.roundingPriority)
	set("trailingZeroDisplay", nf.trailingZeroDisplay)
	return o
}
