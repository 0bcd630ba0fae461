package schemas

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAMLReader reads one YAML file into Go values the way every Vault file
// is read (vault.yaml, the node config): one document, mappings of known
// keys, values of known kinds, and every problem collected as a PosError
// at its file:line:col rather than stopping at the first.
//
// A reader's methods report what they reject and return false (or a zero
// value); Finish returns all of it, in file order.
type YAMLReader struct {
	file string
	dec  *yaml.Decoder
	errs PosErrors
}

// NewYAMLReader reads data; file names it in errors.
func NewYAMLReader(file string, data []byte) *YAMLReader {
	return &YAMLReader{file: file, dec: yaml.NewDecoder(bytes.NewReader(data))}
}

// Failf reports a problem at n.
func (r *YAMLReader) Failf(n *yaml.Node, format string, args ...any) {
	r.errs = append(r.errs, &PosError{File: r.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// Document decodes the file's first document and returns its top node. It
// returns nil if the file holds no document (it is empty or only comments)
// or does not parse; Err tells the two apart.
func (r *YAMLReader) Document() *yaml.Node {
	var doc yaml.Node
	if err := r.dec.Decode(&doc); err != nil {
		if err != io.EOF {
			r.errs = append(r.errs, YAMLError(r.file, err))
		}
		return nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return &doc
}

// Finish reports a second document, if the file has one after the first,
// as something what ("a manifest") may not have, and returns every problem
// reported, in file order, or nil.
func (r *YAMLReader) Finish(what string) error {
	var extra yaml.Node
	if err := r.dec.Decode(&extra); err == nil {
		r.Failf(&extra, "%s is one YAML document; remove everything from this \"---\" on", what)
	} else if err != io.EOF {
		r.errs = append(r.errs, YAMLError(r.file, err))
	}
	return r.Err()
}

// Err returns every problem reported so far, in file order, or nil.
func (r *YAMLReader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	r.errs.Sort()
	return r.errs
}

// Mapping describes a YAML mapping: its name in errors and its keys.
type Mapping struct {
	// Name names the mapping in errors ("limits", "shield.rate"); empty
	// for a document's top level.
	Name string
	// Keys are the keys the mapping may hold, listed in this order when an
	// unknown one is met. Nil: any key.
	Keys []string
	// NotMapping is the complaint when the node is not a mapping.
	NotMapping string
	// Duplicate words the complaint about a key given twice, for files
	// whose readers said it their own way before this reader existed.
	// Nil: `duplicate key "k" in name (first at line n)`.
	Duplicate func(key string, firstLine int) string
}

// Fields calls read with each key of mapping n and its value, in file
// order. A key given twice, or one not in m.Keys, is reported and not
// read. If n is not a mapping, Fields reports m.NotMapping and returns
// false.
func (r *YAMLReader) Fields(n *yaml.Node, m Mapping, read func(key, val *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		r.Failf(n, "%s", m.NotMapping)
		return false
	}
	in := ""
	if m.Name != "" {
		in = " in " + m.Name
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if first, dup := seen[key.Value]; dup {
			if m.Duplicate != nil {
				r.Failf(key, "%s", m.Duplicate(key.Value, first))
			} else {
				r.Failf(key, "duplicate key %q%s (first at line %d)", key.Value, in, first)
			}
			continue
		}
		seen[key.Value] = key.Line
		if m.Keys != nil && !slices.Contains(m.Keys, key.Value) {
			r.Failf(key, "unknown key %q%s (known: %s)", key.Value, in, strings.Join(m.Keys, ", "))
			continue
		}
		read(key, val)
	}
	return true
}
