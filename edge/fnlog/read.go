package fnlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/edge/isolate"
)

// ErrNoStream means the node keeps no function logs (it predates them).
var ErrNoStream = errors.New("fnlog: the node has no " + StreamName + " stream")

// SourceInvalid marks an entry Read could not decode; its message says why.
const SourceInvalid = "invalid"

// ReadOptions say where Read starts and whether it stops.
type ReadOptions struct {
	// Since is the time of the oldest entry to read; zero reads all the
	// stream keeps.
	Since time.Time
	// Follow keeps reading new entries until ctx ends. Otherwise Read
	// returns once it has read the entries stored when it started.
	Follow bool
}

// Read calls fn with each entry of function, in the order the stream
// stored them, until fn returns an error, the backlog is read (without
// Follow) or ctx ends (with Follow; Read then returns ctx.Err()).
//
// It reads through an ordered consumer: ephemeral, in memory, without
// acknowledgements, and recreated from the last entry read if messages go
// missing, so a reader needs only permission to create, pull and delete
// consumers.
func Read(ctx context.Context, js jetstream.JetStream, function string, opts ReadOptions, fn func(Entry) error) error {
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{Subject(function)},
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: 30 * time.Second, // a reader that died leaves nothing behind for long
		MaxResetAttempts:  5,
	}
	if !opts.Since.IsZero() {
		since := opts.Since
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := js.OrderedConsumer(ctx, StreamName, cfg)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return ErrNoStream
	}
	if err != nil {
		return fmt.Errorf("read logs of %s: %w", function, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if info := cons.CachedInfo(); info != nil {
			js.DeleteConsumer(dctx, StreamName, info.Name)
		}
	}()
	// The consumer counts, as it is created, the entries it will deliver
	// from its start: that is the backlog.
	backlog := cons.CachedInfo().NumPending
	if !opts.Follow && backlog == 0 {
		return nil
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("read logs of %s: %w", function, err)
	}
	defer it.Stop()
	for read := uint64(0); ; {
		msg, err := next(ctx, it, opts.Follow)
		if errors.Is(err, errStalled) {
			// Without Follow, wait only for entries that still exist: the
			// backlog may have aged out of the stream while we read it.
			if info, ierr := cons.Info(ctx); ierr == nil && info.NumPending == 0 {
				return nil
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read logs of %s: %w", function, err)
		}
		read++
		if err := fn(decode(msg)); err != nil {
			return err
		}
		if !opts.Follow {
			if meta, err := msg.Metadata(); read >= backlog || (err == nil && meta.NumPending == 0) {
				return nil
			}
		}
	}
}

// errStalled: no entry came for stallTimeout while reading a backlog.
var errStalled = errors.New("fnlog: no entry for a while")

const stallTimeout = 3 * time.Second

// next waits for the next message until ctx ends, or without follow at
// most stallTimeout.
func next(ctx context.Context, it jetstream.MessagesContext, follow bool) (jetstream.Msg, error) {
	if follow {
		return it.Next(jetstream.NextContext(ctx))
	}
	wait, cancel := context.WithTimeout(ctx, stallTimeout)
	defer cancel()
	msg, err := it.Next(jetstream.NextContext(wait))
	if err != nil && ctx.Err() == nil && wait.Err() != nil {
		return nil, errStalled
	}
	return msg, err
}

// decode parses a stored entry; one that does not parse comes back as an
// entry of source SourceInvalid that says so.
func decode(msg jetstream.Msg) Entry {
	var e Entry
	err := json.Unmarshal(msg.Data(), &e)
	if err == nil {
		return e
	}
	e = Entry{LogEntry: isolate.LogEntry{Level: "error", Source: SourceInvalid,
		Message: fmt.Sprintf("undecodable entry on %s: %v", msg.Subject(), err)}}
	if meta, merr := msg.Metadata(); merr == nil {
		e.Time = meta.Timestamp
	}
	return e
}
