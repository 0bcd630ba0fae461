package devloop

import (
	"context"
	"log/slog"
)

// nodeLog is the dev node's logger: its warnings and errors, but none
// about one function's invocations (a record with an "fn" key), which
// the console follower prints already, from the function's own log.
func nodeLog(out *printer) *slog.Logger {
	return slog.New(&skipFunctions{Handler: slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn})})
}

type skipFunctions struct {
	slog.Handler
	// bound is set when a With call gave the logger an "fn" key.
	bound bool
}

func (h *skipFunctions) Handle(ctx context.Context, r slog.Record) error {
	if h.bound {
		return nil
	}
	aboutFunction := false
	r.Attrs(func(a slog.Attr) bool {
		aboutFunction = a.Key == "fn"
		return !aboutFunction
	})
	if aboutFunction {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h *skipFunctions) WithAttrs(attrs []slog.Attr) slog.Handler {
	bound := h.bound
	for _, a := range attrs {
		bound = bound || a.Key == "fn"
	}
	return &skipFunctions{Handler: h.Handler.WithAttrs(attrs), bound: bound}
}

func (h *skipFunctions) WithGroup(name string) slog.Handler {
	return &skipFunctions{Handler: h.Handler.WithGroup(name), bound: h.bound}
}
