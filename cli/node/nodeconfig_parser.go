package node

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/schemas"
)

// configParser reads a node config file's YAML tree into the Go config
// with a schemas.YAMLReader, which collects every problem at its
// file:line:col rather than stopping at the first. The section readers
// (nodeconfig_sections.go) give each mapping's fields; the value readers
// (nodeconfig_values.go) store what the YAMLReader reads.
type configParser struct {
	*schemas.YAMLReader
}

// fail reports a problem at n.
func (p *configParser) fail(n *yaml.Node, format string, args ...any) {
	p.Failf(n, format, args...)
}

// field is one key of a mapping: its YAML name, the name the Go config's
// Validate uses for it, and how to read its value (false: it failed).
type field struct {
	key, goName string
	read        func(v *yaml.Node) bool
}

// section reads mapping n of the fields; it returns the value nodes read,
// by Go name, so that a Validate failure can be placed. A null section
// ("http2:" with every key commented out) is an empty one.
func (p *configParser) section(name string, n *yaml.Node, fields []field) map[string]*yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.key
	}
	notMapping := fmt.Sprintf("%s must be a mapping of keys (%s)", name, strings.Join(known, ", "))
	in := ""
	if name == "" {
		notMapping = fmt.Sprintf("a node config is a mapping of keys (%s)", strings.Join(known, ", "))
	} else {
		in = " in " + name
	}
	read := map[string]*yaml.Node{}
	ok := p.Fields(n, schemas.Mapping{
		Name:       name,
		Keys:       known,
		NotMapping: notMapping,
		Duplicate: func(key string, first int) string {
			return fmt.Sprintf("duplicate field %q%s (first at line %d)", key, in, first)
		},
	}, func(key, val *yaml.Node) {
		if val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		f := fields[slices.Index(known, key.Value)]
		if f.read(val) && f.goName != "" {
			read[f.goName] = val
		}
	})
	if !ok {
		return nil
	}
	return read
}

// validated reports err, the complaint of a section's Validate, at the
// value of the first field it names (by Go name, as a whole word) that the
// file set, else at the section. Go field names in it become YAML keys.
func (p *configParser) validated(section *yaml.Node, fields []field, read map[string]*yaml.Node, err error) {
	keys := map[string]string{}
	for _, f := range fields {
		if f.goName != "" && f.goName[0] >= 'A' && f.goName[0] <= 'Z' {
			keys[f.goName] = f.key
		}
	}
	p.Place(section, err, read, keys)
}
