package isolate

import (
	"sort"
	"strings"
	"time"
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

// skeleton is a set of requested fields by category (the parts type),
// each with the letter and width asked for.
type skeleton map[string]dateField

func parseSkeleton(s string) skeleton {
	sk := skeleton{}
	for _, f := range parseDatePattern(s) {
		if f.typ != "literal" {
			sk[f.typ] = f
		}
	}
	return sk
}

// requested builds the skeleton ECMA-402's options ask for, with the
// letters V8 hands ICU.
func (df *dateTimeFormat) requested() skeleton {
	sk := skeleton{}
	put := func(typ string, letter rune, count int) { sk[typ] = dateField{letter: letter, count: count, typ: typ} }
	width := map[string]int{"narrow": 5, "short": 3, "long": 4, "2-digit": 2, "numeric": 1}
	for name, v := range df.comp {
		switch name {
		case "weekday":
			put("weekday", 'E', width[v])
		case "era":
			put("era", 'G', width[v])
		case "year":
			put("year", 'y', width[v])
		case "month":
			put("month", 'M', width[v])
		case "day":
			put("day", 'd', width[v])
		case "hour":
			letter := 'H'
			if df.hourCycle == "h11" || df.hourCycle == "h12" {
				letter = 'h'
			}
			put("hour", letter, width[v])
		case "minute":
			put("minute", 'm', width[v])
		case "second":
			put("second", 's', width[v])
		case "timeZoneName":
			z := map[string]dateField{"short": {letter: 'z', count: 1}, "long": {letter: 'z', count: 4},
				"shortOffset": {letter: 'O', count: 1}, "longOffset": {letter: 'O', count: 4},
				"shortGeneric": {letter: 'v', count: 1}, "longGeneric": {letter: 'v', count: 4}}[v]
			put("timeZoneName", z.letter, z.count)
		}
	}
	if v, ok := df.comp["dayPeriod"]; ok && (df.hourCycle == "h11" || df.hourCycle == "h12" || sk["hour"].count == 0) {
		put("dayPeriod", 'B', map[string]int{"narrow": 5, "short": 1, "long": 4}[v])
	}
	return sk
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

type skeletonEntry struct {
	key string
	sk  skeleton
}

// skeletons are the locale's availableFormats keys parsed, in a fixed
// order (so ties go the same way every time), made once.
func (c *cldrLocale) skeletons() []skeletonEntry {
	c.skelOnce.Do(func() {
		keys := make([]string, 0, len(c.Dates.Available))
		for k := range c.Dates.Available {
			if !strings.Contains(k, "-") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			c.skels = append(c.skels, skeletonEntry{k, parseSkeleton(k)})
		}
	})
	return c.skels
}

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

// best is the availableFormats pattern whose skeleton has exactly the
// requested fields at the least distance, with its widths adjusted to the
// request (unless the skeleton matched exactly). nil when none has them.
func (df *dateTimeFormat) best(want skeleton) []dateField { return df.bestWith(want, true) }

// bestWith is best; narrowHour applies V8's hour narrowing, which the
// hour12 rewrite of a timeStyle pattern does not get.
func (df *dateTimeFormat) bestWith(want skeleton, narrowHour bool) []dateField {
	avail := df.loc.data.Dates.Available
	bestKey, bestDist := "", -1
	for _, e := range df.loc.data.skeletons() {
		k, cand := e.key, e.sk
		if len(cand) != len(want) {
			continue
		}
		dist := 0
		for typ, w := range want {
			c, ok := cand[typ]
			if !ok {
				dist = -1
				break
			}
			dist += fieldDistance(w, c)
		}
		if dist >= 0 && (bestDist < 0 || dist < bestDist) {
			bestKey, bestDist = k, dist
		}
	}
	if bestDist < 0 {
		return nil
	}
	fields := parseDatePattern(avail[bestKey])
	if bestDist == 0 {
		return fields
	}
	cand := parseSkeleton(bestKey)
	for i, f := range fields {
		w, ok := want[f.typ]
		if !ok || f.typ == "minute" || f.typ == "second" {
			continue
		}
		// ICU keeps the pattern's width where the matched skeleton
		// already had the requested one, or where one is numeric and the
		// other text. V8 also narrows the hour when minutes were asked
		// 2-digit (hour numeric, minute 2-digit is 6:05, not 06:05).
		same := cand[f.typ].count == w.count
		if f.typ == "hour" {
			same = same && !(narrowHour && want["minute"].count == 2 && cand["minute"].count == 1)
		}
		if f.typ == "weekday" || f.typ == "era" {
			same = fieldDistance(cand[f.typ], w) == 0
		}
		if same || (isText(f) != isText(w) && f.typ != "timeZoneName" && f.typ != "hour") {
			if f.typ == "timeZoneName" {
				fields[i].letter = w.letter
			}
			continue
		}
		fields[i].count = w.count
		switch f.typ {
		case "timeZoneName", "era", "day":
			fields[i].letter = w.letter
		}
	}
	return fields
}

func isText(f dateField) bool {
	switch f.typ {
	case "month":
		return f.count >= 3
	case "weekday", "era", "dayPeriod", "timeZoneName":
		return true
	}
	return false
}

func fieldDistance(w, c dateField) int {
	switch {
	case w.typ == "hour" && (w.letter == 'h' || w.letter == 'K') != (c.letter == 'h' || c.letter == 'K'):
		return 0x1000
	case w.letter != c.letter && w.typ == "timeZoneName":
		return 0x10
	case isText(w) != isText(c):
		return 0x100
	}
	wc, cc := w.count, c.count
	if w.typ == "weekday" || w.typ == "era" {
		// E, EE and EEE (G, GG, GGG) all mean the abbreviated name.
		if wc < 3 {
			wc = 3
		}
		if cc < 3 {
			cc = 3
		}
	}
	if wc > cc {
		return wc - cc
	}
	return cc - wc
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

// parts is FormatDateTimePattern: each field of the pattern filled from t
// in the format's time zone.
func (df *dateTimeFormat) parts(t time.Time) []intlPart {
	t = t.In(df.zone)
	d := &df.loc.data.Dates
	out := make([]intlPart, 0, len(df.pattern))
	add := func(typ, val string) {
		if typ == "literal" {
			if n := len(out); n > 0 && out[n-1].typ == "literal" {
				out[n-1].val += val
				return
			}
		}
		out = append(out, intlPart{typ, val})
	}
	for _, f := range df.pattern {
		if f.typ == "literal" {
			add("literal", f.lit)
			continue
		}
		add(f.typ, df.field(d, f, t))
	}
	return out
}

func (df *dateTimeFormat) field(d *cldrDates, f dateField, t time.Time) string {
	width := func(n int) string {
		switch {
		case n == 4:
			return "wide"
		case n == 5:
			return "narrow"
		}
		return "abbreviated"
	}
	year := t.Year()
	switch f.letter {
	case 'G':
		era := 1
		if year <= 0 {
			era = 0
		}
		w := map[int]string{4: "long", 5: "narrow"}[f.count]
		if w == "" {
			w = "short"
		}
		return d.Eras[w][era]
	case 'y', 'Y', 'u':
		if year <= 0 && f.letter == 'y' {
			year = 1 - year
		}
		if f.count == 2 {
			return pad2(((year % 100) + 100) % 100)
		}
		return padN(year, f.count)
	case 'M', 'L':
		if f.count <= 2 {
			return padN(int(t.Month()), f.count)
		}
		ctx := "format"
		if f.letter == 'L' {
			ctx = "stand-alone"
		}
		return d.Months[ctx][width(f.count)][t.Month()-1]
	case 'd':
		return padN(t.Day(), f.count)
	case 'E', 'c', 'e':
		ctx := "format"
		if f.letter == 'c' {
			ctx = "stand-alone"
		}
		if f.letter != 'E' && f.count <= 2 {
			return itoa(int(t.Weekday()) + 1)
		}
		return d.Days[ctx][width(f.count)][t.Weekday()]
	case 'a', 'b', 'B':
		key := "am-"
		if t.Hour() >= 12 {
			key = "pm-"
		}
		return d.DayPeriods[key+width(f.count)]
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return padN(h, f.count)
	case 'K':
		return padN(t.Hour()%12, f.count)
	case 'H':
		return padN(t.Hour(), f.count)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return padN(h, f.count)
	case 'm':
		return padN(t.Minute(), f.count)
	case 's':
		return padN(t.Second(), f.count)
	case 'S':
		ms := padN(t.Nanosecond()/1e6, 3)
		return ms[:min(f.count, 3)]
	case 'z', 'v', 'O', 'V', 'Z', 'x', 'X':
		return df.zoneField(f, t)
	}
	return ""
}

func padN(n, width int) string {
	s := itoa(abs(n))
	for len(s) < width {
		s = "0" + s
	}
	if n < 0 {
		return "-" + s
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// zoneField names the time zone: UTC by its CLDR name; z and v by the
// zone's own or its metazone's name in the locale (EST, Eastern Standard
// Time, Eastern Time), where the locale has one; otherwise, and for O, in
// the localized GMT format (GMT+1, GMT+05:30 in the long form).
func (df *dateTimeFormat) zoneField(f dateField, t time.Time) string {
	d := &df.loc.data.Dates
	long := f.count >= 4
	if df.zoneName == "UTC" && f.letter != 'O' {
		if long {
			return d.UTCLong
		}
		return d.UTCShort
	}
	if f.letter == 'z' || f.letter == 'v' {
		key := "short-"
		if long {
			key = "long-"
		}
		switch {
		case f.letter == 'v' && observesDST(t):
			key += "generic"
		case f.letter == 'v':
			// ICU names a zone without summer time by its standard name
			// (Japan Standard Time) also in the generic form.
			key += "standard"
		case t.IsDST():
			key += "daylight"
		default:
			key += "standard"
		}
		if s := d.ZoneNames[df.zoneName][key]; s != "" {
			return s
		}
		if mz := cldrMetazones[df.zoneName]; mz != "" {
			if s := d.ZoneNames["mz:"+mz][key]; s != "" {
				return s
			}
		}
	}
	return df.gmtFormat(long, t)
}

// observesDST tells whether t's zone has summer time in t's year.
func observesDST(t time.Time) bool {
	y, loc := t.Year(), t.Location()
	return time.Date(y, 1, 1, 0, 0, 0, 0, loc).IsDST() || time.Date(y, 7, 1, 0, 0, 0, 0, loc).IsDST()
}

// gmtFormat is the localized GMT format of t's offset.
func (df *dateTimeFormat) gmtFormat(long bool, t time.Time) string {
	d := &df.loc.data.Dates
	_, off := t.Zone()
	if off == 0 {
		return d.GMTZero
	}
	pos, neg, _ := strings.Cut(d.HourFormat, ";")
	p := pos
	if off < 0 {
		p, off = neg, -off
	}
	h, m := off/3600, off/60%60
	if !long {
		// The short form: no padding on the hour, minutes only when set.
		p = strings.Replace(p, "HH", "H", 1)
		if m == 0 {
			if i := strings.Index(p, "H"); i >= 0 {
				end := strings.LastIndex(p, "mm")
				if end > i {
					p = p[:i+1] + p[end+2:]
				}
			}
		}
	}
	p = strings.Replace(p, "HH", pad2(h), 1)
	p = strings.Replace(p, "H", itoa(h), 1)
	p = strings.Replace(p, "mm", pad2(m), 1)
	return strings.Replace(d.GMT, "{0}", p, 1)
}
