package isolate

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrOverloaded means a heavy function's invocation found its lane full.
var ErrOverloaded = errors.New("isolate: the node's lane for CPU-heavy functions is full")

// A Lane keeps CPU-heavy functions from crowding out the rest of a node.
// A version becomes heavy when one of its invocations is seen using more
// than heavyCPU of CPU (the watchdog notices; quick invocations never pay
// for the check), and stays so for heavyFor. Invocations of heavy versions
// take one of the lane's slots; after each, the slot rests for as long as
// the invocation ran, so heavy work gets at most half of each slot's core.
// A loop that burns its whole CPU limit on every request then costs the
// node a bounded share, and everything else keeps its latency.
type Lane struct {
	slots      chan struct{}
	waiting    atomic.Int32
	maxWaiting int32
}

// Heavy versions: the CPU one invocation must use to mark its version, and
// how long the mark lasts. 10 ms is far above a typical handler (a 4 KB
// JSON transform takes ~0.3-2 ms in goja here) and far below a default CPU
// limit that a loop runs into (50 ms).
const (
	heavyCPU = 10 * time.Millisecond
	heavyFor = 30 * time.Second
)

// NewLane has slots slots (at least 1) and lets at most maxWaiting
// invocations queue for them.
func NewLane(slots, maxWaiting int) *Lane {
	l := &Lane{slots: make(chan struct{}, max(slots, 1)), maxWaiting: int32(maxWaiting)}
	for range cap(l.slots) {
		l.slots <- struct{}{}
	}
	return l
}

func (l *Lane) acquire(ctx context.Context) error {
	select {
	case <-l.slots:
		return nil
	default:
	}
	if l.waiting.Add(1) > l.maxWaiting {
		l.waiting.Add(-1)
		return fmt.Errorf("%w: %d invocations already wait", ErrOverloaded, l.maxWaiting)
	}
	defer l.waiting.Add(-1)
	select {
	case <-l.slots:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrCanceled, context.Cause(ctx))
	}
}

// release gives the slot back after it rested for ran.
func (l *Lane) release(ran time.Duration) {
	time.AfterFunc(ran, func() { l.slots <- struct{}{} })
}

// heavy reports whether the version is marked heavy now.
func (p *Program) heavy(now time.Time) bool {
	return p.heavyUntil.Load() > now.UnixNano()
}

func (p *Program) markHeavy() {
	p.heavyUntil.Store(time.Now().Add(heavyFor).UnixNano())
}
