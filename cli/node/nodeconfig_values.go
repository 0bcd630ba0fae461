package node

import (
	"log/slog"
	"math"
	"time"

	"go.yaml.in/yaml/v3"
)

// The value readers: each returns a field's read func, which stores a
// value of its kind in dst, or reports at the value why it is not one and
// returns false. The YAMLReader reads and reports; these only store.

// into returns a read func that stores in dst what read gives.
func into[T any](dst *T, read func(*yaml.Node) (T, bool)) func(*yaml.Node) bool {
	return func(v *yaml.Node) bool {
		x, ok := read(v)
		if ok {
			*dst = x
		}
		return ok
	}
}

func (p *configParser) str(dst *string) func(*yaml.Node) bool { return into(dst, p.String) }

// strs reads a list of strings.
func (p *configParser) strs(dst *[]string) func(*yaml.Node) bool { return into(dst, p.Strings) }

func (p *configParser) boolean(dst *bool) func(*yaml.Node) bool { return into(dst, p.Bool) }

func (p *configParser) duration(dst *time.Duration) func(*yaml.Node) bool {
	return into(dst, p.Duration)
}

// number reads a number, 0 or more.
func (p *configParser) number(dst *float64) func(*yaml.Node) bool { return into(dst, p.Number) }

func (p *configParser) count(dst *int) func(*yaml.Node) bool { return whole(p, dst, math.MaxInt32) }

func (p *configParser) count32(dst *uint32) func(*yaml.Node) bool {
	return whole(p, dst, math.MaxUint32)
}

func (p *configParser) count64(dst *int64) func(*yaml.Node) bool {
	return whole(p, dst, math.MaxInt64)
}

// whole reads a whole number in [0, max] into dst.
func whole[T int | uint32 | int64](p *configParser, dst *T, max int64) func(*yaml.Node) bool {
	return into(dst, func(v *yaml.Node) (T, bool) {
		n, ok := p.Int(v, 0, max)
		return T(n), ok
	})
}

func (p *configParser) size32(dst *uint32) func(*yaml.Node) bool {
	return size(p, dst, math.MaxUint32)
}

func (p *configParser) size64(dst *int64) func(*yaml.Node) bool {
	return size(p, dst, math.MaxInt64)
}

// size reads whole bytes or a whole number of KiB, MiB or GiB, at most max,
// into dst.
func size[T uint32 | int64](p *configParser, dst *T, max int64) func(*yaml.Node) bool {
	return into(dst, func(v *yaml.Node) (T, bool) {
		n, ok := p.Size(v, max)
		return T(n), ok
	})
}

// oneOf reads a string that must be one of choices.
func (p *configParser) oneOf(dst *string, choices ...string) func(*yaml.Node) bool {
	return into(dst, func(v *yaml.Node) (string, bool) { return p.OneOf(v, choices...) })
}

func (p *configParser) logLevel(dst *string) func(*yaml.Node) bool {
	return into(dst, func(v *yaml.Node) (string, bool) {
		s, ok := p.String(v)
		if !ok {
			return "", false
		}
		var level slog.Level
		if err := level.UnmarshalText([]byte(s)); err != nil {
			p.fail(v, "log level %q: want debug, info, warn or error", s)
			return "", false
		}
		return s, true
	})
}
