package isolate

import (
	"strings"
	"unicode"
)

// Intl.NumberFormat's style "unit" (ECMA-402 §15.5.5): the number in the
// locale's unit pattern for its plural category ("{0} kilometers"), from
// CLDR's units data. A compound X-per-Y CLDR has no pattern for is X's
// pattern inside Y's per-unit pattern ("{0} per second"), or CLDR's
// compound "per" pattern ("{0}/{1}") with Y's name.

// sanctionedUnits are ECMA-402's simple units (§6.6.2, Table 2).
var sanctionedUnits = map[string]bool{
	"acre": true, "bit": true, "byte": true, "celsius": true, "centimeter": true, "day": true,
	"degree": true, "fahrenheit": true, "fluid-ounce": true, "foot": true, "gallon": true,
	"gigabit": true, "gigabyte": true, "gram": true, "hectare": true, "hour": true, "inch": true,
	"kilobit": true, "kilobyte": true, "kilogram": true, "kilometer": true, "liter": true,
	"megabit": true, "megabyte": true, "meter": true, "microsecond": true, "mile": true,
	"mile-scandinavian": true, "milliliter": true, "millimeter": true, "millisecond": true,
	"minute": true, "month": true, "nanosecond": true, "ounce": true, "percent": true,
	"petabyte": true, "pound": true, "second": true, "stone": true, "terabit": true,
	"terabyte": true, "week": true, "yard": true, "year": true,
}

// sanctionedUnit is IsWellFormedUnitIdentifier: a sanctioned unit, or
// two joined by -per-.
func sanctionedUnit(u string) bool {
	if sanctionedUnits[u] {
		return true
	}
	num, den, ok := strings.Cut(u, "-per-")
	return ok && sanctionedUnits[num] && sanctionedUnits[den]
}

// percentUnit tells whether the unit is percent in a short or narrow
// display, which ICU formats with the locale's percent pattern (not
// scaled by 100): 1 % in German, with the pattern's no-break space.
func (nf *numberFormat) percentUnit() bool {
	return nf.style == "unit" && nf.unit == "percent" && nf.unitDisplay != "long"
}

func (nf *numberFormat) unitParts(num []intlPart, form string) []intlPart {
	units := nf.loc.data.Units[nf.unitDisplay]
	pick := func(e map[string]string) string {
		if p := e[form]; p != "" {
			return p
		}
		return e["other"]
	}
	if e, ok := units[nf.unit]; ok {
		return fillUnitPattern(pick(e), num, nil)
	}
	numUnit, denUnit, _ := strings.Cut(nf.unit, "-per-")
	inner := fillUnitPattern(pick(units[numUnit]), num, nil)
	den := units[denUnit]
	if per := den["perUnitPattern"]; per != "" {
		return fillUnitPattern(per, inner, nil)
	}
	name := den["displayName"]
	return fillUnitPattern(units["per"]["compound"], inner, []intlPart{{"unit", name}})
}

// fillUnitPattern puts the parts for {0} (and {1}) into a pattern; the
// pattern's own text is the unit, with the spaces around it literals.
func fillUnitPattern(pat string, zero, one []intlPart) []intlPart {
	var out []intlPart
	for pat != "" {
		i := strings.IndexByte(pat, '{')
		if i < 0 || i+2 >= len(pat) || pat[i+2] != '}' {
			out = append(out, unitText(pat)...)
			break
		}
		out = append(out, unitText(pat[:i])...)
		if pat[i+1] == '0' {
			out = append(out, zero...)
		} else {
			out = append(out, one...)
		}
		pat = pat[i+3:]
	}
	return out
}

func unitText(s string) []intlPart {
	if s == "" {
		return nil
	}
	trimmed := strings.TrimFunc(s, unicode.IsSpace)
	if trimmed == "" {
		return []intlPart{{"literal", s}}
	}
	var out []intlPart
	lead := s[:strings.Index(s, trimmed)]
	trail := s[len(lead)+len(trimmed):]
	if lead != "" {
		out = append(out, intlPart{"literal", lead})
	}
	out = append(out, intlPart{"unit", trimmed})
	if trail != "" {
		out = append(out, intlPart{"literal", trail})
	}
	return out
}
