package fnlog

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/edge/isolate"
)

// Publisher is what a Sink publishes with: core NATS, fire and forget.
type Publisher interface {
	Publish(subject string, data []byte) error
	FlushTimeout(timeout time.Duration) error
}

var (
	_ Publisher       = (*nats.Conn)(nil)
	_ isolate.LogSink = (*Sink)(nil)
)

// Config of a Sink; zero fields take the defaults.
type Config struct {
	// Node is the node's ID, added to every entry.
	Node string
	// Buffer is how many entries may wait for the publisher; beyond it
	// new entries are dropped. Default 1024: with messages capped at
	// 16 KiB, at most 16 MiB.
	Buffer int
	// WarnEvery spaces the warnings about lost entries. Default 10 s.
	WarnEvery time.Duration
	// Logger receives those warnings. Default: discarded.
	Logger *slog.Logger
}

// Sink publishes log entries from one goroutine, so that Log costs an
// invocation a channel send and nothing else: when the publisher falls
// behind and the buffer is full, the entry is dropped and counted.
type Sink struct {
	pub     Publisher
	cfg     Config
	entries chan isolate.LogEntry
	closed  atomic.Bool
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when run returns
	dropped atomic.Uint64 // not buffered: the buffer was full or the sink closed
	failed  atomic.Uint64 // Publish returned an error
}

// NewSink starts a sink publishing with pub; Close stops it.
func NewSink(pub Publisher, cfg Config) *Sink {
	if cfg.Buffer <= 0 {
		cfg.Buffer = 1024
	}
	if cfg.WarnEvery <= 0 {
		cfg.WarnEvery = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sink{pub: pub, cfg: cfg, entries: make(chan isolate.LogEntry, cfg.Buffer),
		stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// Log queues e for publishing, or drops it if the buffer is full. It never
// blocks.
func (s *Sink) Log(e isolate.LogEntry) {
	if s.closed.Load() {
		s.dropped.Add(1)
		return
	}
	select {
	case s.entries <- e:
	default:
		s.dropped.Add(1)
	}
}

// Lost is how many entries were dropped (buffer full, sink closed) and
// how many could not be published.
func (s *Sink) Lost() (dropped, failed uint64) {
	return s.dropped.Load(), s.failed.Load()
}

// Close publishes what is buffered and flushes the publisher, within ctx.
// Entries logged from now on are dropped.
func (s *Sink) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.stop)
	select {
	case <-s.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	timeout := 5 * time.Second
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	return s.pub.FlushTimeout(timeout)
}

func (s *Sink) run() {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.WarnEvery)
	defer tick.Stop()
	var w warner
	for {
		select {
		case e := <-s.entries:
			w.err(s.publish(e))
		case <-tick.C:
			w.report(s)
		case <-s.stop:
			for {
				select {
				case e := <-s.entries:
					w.err(s.publish(e))
				default:
					w.report(s)
					return
				}
			}
		}
	}
}

func (s *Sink) publish(e isolate.LogEntry) error {
	data, err := json.Marshal(Entry{LogEntry: e, Node: s.cfg.Node})
	if err == nil {
		err = s.pub.Publish(Subject(e.Function), data)
	}
	if err != nil {
		s.failed.Add(1)
	}
	return err
}

// warner reports lost entries at most once per tick, with the counts
// since its last report.
type warner struct {
	dropped, failed uint64
	last            error
}

func (w *warner) err(err error) {
	if err != nil {
		w.last = err
	}
}

func (w *warner) report(s *Sink) {
	dropped, failed := s.Lost()
	if dropped == w.dropped && failed == w.failed {
		return
	}
	args := []any{"dropped", dropped - w.dropped, "unpublished", failed - w.failed, "total", dropped + failed}
	if w.last != nil {
		args = append(args, "err", w.last)
	}
	s.cfg.Logger.Warn("function log entries lost", args...)
	w.dropped, w.failed, w.last = dropped, failed, nil
}
