package ledger

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestWatchTailIndexesWhatAStuckTailMissed runs the tail's watchdog with
// no tail at all, as when the tail's consumer is stuck recreating itself
// on a hub that died: records another writer published reach the index
// anyway, in order, and Committed says so.
func TestWatchTailIndexesWhatAStuckTailMissed(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	stream, err := openStream(ctx, b.js, StreamConfig())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := openIndex(b.db)
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{js: b.js, stream: stream, idx: idx, log: slog.New(slog.NewTextHandler(io.Discard, nil)), committed: make(chan struct{}, 1)}
	for i := range 5 {
		if _, err := b.js.Publish(ctx, RecordsSubject, envelope(i)); err != nil {
			t.Fatal(err)
		}
	}
	wctx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watchTail(wctx)
	}()
	defer func() { stop(); <-watched }()

	wait, cancel := context.WithTimeout(ctx, 4*followStall)
	defer cancel()
	if err := s.WaitIndexed(wait, 5); err != nil {
		t.Fatalf("a stalled tail's records were not indexed: indexed %d of 5: %v", s.Head(), err)
	}
	select {
	case <-s.Committed():
	case <-time.After(time.Second):
		t.Fatal("indexing from the stream did not signal Committed")
	}
	for seq := uint64(1); seq <= 5; seq++ {
		r, err := s.Get(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok, _ := s.idx.lookup(r.ID); !ok || got != seq {
			t.Fatalf("the record at seq %d is indexed at %d (%v)", seq, got, ok)
		}
	}
}
