package cli

import (
	"encoding/json"
	"io"
	"strings"
)

// printJSON writes v as indented JSON, for --json output.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// joinOrDash is names joined with ", ", or "-" for none.
func joinOrDash(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}

// firstOr is the first of names, or def for none.
func firstOr(names []string, def string) string {
	if len(names) == 0 {
		return def
	}
	return names[0]
}
