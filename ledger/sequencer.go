package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// sequence is the only writer of the stream from this node. It takes the
// appends waiting at that moment (at most maxBatch), admits them one by one
// in order, publishes them together, each expecting its predecessor's
// sequence, and commits their index entries and Merkle hashes in one
// synced pebble batch: group commit, so concurrent appenders share the
// fsyncs instead of queueing behind them.
func (s *Store) sequence(ctx context.Context) {
	defer close(s.done)
	var retry []*appendReq
	for {
		batch := retry
		retry = nil
		if len(batch) == 0 {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			case <-ctx.Done():
				return
			}
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		retry = s.commit(ctx, batch)
	}
}

// commit handles one group and returns the requests worth another try.
func (s *Store) commit(ctx context.Context, batch []*appendReq) (retry []*appendReq) {
	head := s.head.Load()
	var admitted []*appendReq
	twins := map[string][]*appendReq{} // the same envelope twice in one group
	first := map[string]*appendReq{}
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.done <- appendResult{err: fmt.Errorf("append %s: %w", r.id, r.ctx.Err())}
			continue
		}
		if seq, ok, err := s.idx.lookup(r.id); err != nil || ok {
			r.done <- appendResult{res: Appended{Seq: seq, ID: r.id, Duplicate: ok}, err: err}
			continue
		}
		if f, ok := first[r.id]; ok {
			twins[f.id] = append(twins[f.id], r)
			continue
		}
		next := head + uint64(len(admitted))
		if r.opts.ExpectHead != 0 && r.opts.ExpectHead != next {
			r.done <- appendResult{err: fmt.Errorf("append %s: head is %d, expected %d: %w", r.id, next, r.opts.ExpectHead, ErrHeadMoved)}
			continue
		}
		if err := r.gate.Admit(r.ctx, next, r.envelope); err != nil {
			r.done <- appendResult{err: fmt.Errorf("append %s at seq %d: %w: %w", r.id, next+1, ErrRejected, err)}
			continue
		}
		first[r.id] = r
		admitted = append(admitted, r)
	}
	if len(admitted) == 0 {
		return nil
	}

	futures := make([]jetstream.PubAckFuture, len(admitted))
	var pubErr error
	for i, r := range admitted {
		futures[i], pubErr = s.js.PublishAsync(RecordsSubject, r.envelope,
			jetstream.WithMsgID(r.id), jetstream.WithExpectLastSequence(head+uint64(i)))
		if pubErr != nil {
			futures = futures[:i]
			break
		}
	}
	var committed []Record
	failedAt, failErr := len(futures), pubErr
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if i < failedAt && ack.Sequence == head+uint64(i)+1 && !ack.Duplicate {
				committed = append(committed, Record{Seq: ack.Sequence, ID: admitted[i].id, Envelope: admitted[i].envelope})
				continue
			}
			if i < failedAt {
				failedAt, failErr = i, fmt.Errorf("stream stored seq %d (duplicate %v), expected %d", ack.Sequence, ack.Duplicate, head+uint64(i)+1)
			}
		case err := <-f.Err():
			if i < failedAt {
				failedAt, failErr = i, err
			}
		case <-ctx.Done():
			if i < failedAt {
				failedAt, failErr = i, ctx.Err()
			}
		}
	}
	if err := s.idx.put(committed...); err != nil {
		// The records are in the stream; Open repairs the index from it.
		s.log.Error("index commit failed", "from", head+1, "count", len(committed), "err", err)
		failedAt, failErr = 0, err
		committed = nil
	}
	s.head.Store(head + uint64(len(committed)))
	if len(committed) > 0 {
		select {
		case s.committed <- struct{}{}:
		default:
		}
	}
	for i, r := range admitted {
		var res appendResult
		if i < len(committed) {
			res.res = Appended{Seq: committed[i].Seq, ID: r.id}
		} else {
			res.err = fmt.Errorf("append %s: publish: %w", r.id, failErr)
			if i >= failedAt && r.attempts < 3 && failErr != nil && wrongLastSeq(failErr) {
				r.attempts++
				retry = append(retry, r)
				retry = append(retry, twins[r.id]...)
				continue
			}
		}
		r.done <- res
		for _, t := range twins[r.id] {
			t.done <- appendResult{res: Appended{Seq: res.res.Seq, ID: r.id, Duplicate: res.err == nil}, err: res.err}
		}
	}
	if failErr != nil && wrongLastSeq(failErr) {
		// Someone else wrote to the stream: learn its head before retrying.
		if h, err := s.streamHead(ctx); err == nil && h > s.head.Load() {
			s.log.Warn("ledger stream moved under the sequencer; re-reading", "head", h)
			if err := s.catchUpIndex(ctx, h); err == nil {
				s.head.Store(h)
			}
		}
	}
	return retry
}

func wrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
