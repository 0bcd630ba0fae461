package cli

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the Go garbage collector's target a node runs with
// unless told otherwise: the heap may grow to three times what is live
// between two collections, where Go's default (100) lets it double.
// JavaScript invocations allocate quickly and keep little (a warm hello
// world leaves nothing behind), so the collector's cost is mostly marking
// the node's long-lived heap (isolates, NATS, pebble) once per cycle:
// halving the cycles cut the CPU time per request by about a fifth in make
// bench-peers (hello with new URL(): 35.5 → 26.6 µs, the 4 KB JSON
// transform: 584 → 472 µs) for ~25 MB more resident memory (VmHWM after
// 300,000 requests: 96 MB at 100, 120 MB at 200, 184 MB at 400).
const DefaultGCPercent = 200

// applyGCPercent sets the process's garbage collector target to
// configured (0: DefaultGCPercent), unless GOGC is set in the environment:
// the operator's GOGC wins over the node's default and config alike. It
// returns the target in effect.
func applyGCPercent(configured int, log *slog.Logger) int {
	if env := os.Getenv("GOGC"); env != "" {
		current := debug.SetGCPercent(-1)
		debug.SetGCPercent(current)
		log.Info("GOGC is set: the garbage collector's target follows it, not gc_percent", "GOGC", env)
		return current
	}
	target := configured
	if target == 0 {
		target = DefaultGCPercent
	}
	debug.SetGCPercent(target)
	return target
}
