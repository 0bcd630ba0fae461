package isolate

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// The texts are the ones the limits had before LimitError: callers and
// logs show them as they are.
func TestLimitErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *LimitError
		is   error
		want string
	}{
		{"LimitCPU", &LimitError{Limit: LimitCPU, Used: int64(50340 * time.Microsecond), Max: int64(50 * time.Millisecond)},
			ErrCPUTime, "isolate: CPU time limit exceeded: used 50.3ms of CPU, limit 50ms"},
		{"LimitWall", &LimitError{Limit: LimitWall, Used: int64(5001700 * time.Microsecond), Max: int64(5 * time.Second)},
			ErrWallTime, "isolate: wall time limit exceeded: ran for 5.002s, limit 5s"},
		{"LimitMemoryGrown", &LimitError{Limit: LimitMemory, Used: 140 << 20, Max: 128 << 20},
			ErrMemory, "isolate: memory limit exceeded: grew the heap by about 140 MiB, limit 128 MiB"},
		{"LimitMemoryRefused", &LimitError{Limit: LimitMemory, Used: 100<<20 + 64<<20, Max: 128 << 20, Refused: 64 << 20},
			ErrMemory, "isolate: memory limit exceeded: allocating 64 MiB at once with about 100 MiB in use, limit 128 MiB"},
		{"LimitResponseBody", &LimitError{Limit: LimitResponseBody, Used: 100, Max: 10},
			ErrResponseTooLarge, "isolate: response body exceeds the limit: 100 bytes, limit 10"},
		{"LimitResponseBodyStreamed", &LimitError{Limit: LimitResponseBody, Used: 12, Max: 10, Refused: 6},
			ErrResponseTooLarge, "isolate: response body exceeds the limit: over 6 bytes streamed, limit 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fmt.Errorf("invoke: %w", tt.err)
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			var lim *LimitError
			if !errors.Is(err, tt.is) || !errors.As(err, &lim) || lim != tt.err {
				t.Errorf("%v: want errors.Is %v and errors.As *LimitError", err, tt.is)
			}
		})
	}
}

// Every limit the isolate enforces comes back as a LimitError with the
// use and the limit in their units.
func TestLimitsComeBackTyped(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		limits schemas.Limits
		limit  Limit
		max    int64
	}{
		{"LimitCPU", `return {default:{fetch(){ for(;;){} }}}`, schemas.Limits{CPUMillis: 20, WallMillis: 5000},
			LimitCPU, int64(20 * time.Millisecond)},
		{"LimitWall", `return {default:{async fetch(){ await new Promise((ok) => setTimeout(ok, 60000)) }}}`,
			schemas.Limits{CPUMillis: 50, WallMillis: 40}, LimitWall, int64(40 * time.Millisecond)},
		{"LimitMemory", `return {default:{fetch(){ return new Response(new ArrayBuffer(64 << 20)) }}}`,
			schemas.Limits{MemoryMB: 32}, LimitMemory, 32 << 20},
		{"LimitResponseBody", `return {default:{fetch(){ return new Response("x".repeat(100)) }}}`,
			schemas.Limits{ResponseBodyBytes: 10}, LimitResponseBody, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := invoke(t, compile(t, tt.src, tt.limits), "GET", "")
			var lim *LimitError
			if !errors.As(err, &lim) {
				t.Fatalf("got %v, want a LimitError", err)
			}
			if lim.Limit != tt.limit || lim.Max != tt.max || lim.Used <= 0 || lim.Used < lim.Max {
				t.Errorf("got %+v, want limit %v with max %d and its use", lim, tt.limit, tt.max)
			}
		})
	}
}
