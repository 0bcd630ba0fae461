package node

import (
	"log/slog"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The value readers: each returns a field's read func, which stores a
// value of its kind in dst, or reports at the value why it is not one and
// returns false.

func (p *configParser) str(dst *string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			p.fail(v, "want a string")
			return false
		}
		*dst = v.Value
		return true
	}
}

// strs reads a list of strings.
func (p *configParser) strs(dst *[]string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		if v.Kind != yaml.SequenceNode {
			p.fail(v, "want a list of strings")
			return false
		}
		var out []string
		for _, item := range v.Content {
			var s string
			if !p.str(&s)(item) {
				return false
			}
			out = append(out, s)
		}
		*dst = out
		return true
	}
}

func (p *configParser) boolean(dst *bool) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(dst) != nil {
			p.fail(v, "want true or false")
			return false
		}
		return true
	}
}

// whole reads a whole number in [0, max].
func (p *configParser) whole(v *yaml.Node, max int64) (int64, bool) {
	var n int64
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil {
		p.fail(v, "want a whole number")
		return 0, false
	}
	if n < 0 || n > max {
		p.fail(v, "%d is out of range: want 0 to %d", n, max)
		return 0, false
	}
	return n, true
}

func (p *configParser) count(dst *int) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.whole(v, math.MaxInt32)
		*dst = int(n)
		return ok
	}
}

func (p *configParser) count32(dst *uint32) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.whole(v, math.MaxUint32)
		*dst = uint32(n)
		return ok
	}
}

func (p *configParser) count64(dst *int64) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.whole(v, math.MaxInt64)
		*dst = n
		return ok
	}
}

// size reads whole bytes or a whole number of KiB, MiB or GiB.
func (p *configParser) size(v *yaml.Node, max int64) (int64, bool) {
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!str") {
		p.fail(v, "want a size: whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB")
		return 0, false
	}
	n, err := parseSize(v.Value, max)
	if err != nil {
		p.fail(v, "%v", err)
		return 0, false
	}
	return n, true
}

func (p *configParser) size32(dst *uint32) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.size(v, math.MaxUint32)
		*dst = uint32(n)
		return ok
	}
}

func (p *configParser) size64(dst *int64) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		n, ok := p.size(v, math.MaxInt64)
		*dst = n
		return ok
	}
}

func (p *configParser) duration(dst *time.Duration) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		d, err := time.ParseDuration(v.Value)
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!int") || err != nil {
			p.fail(v, "want a duration such as \"10s\" or \"1m30s\"")
			return false
		}
		if d < 0 {
			p.fail(v, "duration %s must not be negative", v.Value)
			return false
		}
		*dst = d
		return true
	}
}

func (p *configParser) number(dst *float64) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		var f float64
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&f) != nil ||
			math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			p.fail(v, "want a number, 0 or more")
			return false
		}
		*dst = f
		return true
	}
}

// oneOf reads a string that must be one of choices.
func (p *configParser) oneOf(dst *string, choices ...string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		var s string
		if !p.str(&s)(v) {
			return false
		}
		for _, c := range choices {
			if s == c {
				*dst = s
				return true
			}
		}
		p.fail(v, "%q: want %s", s, strings.Join(choices, " or "))
		return false
	}
}

func (p *configParser) logLevel(dst *string) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		var s string
		var level slog.Level
		if !p.str(&s)(v) {
			return false
		}
		if err := level.UnmarshalText([]byte(s)); err != nil {
			p.fail(v, "log level %q: want debug, info, warn or error", s)
			return false
		}
		*dst = s
		return true
	}
}
