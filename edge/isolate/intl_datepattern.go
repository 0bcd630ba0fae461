package isolate

import (
	"strings"
)

// dateField is one piece of a CLDR date pattern (UTS #35 §4): a field
// letter repeated count times, or literal text.
type dateField struct {
	letter rune
	count  int
	lit    string
	typ    string // the formatToParts type; "literal" for text
}

func parseDatePattern(p string) []dateField {
	var out []dateField
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			// V8 prints U+202F (CLDR's space before AM/PM) as a plain
			// space in dates, for web compatibility; so does Deno.
			out = append(out, dateField{lit: strings.ReplaceAll(lit.String(), "\u202f", " "), typ: "literal"})
			lit.Reset()
		}
	}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\'':
			if i+1 < len(rs) && rs[i+1] == '\'' {
				lit.WriteRune('\'')
				i++
				continue
			}
			for i++; i < len(rs); i++ {
				if rs[i] == '\'' {
					if i+1 < len(rs) && rs[i+1] == '\'' {
						lit.WriteRune('\'')
						i++
						continue
					}
					break
				}
				lit.WriteRune(rs[i])
			}
		case ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'):
			flush()
			n := 1
			for i+1 < len(rs) && rs[i+1] == r {
				n++
				i++
			}
			out = append(out, dateField{letter: r, count: n, typ: fieldType(r)})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return out
}

// fieldType names the formatToParts type of a pattern letter.
func fieldType(r rune) string {
	switch r {
	case 'G':
		return "era"
	case 'y', 'Y', 'u':
		return "year"
	case 'M', 'L':
		return "month"
	case 'd':
		return "day"
	case 'E', 'c', 'e':
		return "weekday"
	case 'a', 'b', 'B':
		return "dayPeriod"
	case 'h', 'H', 'K', 'k':
		return "hour"
	case 'm':
		return "minute"
	case 's':
		return "second"
	case 'S':
		return "fractionalSecond"
	case 'z', 'Z', 'O', 'v', 'V', 'x', 'X':
		return "timeZoneName"
	}
	return "literal"
}

var dateCategories = []string{"era", "year", "month", "weekday", "day"}
var timeCategories = []string{"dayPeriod", "hour", "minute", "second", "timeZoneName"}

// choosePattern finds the pattern for the resolved options: the styles'
// own patterns, or the availableFormats entry nearest the requested
// skeleton, as ICU's DateTimePatternGenerator does.
func (df *dateTimeFormat) choosePattern() []dateField {
	key := df.patternKey()
	if p, ok := df.loc.data.patterns.Load(key); ok {
		return p.([]dateField)
	}
	p := df.findPattern()
	df.loc.data.patterns.Store(key, p)
	return p
}

// patternKey names what the pattern depends on: styles, hour cycle and
// the requested fields. A locale has a few hundred such keys at most.
func (df *dateTimeFormat) patternKey() string {
	var b strings.Builder
	b.WriteString(df.dateStyle + "|" + df.timeStyle + "|" + df.hourCycle + "|" + itoa(df.fracSec))
	for _, c := range dateComponents {
		if v, ok := df.comp[c.name]; ok {
			b.WriteString("|" + c.name + "=" + v)
		}
	}
	return b.String()
}

func (df *dateTimeFormat) findPattern() []dateField {
	d := &df.loc.data.Dates
	var fields []dateField
	if df.dateStyle != "" || df.timeStyle != "" {
		var date, tm []dateField
		if df.dateStyle != "" {
			date = parseDatePattern(d.DateFormats[df.dateStyle])
		}
		if df.timeStyle != "" {
			tm = parseDatePattern(d.TimeFormats[df.timeStyle])
			if twelveHour(hourCycleOf(d.TimeFormats[df.timeStyle])) != twelveHour(df.hourCycle) {
				// hour12 against the locale's habit: as V8 does, take the
				// style pattern's skeleton with the other hour letter and
				// find the pattern for that (HH:mm → hh:mm a).
				sk := skeleton{}
				for _, f := range tm {
					if f.typ != "literal" && f.typ != "dayPeriod" {
						sk[f.typ] = f
					}
				}
				h := sk["hour"]
				h.letter = 'H'
				if twelveHour(df.hourCycle) {
					h.letter = 'h'
				}
				sk["hour"] = h
				if p := df.bestWith(sk, false); p != nil {
					tm = p
				}
			}
		}
		fields = df.glue(date, tm, df.dateStyle)
	} else {
		sk := df.requested()
		if p := df.best(sk); p != nil {
			fields = p
		} else {
			date, tm := skeleton{}, skeleton{}
			for _, c := range dateCategories {
				if f, ok := sk[c]; ok {
					date[c] = f
				}
			}
			for _, c := range timeCategories {
				if f, ok := sk[c]; ok {
					tm[c] = f
				}
			}
			fields = df.glue(df.bestOrPlain(date), df.bestOrPlain(tm), glueStyle(date))
		}
	}
	fields = df.applyHourCycle(fields)
	if df.fracSec > 0 {
		fields = df.addFraction(fields)
	}
	return fields
}

func twelveHour(hc string) bool { return hc == "h11" || hc == "h12" }

// glueStyle is the dateTimeFormat ICU picks for a date skeleton: full
// for a long month and a weekday, long for a long month, medium for an
// abbreviated one, short otherwise.
func glueStyle(date skeleton) string {
	m := date["month"].count
	_, wd := date["weekday"]
	switch {
	case m >= 4 && wd:
		return "full"
	case m >= 4:
		return "long"
	case m == 3:
		return "medium"
	}
	return "short"
}

// glue joins a date and a time pattern with the locale's dateTimeFormat
// ("{1}, {0}"; the "{1} 'at' {0}" form for full and long).
func (df *dateTimeFormat) glue(date, tm []dateField, style string) []dateField {
	if len(date) == 0 {
		return tm
	}
	if len(tm) == 0 {
		return date
	}
	d := &df.loc.data.Dates
	// ICU 78 glues with the atTime set ("{1} 'at' {0}" for full and
	// long), falling back to the plain dateTimeFormats.
	g := d.AtTime[style]
	if g == "" {
		g = d.DateTime[style]
	}
	var out []dateField
	for _, f := range parseDatePattern(strings.NewReplacer("{0}", "'\x00'", "{1}", "'\x01'").Replace(g)) {
		if f.typ != "literal" {
			out = append(out, f)
			continue
		}
		for _, piece := range splitKeep(f.lit) {
			switch piece {
			case "\x00":
				out = append(out, tm...)
			case "\x01":
				out = append(out, date...)
			default:
				out = append(out, dateField{lit: piece, typ: "literal"})
			}
		}
	}
	return out
}

// splitKeep splits s around the \x00 and \x01 markers, keeping them.
func splitKeep(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] == 1 {
			if i > start {
				out = append(out, s[start:i])
			}
			out = append(out, s[i:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func (df *dateTimeFormat) bestOrPlain(sk skeleton) []dateField {
	if len(sk) == 0 {
		return nil
	}
	if p := df.best(sk); p != nil {
		return p
	}
	// Nothing in availableFormats has these fields: show them as asked,
	// space-separated, in the usual order.
	var out []dateField
	for _, c := range append(append([]string{}, dateCategories...), timeCategories...) {
		if f, ok := sk[c]; ok {
			if len(out) > 0 {
				out = append(out, dateField{lit: " ", typ: "literal"})
			}
			if f.typ == "minute" || f.typ == "second" {
				f.count = 1
			}
			out = append(out, f)
		}
	}
	return out
}

// applyHourCycle writes the hour letter of the resolved hourCycle.
func (df *dateTimeFormat) applyHourCycle(fields []dateField) []dateField {
	letter := map[string]rune{"h11": 'K', "h12": 'h', "h23": 'H', "h24": 'k'}[df.hourCycle]
	for i, f := range fields {
		if f.typ == "hour" && letter != 0 {
			fields[i].letter = letter
		}
	}
	return fields
}

// addFraction puts fractionalSecondDigits after the seconds, with the
// locale's decimal separator (or at the end when there are none).
func (df *dateTimeFormat) addFraction(fields []dateField) []dateField {
	frac := []dateField{{lit: df.loc.data.Numbers.Symbols["decimal"], typ: "literal"}, {letter: 'S', count: df.fracSec, typ: "fractionalSecond"}}
	for i, f := range fields {
		if f.typ == "second" {
			out := append(append([]dateField{}, fields[:i+1]...), frac...)
			return append(out, fields[i+1:]...)
		}
	}
	if len(fields) == 0 {
		return frac[1:]
	}
	return append(fields, frac...)
}
