package schemas

import (
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The value readers: each returns the value of its kind that n holds, or
// reports at n why it is not one and returns false. Their words name the
// kind wanted ("want a string"); a reader that names the value in its own
// words ("name must be a string") tests n with isString or wholeNumber.

// String reads any scalar but null as a string.
func (r *YAMLReader) String(n *yaml.Node) (string, bool) {
	if !isString(n) {
		r.Failf(n, "want a string")
		return "", false
	}
	return n.Value, true
}

// Strings reads a list of strings; it stops at the first item that is not one.
func (r *YAMLReader) Strings(n *yaml.Node) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		r.Failf(n, "want a list of strings")
		return nil, false
	}
	var out []string
	for _, item := range n.Content {
		s, ok := r.String(item)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// Bool reads true or false.
func (r *YAMLReader) Bool(n *yaml.Node) (bool, bool) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		r.Failf(n, "want true or false")
		return false, false
	}
	return b, true
}

// Int reads a whole number from min to max.
func (r *YAMLReader) Int(n *yaml.Node, min, max int64) (int64, bool) {
	v, ok := wholeNumber(n)
	if !ok {
		r.Failf(n, "want a whole number")
		return 0, false
	}
	if v < min || v > max {
		r.Failf(n, "%d is out of range: want %d to %d", v, min, max)
		return 0, false
	}
	return v, true
}

// Size reads whole bytes or a whole number of KiB, MiB or GiB, at most
// max, as ParseSize does.
func (r *YAMLReader) Size(n *yaml.Node, max int64) (int64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str") {
		r.Failf(n, "want a size: whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB")
		return 0, false
	}
	v, err := ParseSize(n.Value, max)
	if err != nil {
		r.Failf(n, "%v", err)
		return 0, false
	}
	return v, true
}

// Duration reads a Go duration ("10s", "1m30s"), 0 or more.
func (r *YAMLReader) Duration(n *yaml.Node) (time.Duration, bool) {
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int") || err != nil {
		r.Failf(n, "want a duration such as \"10s\" or \"1m30s\"")
		return 0, false
	}
	if d < 0 {
		r.Failf(n, "duration %s must not be negative", n.Value)
		return 0, false
	}
	return d, true
}

// Number reads a finite number, 0 or more.
func (r *YAMLReader) Number(n *yaml.Node) (float64, bool) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&f) != nil ||
		math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		r.Failf(n, "want a number, 0 or more")
		return 0, false
	}
	return f, true
}

// OneOf reads a string that must be one of choices.
func (r *YAMLReader) OneOf(n *yaml.Node, choices ...string) (string, bool) {
	s, ok := r.String(n)
	if !ok {
		return "", false
	}
	for _, c := range choices {
		if s == c {
			return s, true
		}
	}
	r.Failf(n, "%q: want %s", s, strings.Join(choices, " or "))
	return "", false
}

// isString reports whether n holds a string: any scalar but null.
func isString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag != "!!null"
}

// wholeNumber is the whole number n holds, if it holds one that fits an
// int64; a quoted "100" is a string, not a number.
func wholeNumber(n *yaml.Node) (int64, bool) {
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		return 0, false
	}
	return v, true
}
