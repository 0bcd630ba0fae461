package isolate

import (
	"sort"
	"strings"
)

// Matching the requested fields against the locale's availableFormats
// skeletons, as ICU's DateTimePatternGenerator does (UTS #35 §4.8): the
// nearest skeleton with the same fields, its pattern's widths adjusted.

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
