package isolate

import (
	"math"
	"strconv"
	"strings"
)

// CLDR plural rules (UTS #35 §5.1) from CLDR 48, as Deno's ICU has them.
// golang.org/x/text/feature/plural carries CLDR 32's rules, which lack the
// "many" category CLDR 38 gave French, Spanish, Portuguese and Italian
// for millions (1 000 000 de personnes), so the rules are generated with
// the other locale data and evaluated here.

// pluralRule is one category's condition: relations and-ed within each
// element, the elements or-ed.
type pluralRule struct {
	category string
	or       [][]pluralRelation
}

type pluralRelation struct {
	operand byte // n i v w f t c e
	mod     int  // 0: none
	negate  bool
	ranges  [][2]int
}

// pluralCategoryOrder is CLDR's order of categories, the order
// resolvedOptions().pluralCategories lists them in.
var pluralCategoryOrder = []string{"zero", "one", "two", "few", "many", "other"}

func parsePluralRules(src map[string]string) []pluralRule {
	var out []pluralRule
	for _, cat := range pluralCategoryOrder {
		cond, ok := src[cat]
		if !ok {
			continue
		}
		r := pluralRule{category: cat}
		if cond != "" {
			for _, andPart := range strings.Split(cond, " or ") {
				var rels []pluralRelation
				for _, rel := range strings.Split(andPart, " and ") {
					rels = append(rels, parsePluralRelation(rel))
				}
				r.or = append(r.or, rels)
			}
		}
		out = append(out, r)
	}
	return out
}

// parsePluralRelation reads "i % 10 = 2..4,6" or "v != 0".
func parsePluralRelation(s string) pluralRelation {
	var rel pluralRelation
	lhs, rhs, _ := strings.Cut(s, "=")
	if strings.HasSuffix(lhs, "!") {
		rel.negate = true
		lhs = strings.TrimSuffix(lhs, "!")
	}
	lhs = strings.TrimSpace(lhs)
	rel.operand = lhs[0]
	if _, m, ok := strings.Cut(lhs, "%"); ok {
		rel.mod, _ = strconv.Atoi(strings.TrimSpace(m))
	}
	for _, item := range strings.Split(strings.TrimSpace(rhs), ",") {
		lo, hi, isRange := strings.Cut(item, "..")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			b, _ = strconv.Atoi(hi)
		}
		rel.ranges = append(rel.ranges, [2]int{a, b})
	}
	return rel
}

// pluralOperandValues are UTS #35's operands of a displayed number.
type pluralOperandValues struct {
	n          float64
	i, v, w, f int
	t          int
}

func (o pluralOperandValues) get(op byte) float64 {
	switch op {
	case 'n':
		return o.n
	case 'i':
		return float64(o.i)
	case 'v':
		return float64(o.v)
	case 'w':
		return float64(o.w)
	case 'f':
		return float64(o.f)
	case 't':
		return float64(o.t)
	}
	return 0 // c and e: the compact exponent, 0 outside compact notation
}

func (rel pluralRelation) holds(o pluralOperandValues) bool {
	x := o.get(rel.operand)
	if rel.mod > 0 {
		x = math.Mod(x, float64(rel.mod))
	}
	in := false
	for _, r := range rel.ranges {
		// A range holds integers only: 1.5 is not in 1..2.
		if x == math.Trunc(x) && x >= float64(r[0]) && x <= float64(r[1]) {
			in = true
			break
		}
	}
	return in != rel.negate
}

// selectCategory is the first category whose condition holds; "other"
// has none.
func selectCategory(rules []pluralRule, o pluralOperandValues) string {
	for _, r := range rules {
		if len(r.or) == 0 {
			continue
		}
		for _, and := range r.or {
			ok := true
			for _, rel := range and {
				if !rel.holds(o) {
					ok = false
					break
				}
			}
			if ok {
				return r.category
			}
		}
	}
	return "other"
}

// pluralRulesFor parses the locale's rules once.
func (c *cldrLocale) pluralRulesFor(ordinal bool) []pluralRule {
	c.pluralOnce.Do(func() {
		c.cardinal = parsePluralRules(c.Plurals["cardinal"])
		c.ordinal = parsePluralRules(c.Plurals["ordinal"])
	})
	if ordinal {
		return c.ordinal
	}
	return c.cardinal
}
