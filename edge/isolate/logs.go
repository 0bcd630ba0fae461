package isolate

import (
	"context"
	"log/slog"
	"time"
	"unicode/utf8"
)

// maxLogLine caps one log message, in bytes.
const maxLogLine = 16 << 10

// LogEntry is one line a function wrote with console.*, or a runtime
// error of one of its invocations.
type LogEntry struct {
	Function  string    `json:"fn"`
	Version   int       `json:"version"`
	RequestID string    `json:"request"`
	Level     string    `json:"level"` // debug, info, warn or error
	Source    string    `json:"source"`
	Time      time.Time `json:"time"`
	Message   string    `json:"msg"`
}

// Log sources.
const (
	SourceConsole = "console"
	SourceRuntime = "runtime"
)

// LogSink receives every entry of every invocation. Log is called on the
// invocation's goroutine and must not block.
type LogSink interface {
	Log(LogEntry)
}

// capMessage cuts msg to maxLogLine bytes on a rune boundary.
func capMessage(msg string) string {
	if len(msg) <= maxLogLine {
		return msg
	}
	cut := maxLogLine
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…(truncated)"
}

func slogLevel(level string) slog.Level {
	switch level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// emit writes an entry to the node's log and to the sink.
func (p *Program) emit(reqID, level, source, msg string) {
	msg = capMessage(msg)
	p.log.Log(context.Background(), slogLevel(level), msg, "source", source, "request", reqID)
	if p.cfg.Logs != nil {
		p.cfg.Logs.Log(LogEntry{Function: p.cfg.Function, Version: p.cfg.Version, RequestID: reqID,
			Level: level, Source: source, Time: time.Now(), Message: msg})
	}
}
