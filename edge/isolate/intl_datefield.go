package isolate

import (
	"strings"
	"time"
)

// Filling a DateTimeFormat's pattern: each field from the time in the
// format's zone, names from the locale's CLDR data.

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
