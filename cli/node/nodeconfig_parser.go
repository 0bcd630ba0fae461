package node

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/schemas"
)

// configParser reads a node config file's YAML tree into the Go config,
// collecting every problem at its file:line:col rather than stopping at
// the first. The readers of values (nodeconfig_values.go) and of sections
// (nodeconfig_sections.go) report through fail.
type configParser struct {
	file string
	errs schemas.PosErrors
}

func (p *configParser) fail(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &schemas.PosError{File: p.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping: its YAML name, the name the Go config's
// Validate uses for it, and how to read its value (false: it failed).
type field struct {
	key, goName string
	read        func(v *yaml.Node) bool
}

// section reads mapping n of the fields; it returns the value nodes read,
// by Go name, so that a Validate failure can be placed.
func (p *configParser) section(name string, n *yaml.Node, fields []field) map[string]*yaml.Node {
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.key
	}
	in := ""
	if name != "" {
		in = " in " + name
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // "http2:" with every key commented out
	}
	if n.Kind != yaml.MappingNode {
		if name == "" {
			p.fail(n, "a node config is a mapping of keys (%s)", strings.Join(known, ", "))
		} else {
			p.fail(n, "%s must be a mapping of keys (%s)", name, strings.Join(known, ", "))
		}
		return nil
	}
	read := map[string]*yaml.Node{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if line, dup := seen[key.Value]; dup {
			p.fail(key, "duplicate field %q%s (first at line %d)", key.Value, in, line)
			continue
		}
		seen[key.Value] = key.Line
		if val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		f := fieldNamed(fields, key.Value)
		if f == nil {
			p.fail(key, "unknown field %q%s (known: %s)", key.Value, in, strings.Join(known, ", "))
			continue
		}
		if f.read(val) && f.goName != "" {
			read[f.goName] = val
		}
	}
	return read
}

func fieldNamed(fields []field, key string) *field {
	for i := range fields {
		if fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}

// validated reports err, the complaint of a section's Validate, at the
// value of the first field it names (by Go name, as a whole word) that the
// file set, else at the section. Go field names in it become YAML keys.
func (p *configParser) validated(section *yaml.Node, fields []field, read map[string]*yaml.Node, err error) {
	if err == nil {
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		at, first := section, len(line)
		for name, n := range read {
			if i := wordIndex(line, name); i >= 0 && i < first {
				at, first = n, i
			}
		}
		for _, f := range fields {
			if f.goName != "" && f.goName[0] >= 'A' && f.goName[0] <= 'Z' {
				for i := wordIndex(line, f.goName); i >= 0; i = wordIndex(line, f.goName) {
					line = line[:i] + f.key + line[i+len(f.goName):]
				}
			}
		}
		p.fail(at, "%s", line)
	}
}

// wordIndex is the index of word in s where it stands alone, or −1.
func wordIndex(s, word string) int {
	isWord := func(b byte) bool {
		return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
	}
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(word)
		if (i == 0 || !isWord(s[i-1])) && (end == len(s) || !isWord(s[end])) {
			return i
		}
		off = i + 1
	}
}
