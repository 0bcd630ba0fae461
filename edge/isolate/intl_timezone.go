package isolate

import (
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones without /usr/share/zoneinfo (CI machines may lack it)

	"github.com/dop251/goja"
)

// timeZoneOption resolves the timeZone option: an IANA name (matched
// without regard to case, as ECMA-402 asks), UTC's aliases, or an offset
// such as +05:30. Absent, the zone is UTC, as in Workers.
func timeZoneOption(vm *goja.Runtime, v goja.Value) (*time.Location, string) {
	if goja.IsUndefined(v) {
		return time.UTC, "UTC"
	}
	name := v.String()
	switch strings.ToUpper(name) {
	case "UTC", "GMT", "ETC/UTC", "ETC/GMT", "ETC/UCT", "UCT", "ETC/ZULU", "ZULU", "ETC/UNIVERSAL", "UNIVERSAL", "ETC/GREENWICH", "GREENWICH", "ETC/GMT0", "ETC/GMT+0", "ETC/GMT-0", "GMT0", "GMT+0", "GMT-0":
		return time.UTC, "UTC"
	}
	if off, ok := parseOffsetZone(name); ok {
		return time.FixedZone(name, off), formatOffsetName(off)
	}
	if loc := loadZone(name); loc != nil {
		return loc, cldrZoneID(name)
	}
	if canon := zoneCase(name); canon != name {
		if loc := loadZone(canon); loc != nil {
			return loc, cldrZoneID(canon)
		}
	}
	panic(intlRangeError(vm, "Invalid time zone specified: "+name))
}

// zones caches time.LoadLocation, which reads and parses the zone from
// the embedded database on every call (~100 µs).
var zones sync.Map // name → *time.Location, or nil for a name that failed

func loadZone(name string) *time.Location {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location)
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "..") || len(name) > 64 {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	// Only real zones are kept, so junk names cannot grow the cache.
	if loc != nil {
		zones.Store(name, loc)
	}
	return loc
}

// cldrZoneID is the name ICU reports and CLDR files the zone's names
// under: Asia/Kolkata is Asia/Calcutta there.
func cldrZoneID(name string) string {
	if id, ok := cldrZoneIDs[name]; ok {
		return id
	}
	return name
}

// zoneCase spells an IANA name as the database does: each word
// capitalised (america/new_york → America/New_York).
func zoneCase(name string) string {
	b := []byte(strings.ToLower(name))
	up := true
	for i, c := range b {
		if up && 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

// parseOffsetZone reads ±HH, ±HHMM or ±HH:MM.
func parseOffsetZone(s string) (int, bool) {
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	digits := strings.Replace(s[1:], ":", "", 1)
	if len(digits) != 2 && len(digits) != 4 || (len(s) == 6 && s[3] != ':') {
		return 0, false
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	h, m := n, 0
	if len(digits) == 4 {
		h, m = n/100, n%100
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

func formatOffsetName(off int) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return sign + pad2(off/3600) + ":" + pad2(off/60%60)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}
