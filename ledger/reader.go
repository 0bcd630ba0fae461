package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// ReadRecords calls fn for every record from seq from up to the head the
// stream has when the call starts (or to, if non-zero and lower), in
// order. It reads over any JetStream connection; no node API is involved.
func ReadRecords(ctx context.Context, js jetstream.JetStream, from, to uint64, fn func(Record) error) error {
	last, err := lastSeq(ctx, js, StreamName)
	if err != nil {
		return err
	}
	if to == 0 || to > last {
		to = last
	}
	from = max(from, 1)
	if from > to {
		return nil
	}
	return readStream(ctx, js, StreamName, from, to, func(seq uint64, data []byte, at time.Time) error {
		return fn(Record{Seq: seq, ID: events.ID(data), Envelope: data, Time: at})
	})
}

// ReadCheckpoints returns every signed checkpoint note, oldest first.
func ReadCheckpoints(ctx context.Context, js jetstream.JetStream) ([][]byte, error) {
	last, err := lastSeq(ctx, js, CheckpointStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) || last == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var notes [][]byte
	err = readStream(ctx, js, CheckpointStream, 1, last, func(_ uint64, data []byte, _ time.Time) error {
		notes = append(notes, data)
		return nil
	})
	return notes, err
}

func lastSeq(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("open stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s info: %w", stream, err)
	}
	return info.State.LastSeq, nil
}

// readStream reads messages from..to of a stream with an ordered consumer
// and reports a sequence the stream no longer has as a gap.
func readStream(ctx context.Context, js jetstream.JetStream, stream string, from, to uint64, fn func(uint64, []byte, time.Time) error) error {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return fmt.Errorf("read %s from %d: %w", stream, from, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return fmt.Errorf("read %s from %d: %w", stream, from, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for next := from; next <= to; {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read %s at seq %d: %w", stream, next, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("read %s at seq %d: %w", stream, next, err)
		}
		seq := meta.Sequence.Stream
		if seq > to {
			return nil
		}
		if err := fn(seq, msg.Data(), meta.Timestamp); err != nil {
			return err
		}
		next = seq + 1
		if meta.NumPending == 0 {
			// Nothing more is stored, even if the stream's info claimed
			// sequences up to `to` (a damaged store drops unreadable ones).
			return nil
		}
	}
	return nil
}
