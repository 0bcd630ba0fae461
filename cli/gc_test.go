package cli

import (
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestGCPercent: vault serve sets the collector's target from its config,
// DefaultGCPercent when unset, and leaves an operator's GOGC alone.
func TestGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	log := slog.New(slog.DiscardHandler)
	current := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }

	t.Setenv("GOGC", "")
	if got := applyGCPercent(0, log); got != DefaultGCPercent || current() != DefaultGCPercent {
		t.Errorf("unset: applyGCPercent = %d, in effect %d; want %d", got, current(), DefaultGCPercent)
	}
	if got := applyGCPercent(350, log); got != 350 || current() != 350 {
		t.Errorf("gc_percent 350: applyGCPercent = %d, in effect %d", got, current())
	}

	debug.SetGCPercent(150) // what the runtime read from GOGC=150 at start
	t.Setenv("GOGC", "150")
	if got := applyGCPercent(350, log); got != 150 || current() != 150 {
		t.Errorf("GOGC=150 set: applyGCPercent = %d, in effect %d; want GOGC's 150", got, current())
	}
}
