package isolate

import (
	"math"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// dateTimeFormat is an Intl.DateTimeFormat (ECMA-402 §11): the resolved
// options and the CLDR pattern they chose.
type dateTimeFormat struct {
	loc       intlLocale
	zone      *time.Location
	zoneName  string
	hourCycle string
	hour12Set bool
	dateStyle string
	timeStyle string
	// comp holds the component options that were asked for (or defaulted),
	// by option name: "year": "numeric", …
	comp    map[string]string
	fracSec int
	pattern []dateField
}

// dateComponents are the component options in ECMA-402 Table 16's order,
// with the values each allows.
var dateComponents = []struct{ name, values string }{
	{"weekday", "narrow short long"},
	{"era", "narrow short long"},
	{"year", "2-digit numeric"},
	{"month", "2-digit numeric narrow short long"},
	{"day", "2-digit numeric"},
	{"dayPeriod", "narrow short long"},
	{"hour", "2-digit numeric"},
	{"minute", "2-digit numeric"},
	{"second", "2-digit numeric"},
	{"fractionalSecondDigits", ""},
	{"timeZoneName", "short long shortOffset longOffset shortGeneric longGeneric"},
}

// newDateTimeFormat is CreateDateTimeFormat. required and defaults are
// "date", "time" or "any"/"all", as toLocaleDateString,
// toLocaleTimeString and toLocaleString and the constructor ask.
func newDateTimeFormat(vm *goja.Runtime, locales, options goja.Value, required, defaults string) *dateTimeFormat {
	df := &dateTimeFormat{loc: resolveLocale(vm, locales), comp: map[string]string{}}
	o := newIntlOptions(vm, options)
	o.str("localeMatcher", words("lookup best fit"), "best fit")
	if cal := o.str("calendar", nil, ""); cal != "" && !wellFormedType(cal) {
		panic(intlRangeError(vm, "Invalid calendar : "+cal))
	}
	if ns := o.str("numberingSystem", nil, ""); ns != "" && !wellFormedType(ns) {
		panic(intlRangeError(vm, "Invalid numberingSystem : "+ns))
	}
	hour12 := o.get("hour12")
	hc := o.str("hourCycle", words("h11 h12 h23 h24"), "")
	if !goja.IsUndefined(hour12) {
		hc = ""
	}
	df.zone, df.zoneName = timeZoneOption(vm, o.get("timeZone"))
	for _, c := range dateComponents {
		if c.name == "fractionalSecondDigits" {
			df.fracSec = o.number(c.name, 1, 3, 0)
			continue
		}
		if v := o.str(c.name, words(c.values), ""); v != "" {
			df.comp[c.name] = v
		}
	}
	o.str("formatMatcher", words("basic best fit"), "best fit")
	df.dateStyle = o.str("dateStyle", words("full long medium short"), "")
	df.timeStyle = o.str("timeStyle", words("full long medium short"), "")
	styled := df.dateStyle != "" || df.timeStyle != ""
	if styled && (len(df.comp) > 0 || df.fracSec > 0) {
		panic(vm.NewTypeError("Can't set option " + firstComponent(df) + " when " + map[bool]string{true: "dateStyle", false: "timeStyle"}[df.dateStyle != ""] + " is used"))
	}
	if styled {
		if required == "date" && df.dateStyle == "" {
			panic(vm.NewTypeError("Invalid option : timeStyle"))
		}
		if required == "time" && df.timeStyle == "" {
			panic(vm.NewTypeError("Invalid option : dateStyle"))
		}
	} else {
		df.applyDefaults(required, defaults)
	}
	df.resolveHourCycle(hour12, hc)
	df.pattern = df.choosePattern()
	return df
}

func firstComponent(df *dateTimeFormat) string {
	for _, c := range dateComponents {
		if _, ok := df.comp[c.name]; ok {
			return c.name
		}
	}
	return "fractionalSecondDigits"
}

// applyDefaults is the defaulting step of CreateDateTimeFormat: with no
// date (or time) component asked for, year/month/day (and
// hour/minute/second) are numeric.
func (df *dateTimeFormat) applyDefaults(required, defaults string) {
	needDate, needTime := true, true
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := df.comp[n]; ok {
				return true
			}
		}
		return false
	}
	if required == "date" || required == "any" {
		if has("weekday", "year", "month", "day") {
			needDate, needTime = false, false
		}
	}
	if required == "time" || required == "any" {
		if has("dayPeriod", "hour", "minute", "second") || df.fracSec > 0 {
			needDate, needTime = false, false
		}
	}
	if needDate && (defaults == "date" || defaults == "all") {
		df.comp["year"], df.comp["month"], df.comp["day"] = "numeric", "numeric", "numeric"
	}
	if needTime && (defaults == "time" || defaults == "all") {
		df.comp["hour"], df.comp["minute"], df.comp["second"] = "numeric", "numeric", "numeric"
	}
}

// resolveHourCycle sets hourCycle from hour12, hourCycle and the locale's
// own preference (its short time pattern's hour letter).
func (df *dateTimeFormat) resolveHourCycle(hour12 goja.Value, hc string) {
	pref := hourCycleOf(df.loc.data.Dates.TimeFormats["short"])
	twelve := hourCycleOf(df.loc.data.Dates.Available["hm"])
	if twelve != "h11" {
		twelve = "h12"
	}
	switch {
	case !goja.IsUndefined(hour12):
		df.hour12Set = true
		if hour12.ToBoolean() {
			df.hourCycle = twelve
		} else {
			df.hourCycle = "h23"
		}
	case hc != "":
		df.hourCycle = hc
	default:
		df.hourCycle = pref
	}
}

func hourCycleOf(p string) string {
	quoted := false
	for _, r := range p {
		if r == '\'' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		switch r {
		case 'h':
			return "h12"
		case 'H':
			return "h23"
		case 'K':
			return "h11"
		case 'k':
			return "h24"
		}
	}
	return "h23"
}

// dateArg is the time a format call gets: undefined is now; otherwise
// ToNumber, and a value TimeClip makes NaN is a RangeError.
func dateArg(vm *goja.Runtime, v goja.Value) time.Time {
	var ms float64
	if v == nil || goja.IsUndefined(v) {
		ms = float64(time.Now().UnixMilli())
	} else {
		ms = v.ToFloat()
	}
	if math.IsNaN(ms) || math.Abs(ms) > 8.64e15 {
		panic(intlRangeError(vm, "Invalid time value"))
	}
	ms = math.Trunc(ms) + 0
	return time.UnixMilli(int64(ms))
}

func (df *dateTimeFormat) format(t time.Time) string {
	var b strings.Builder
	for _, p := range df.parts(t) {
		b.WriteString(p.val)
	}
	return b.String()
}

// resolved is resolvedOptions() of a DateTimeFormat.
func (df *dateTimeFormat) resolved(vm *goja.Runtime) goja.Value {
	o := vm.NewObject()
	set := func(k string, v any) { _ = o.Set(k, v) }
	set("locale", df.loc.tag)
	set("calendar", "gregory")
	set("numberingSystem", "latn")
	set("timeZone", df.zoneName)
	if df.hasHour() {
		set("hourCycle", df.hourCycle)
		set("hour12", df.hourCycle == "h11" || df.hourCycle == "h12")
	}
	for _, c := range dateComponents {
		if c.name == "fractionalSecondDigits" {
			if df.fracSec > 0 {
				set(c.name, df.fracSec)
			}
			continue
		}
		if v, ok := df.comp[c.name]; ok {
			set(c.name, df.resolvedComponent(c.name, v))
		}
	}
	if df.dateStyle != "" {
		set("dateStyle", df.dateStyle)
	}
	if df.timeStyle != "" {
		set("timeStyle", df.timeStyle)
	}
	return o
}

// resolvedComponent reports a component as the chosen pattern shows it
// (hour and minute 2-digit when the pattern pads them).
func (df *dateTimeFormat) resolvedComponent(name, asked string) string {
	for _, f := range df.pattern {
		if f.typ != name {
			continue
		}
		switch name {
		case "hour", "minute", "second", "day", "month", "year":
			if f.count == 2 && f.letter != 'M' && f.letter != 'L' || (f.count == 2 && (f.letter == 'M' || f.letter == 'L')) {
				return "2-digit"
			}
			if f.count == 1 || (f.letter == 'y' && f.count != 2) {
				return "numeric"
			}
		}
	}
	return asked
}

func (df *dateTimeFormat) hasHour() bool {
	if df.timeStyle != "" {
		return true
	}
	_, ok := df.comp["hour"]
	return ok
}
