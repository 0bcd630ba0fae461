package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/fnlog"
	"github.com/vault-runtime/vault/edge/isolate"
)

func TestPrintLogEntry(t *testing.T) {
	at := time.Date(2026, 5, 4, 3, 2, 1, 987654321, time.UTC)
	for _, tc := range []struct {
		name  string
		entry isolate.LogEntry
		node  string
		want  string
	}{
		{"Console", isolate.LogEntry{Level: "info", Source: isolate.SourceConsole, Version: 3, RequestID: "abc", Message: "hello"},
			"5713b7b5cdba122c", " info  [5713b7b5] request=abc v3: hello\n"},
		{"Runtime", isolate.LogEntry{Level: "error", Source: isolate.SourceRuntime, Version: 1, RequestID: "r", Message: "isolate: function threw: Error: boom\n\tat fetch (f.js:1:1)\n"},
			"n1", " error [n1] request=r v1 runtime: isolate: function threw: Error: boom\n    \tat fetch (f.js:1:1)\n"},
		{"ControlCharacters", isolate.LogEntry{Level: "warn", Source: isolate.SourceConsole, Version: 2, RequestID: "r", Message: "\x1b[31mred\x07\u0085"},
			"n1", " warn  [n1] request=r v2: \\x1b[31mred\\x07\\x85\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.entry.Time = at
			var b bytes.Buffer
			printLogEntry(&b, fnlog.Entry{LogEntry: tc.entry, Node: tc.node})
			if want := at.Local().Format(logTime) + tc.want; b.String() != want {
				t.Errorf("printed %q\nwant    %q", b.String(), want)
			}
		})
	}
}
