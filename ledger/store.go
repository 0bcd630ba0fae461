package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// Gate decides whether an envelope may follow the record at head. The
// store calls it under its sequencer lock, so what the gate saw at head is
// still true when the record is published.
type Gate interface {
	Admit(ctx context.Context, head uint64, envelope []byte) error
}

// Appended is the outcome of an append.
type Appended struct {
	Seq uint64 `json:"seq"`
	ID  string `json:"id"`
	// Duplicate is true when the envelope was already in the ledger; Seq
	// is then its original sequence.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Store is a node's handle on the ledger stream and its pebble index.
type Store struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	idx    index
	log    *slog.Logger

	mu   sync.Mutex // the sequencer: one append at a time
	head uint64
}

// StreamConfig is the LEDGER stream's configuration.
func StreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Vault ledger: signed envelopes, append-only",
		Subjects:    []string{RecordsSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxMsgSize:  events.MaxEnvelopeSize,
		Duplicates:  2 * time.Minute,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}
}

// Open creates the LEDGER stream when missing and brings the ID index up
// to the stream's head (a crash between publish and index is repaired here).
func Open(ctx context.Context, js jetstream.JetStream, db *pebble.DB, log *slog.Logger) (*Store, error) {
	stream, err := js.CreateStream(ctx, StreamConfig())
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		stream, err = js.Stream(ctx, StreamName)
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger stream: %w", err)
	}
	s := &Store{js: js, stream: stream, idx: index{db}, log: log}
	if s.head, err = s.streamHead(ctx); err != nil {
		return nil, err
	}
	if err := s.catchUpIndex(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) streamHead(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("ledger head: %w", err)
	}
	return info.State.LastSeq, nil
}

func (s *Store) catchUpIndex(ctx context.Context) error {
	from, err := s.idx.indexed()
	if err != nil {
		return err
	}
	var batch []Record
	for seq := from + 1; seq <= s.head; seq++ {
		r, err := s.Get(ctx, seq)
		if err != nil {
			return fmt.Errorf("catch up index: %w", err)
		}
		batch = append(batch, Record{Seq: r.Seq, ID: r.ID})
		if len(batch) == 1024 || seq == s.head {
			if err := s.idx.put(batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if s.head > from {
		s.log.Info("ledger index caught up", "from", from+1, "to", s.head)
	}
	return nil
}

// Head is the sequence of the last appended record (0 for an empty ledger).
func (s *Store) Head() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// AppendOptions are optional conditions on an append.
type AppendOptions struct {
	// ExpectHead, when non-zero, makes the append fail with ErrHeadMoved
	// unless the ledger's head is exactly this sequence.
	ExpectHead uint64
}

// Append adds an envelope to the ledger after gate admits it. Appending
// an envelope that is already stored returns its first sequence.
func (s *Store) Append(ctx context.Context, envelope []byte, gate Gate, opts AppendOptions) (Appended, error) {
	id := events.ID(envelope)
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq, ok, err := s.idx.lookup(id); err != nil || ok {
		return Appended{Seq: seq, ID: id, Duplicate: ok}, err
	}
	for attempt := 0; ; attempt++ {
		if opts.ExpectHead != 0 && opts.ExpectHead != s.head {
			return Appended{}, fmt.Errorf("append %s: head is %d, expected %d: %w", id, s.head, opts.ExpectHead, ErrHeadMoved)
		}
		if err := gate.Admit(ctx, s.head, envelope); err != nil {
			return Appended{}, fmt.Errorf("append %s at seq %d: %w: %w", id, s.head+1, ErrRejected, err)
		}
		ack, err := s.js.Publish(ctx, RecordsSubject, envelope,
			jetstream.WithMsgID(id), jetstream.WithExpectLastSequence(s.head))
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence && attempt < 3 {
			// Another writer moved the stream: re-read the head and judge again.
			if s.head, err = s.streamHead(ctx); err != nil {
				return Appended{}, err
			}
			continue
		}
		if err != nil {
			return Appended{}, fmt.Errorf("append %s: publish: %w", id, err)
		}
		if err := s.idx.put(Record{Seq: ack.Sequence, ID: id}); err != nil {
			return Appended{}, err
		}
		if ack.Sequence > s.head {
			s.head = ack.Sequence
		}
		return Appended{Seq: ack.Sequence, ID: id, Duplicate: ack.Duplicate}, nil
	}
}

// Get reads one record.
func (s *Store) Get(ctx context.Context, seq uint64) (Record, error) {
	msg, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Record{}, fmt.Errorf("get seq %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("get seq %d: %w", seq, err)
	}
	return Record{Seq: msg.Sequence, ID: events.ID(msg.Data), Envelope: msg.Data, Time: msg.Time}, nil
}

// Follow delivers every record from sequence from on, in order, to out
// until ctx ends. It blocks only when out is full.
func (s *Store) Follow(ctx context.Context, from uint64, out chan<- Record) error {
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   max(from, 1),
	})
	if err != nil {
		return fmt.Errorf("follow ledger from %d: %w", from, err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		meta, err := msg.Metadata()
		if err != nil {
			s.log.Error("ledger record without metadata", "err", err)
			return
		}
		rec := Record{Seq: meta.Sequence.Stream, ID: events.ID(msg.Data()), Envelope: msg.Data(), Time: meta.Timestamp}
		select {
		case out <- rec:
		case <-ctx.Done():
		}
	})
	if err != nil {
		return fmt.Errorf("follow ledger from %d: %w", from, err)
	}
	<-ctx.Done()
	cc.Stop()
	return nil
}
