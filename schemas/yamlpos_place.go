package schemas

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Place reports err, a complaint about values already read (a Go config's
// Validate, say), one line of it at a time: each at the node of named whose
// name the line mentions first, as a whole word, else at n. In the text,
// each Go name of keys is replaced, as a whole word, by its YAML key, so
// "MaxFrameSize = 1024" reads "max_frame_size = 1024". A nil err reports
// nothing.
func (r *YAMLReader) Place(n *yaml.Node, err error, named map[string]*yaml.Node, keys map[string]string) {
	if err == nil {
		return
	}
	goNames := make([]string, 0, len(keys))
	for name := range keys {
		goNames = append(goNames, name)
	}
	slices.Sort(goNames)
	for _, line := range strings.Split(err.Error(), "\n") {
		at, first := n, len(line)
		for name, node := range named {
			if i := wordIndex(line, name); i >= 0 && i < first {
				at, first = node, i
			}
		}
		for _, name := range goNames {
			line = replaceWord(line, name, keys[name])
		}
		r.Failf(at, "%s", line)
	}
}

// wordIndex is the index of word in s where it stands alone, or −1.
func wordIndex(s, word string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(word)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return i
		}
		off = i + 1
	}
}

// replaceWord replaces each whole-word old in s by new.
func replaceWord(s, old, new string) string {
	if old == "" {
		return s
	}
	var b strings.Builder
	for {
		i := wordIndex(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s = s[i+len(old):]
	}
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
