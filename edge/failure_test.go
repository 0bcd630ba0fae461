package edge

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/edge/sched"
)

// Each kind of invocation failure, however wrapped, gets its status and
// a body that names the limit and the use.
func TestFailureStatus(t *testing.T) {
	ms := func(d time.Duration) int64 { return int64(d) }
	invoke := func(err error) error { return fmt.Errorf("invoke: %w", err) }
	tests := []struct {
		name   string
		err    error
		cause  error
		status int
		body   string
	}{
		{"LimitCPU", invoke(&isolate.LimitError{Limit: isolate.LimitCPU, Used: ms(61 * time.Millisecond), Max: ms(50 * time.Millisecond)}), nil,
			503, "the function exceeded a limit: CPU time limit exceeded: used 61ms of CPU, limit 50ms"},
		{"LimitWall", invoke(&isolate.LimitError{Limit: isolate.LimitWall, Used: ms(5 * time.Second), Max: ms(5 * time.Second)}), nil,
			503, "the function exceeded a limit: wall time limit exceeded: ran for 5s, limit 5s"},
		{"LimitMemory", invoke(&isolate.LimitError{Limit: isolate.LimitMemory, Used: 130 << 20, Max: 128 << 20}), nil,
			503, "the function exceeded a limit: memory limit exceeded: grew the heap by about 130 MiB, limit 128 MiB"},
		{"LimitMemoryRefused", invoke(&isolate.LimitError{Limit: isolate.LimitMemory, Used: 192 << 20, Max: 128 << 20, Refused: 64 << 20}), nil,
			503, "the function exceeded a limit: memory limit exceeded: allocating 64 MiB at once with about 128 MiB in use, limit 128 MiB"},
		{"LimitResponseBody", invoke(&isolate.LimitError{Limit: isolate.LimitResponseBody, Used: 100, Max: 10}), nil,
			500, "the function's response exceeded a limit: response body exceeds the limit: 100 bytes, limit 10"},
		{"ErrHeavyLaneFull", fmt.Errorf("%w: 64 invocations already wait", sched.ErrHeavyLaneFull), nil,
			503, "the function used a lot of CPU recently and the node's share for such functions is taken; retry later"},
		{"ErrKilled", fmt.Errorf("%w: %w", isolate.ErrCanceled, ErrKilled), ErrKilled,
			503, "the invocation was killed by an operator"},
		{"ErrCanceled", fmt.Errorf("%w: %w", isolate.ErrCanceled, context.Canceled), context.Canceled,
			499, "the request was canceled"},
		{"ErrCanceledWaitingForTheHeavyLane", fmt.Errorf("%w: %w", sched.ErrCanceled, context.Canceled), context.Canceled,
			499, "the request was canceled"},
		{"ErrKilledWaitingForTheHeavyLane", fmt.Errorf("%w: %w", sched.ErrCanceled, ErrKilled), ErrKilled,
			503, "the invocation was killed by an operator"},
		{"ErrClosed", sched.ErrClosed, nil,
			503, "the node is shutting down; retry later"},
		{"ErrThrew", fmt.Errorf("%w: Error: boom", isolate.ErrThrew), nil,
			500, "the function failed"},
	}
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.failure("fn", 1, "r1", tt.err, tt.cause)
			if want := tt.body + " (request id r1)\n"; resp.Status != tt.status || string(resp.Body) != want {
				t.Errorf("got %d %q, want %d %q", resp.Status, resp.Body, tt.status, want)
			}
			if retry := resp.Header.Get("Retry-After"); (tt.status == http.StatusServiceUnavailable) != (retry == "1") {
				t.Errorf("status %d with Retry-After %q", resp.Status, retry)
			}
		})
	}
}
