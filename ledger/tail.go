package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// tailBatch caps how many records the tail indexes in one pebble batch.
const tailBatch = 1024

// A consumer that misses two heartbeats is recreated. In a cluster of
// hubs it may live on a hub that just died: with the defaults (30 s
// pulls) a node would apply nothing for tens of seconds.
const (
	followExpiry    = 2 * time.Second
	followHeartbeat = 500 * time.Millisecond
)

// tail indexes records that reach the stream without passing through this
// node's sequencer: on an edge, everything its mirror receives from the
// hub; on a hub of a cluster or on a shared NATS, other nodes' appends. On
// a lone hub it finds its own records already indexed and skips them.
// Follow delivers a record only once it is indexed, so the projector sees
// the ID index and Merkle tree covering every record it applies.
func (s *Store) tail(ctx context.Context) {
	defer close(s.tailDone)
	watched := make(chan struct{})
	defer func() { <-watched }()
	go func() {
		defer close(watched)
		s.watchTail(ctx)
	}()
	for ctx.Err() == nil {
		err := s.tailFrom(ctx, s.idx.size.Load()+1)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("ledger tail interrupted; resuming", "indexed", s.idx.size.Load(), "err", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

func (s *Store) tailFrom(ctx context.Context, from uint64) error {
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return fmt.Errorf("tail ledger from %d: %w", from, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(tailBatch), jetstream.PullExpiry(followExpiry), jetstream.PullHeartbeat(followHeartbeat))
	if err != nil {
		return fmt.Errorf("tail ledger from %d: %w", from, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	batch := make([]Record, 0, tailBatch)
	for {
		msg, err := it.Next()
		if err != nil {
			return fmt.Errorf("tail ledger: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("tail ledger: record without metadata: %w", err)
		}
		batch = append(batch, Record{Seq: meta.Sequence.Stream, ID: events.ID(msg.Data()), Envelope: msg.Data(), Time: meta.Timestamp})
		if meta.NumPending > 0 && len(batch) < tailBatch {
			continue
		}
		if err := s.indexTail(batch); err != nil {
			return err
		}
		batch = batch[:0]
	}
}

// watchTail indexes, straight from the stream, records the tail has not
// indexed for followStall although the stream holds them. In a cluster of
// hubs the tail's consumer may live on a hub that died; nats.go then
// recreates it, and a create request the cluster loses during the
// election is only given up after 10 s, with retries backing off up to
// 10 s apart: the node would apply nothing for half a minute. The tail
// goes on when its consumer is back and skips what is indexed by then.
func (s *Store) watchTail(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last, since := s.idx.size.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := s.idx.size.Load(); n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) < followStall {
			continue
		}
		since = time.Now()
		s.catchUpStalledTail(ctx, last)
	}
}

// catchUpStalledTail indexes the stream's records past indexed, if any.
func (s *Store) catchUpStalledTail(ctx context.Context, indexed uint64) {
	ctx, cancel := context.WithTimeout(ctx, followStall)
	defer cancel()
	head, err := s.streamHead(ctx)
	if err != nil || head <= indexed {
		return // a stream that does not answer is the tail's to wait for
	}
	s.log.Warn("ledger tail stalled; indexing from the stream", "indexed", indexed, "head", head)
	if err := s.catchUpIndex(ctx, head); err != nil {
		s.log.Warn("index from the stream", "err", err)
		return
	}
	s.signalCommitted()
}

// indexTail indexes a run of records read from the stream in order.
func (s *Store) indexTail(batch []Record) error {
	before := s.idx.size.Load()
	if err := s.idx.put(batch...); err != nil {
		// A gap: the stream skipped a sequence, which a mirror or a
		// shared stream must never do.
		s.markDamaged(fmt.Errorf("index records %d..%d from the stream: %w", batch[0].Seq, batch[len(batch)-1].Seq, err))
		return err
	}
	if s.idx.size.Load() > before {
		s.signalCommitted()
	}
	return nil
}

// signalCommitted tells Committed's reader that the index grew, unless a
// signal is already waiting.
func (s *Store) signalCommitted() {
	select {
	case s.committed <- struct{}{}:
	default:
	}
}
