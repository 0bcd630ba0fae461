package isolate

import (
	"errors"
	"fmt"
	"time"
)

// A Limit names one of the limits an invocation runs under (schemas.Limits)
// that the isolate enforces. The request body's is the HTTP engine's; the
// subrequests' are egress's, and a fetch over them throws in the function.
type Limit uint8

// The limits, with the units of LimitError's Used and Max for each.
const (
	// LimitCPU is the invocation's CPU time (cpu_ms): nanoseconds, as a
	// time.Duration.
	LimitCPU Limit = iota + 1
	// LimitWall is the invocation's wall time (wall_ms): nanoseconds, as a
	// time.Duration.
	LimitWall
	// LimitMemory is what the invocation may add to the heap (memory_mb):
	// bytes, Used an estimate.
	LimitMemory
	// LimitResponseBody is the size of the response body
	// (response_body_bytes): bytes.
	LimitResponseBody
)

// The limits' sentinels: a LimitError unwraps to its limit's, so
// errors.Is(err, ErrCPUTime) holds for every CPU limit error.
var (
	ErrCPUTime          = errors.New("isolate: " + LimitCPU.exceeded())
	ErrWallTime         = errors.New("isolate: " + LimitWall.exceeded())
	ErrMemory           = errors.New("isolate: " + LimitMemory.exceeded())
	ErrResponseTooLarge = errors.New("isolate: " + LimitResponseBody.exceeded())
)

// String is the limit's name for logs: "cpu", "wall", "memory",
// "response body".
func (l Limit) String() string {
	switch l {
	case LimitCPU:
		return "cpu"
	case LimitWall:
		return "wall"
	case LimitMemory:
		return "memory"
	case LimitResponseBody:
		return "response body"
	}
	return fmt.Sprintf("Limit(%d)", uint8(l))
}

// exceeded says that the limit was crossed, as the messages put it.
func (l Limit) exceeded() string {
	switch l {
	case LimitCPU:
		return "CPU time limit exceeded"
	case LimitWall:
		return "wall time limit exceeded"
	case LimitMemory:
		return "memory limit exceeded"
	case LimitResponseBody:
		return "response body exceeds the limit"
	}
	return l.String() + " limit exceeded"
}

func (l Limit) sentinel() error {
	switch l {
	case LimitCPU:
		return ErrCPUTime
	case LimitWall:
		return ErrWallTime
	case LimitMemory:
		return ErrMemory
	case LimitResponseBody:
		return ErrResponseTooLarge
	}
	return nil
}

// A LimitError is an invocation stopped by one of its limits: the
// watchdog's interrupts (CPU, wall, memory), a refused allocation, a
// response body over its size. Callers branch on it with errors.As (the
// edge maps it to an HTTP status) or on its limit's sentinel with
// errors.Is.
type LimitError struct {
	Limit Limit
	// Used is how much the invocation had used when it was stopped, or
	// would have used with the step it was refused (Refused); Max is the
	// limit. Units by Limit: nanoseconds or bytes.
	Used, Max int64
	// Refused is, when the limit refused one step before it was taken (an
	// allocation, a chunk of a streamed body), what that step asked for;
	// Used includes it. Zero when the use was measured as it happened.
	Refused int64
}

// Error is the sentinel's text and the use, e.g. "isolate: CPU time limit
// exceeded: used 50.3ms of CPU, limit 50ms".
func (e *LimitError) Error() string { return "isolate: " + e.Reason() }

// Reason is the error's text without the package's prefix, as a caller
// shows it: "CPU time limit exceeded: used 50.3ms of CPU, limit 50ms".
func (e *LimitError) Reason() string {
	return e.Limit.exceeded() + ": " + e.use()
}

func (e *LimitError) use() string {
	switch e.Limit {
	case LimitCPU:
		return fmt.Sprintf("used %s of CPU, limit %s", time.Duration(e.Used).Round(time.Millisecond/10), time.Duration(e.Max))
	case LimitWall:
		return fmt.Sprintf("ran for %s, limit %s", time.Duration(e.Used).Round(time.Millisecond), time.Duration(e.Max))
	case LimitMemory:
		if e.Refused > 0 {
			return fmt.Sprintf("allocating %d MiB at once with about %d MiB in use, limit %d MiB", e.Refused>>20, (e.Used-e.Refused)>>20, e.Max>>20)
		}
		return fmt.Sprintf("grew the heap by about %d MiB, limit %d MiB", e.Used>>20, e.Max>>20)
	case LimitResponseBody:
		if e.Refused > 0 {
			return fmt.Sprintf("over %d bytes streamed, limit %d", e.Used-e.Refused, e.Max)
		}
		return fmt.Sprintf("%d bytes, limit %d", e.Used, e.Max)
	}
	return fmt.Sprintf("used %d, limit %d", e.Used, e.Max)
}

func (e *LimitError) Unwrap() error { return e.Limit.sentinel() }
