package devloop

import (
	"fmt"
	"io"
	"sync"
)

// printer serialises the lines of the goroutines that print (the loop,
// the front, the console follower, the node's logger).
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// Write lets the node's slog handler print through p.
func (p *printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Write(b)
}
