package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readRequestTimeout bounds one request of an object read; a request
// that times out is sent again while the read's own context lasts.
const readRequestTimeout = 5 * time.Second

// readObject reads object name from obs, whose chunks stream holds, one
// chunk per request: each chunk is the next message on the object's chunk
// subject, fetched by sequence (a direct get where the stream allows it,
// which any replica answers). nats.go's reader creates a consumer for
// every read instead, and in a cluster of hubs that has just lost one,
// the create request can go unanswered while the hubs elect new leaders;
// the read then waits out its whole deadline and fails. Here a request
// that goes unanswered is sent again.
func readObject(ctx context.Context, obs jetstream.ObjectStore, stream jetstream.Stream, name string) ([]byte, error) {
	r, err := openObject(ctx, obs, stream, name)
	if err != nil {
		return nil, err
	}
	if r.size > maxObjectRead {
		return nil, fmt.Errorf("object %s: bad metadata (size %d)", name, r.size)
	}
	blob := make([]byte, 0, r.size)
	for {
		chunk, err := r.next()
		if err == io.EOF {
			return blob, nil
		}
		if err != nil {
			return nil, err
		}
		blob = append(blob, chunk...)
	}
}

// objectReader reads an object's chunks one request at a time, as
// readObject does, for objects too large to hold in memory (image layers).
type objectReader struct {
	ctx     context.Context
	stream  jetstream.Stream
	name    string
	subject string
	size    uint64
	chunks  uint32
	// read and got are the bytes and chunks read so far; seq is where
	// the next chunk is looked for.
	read uint64
	got  uint32
	seq  uint64
	rest []byte
}

func openObject(ctx context.Context, obs jetstream.ObjectStore, stream jetstream.Stream, name string) (*objectReader, error) {
	var info *jetstream.ObjectInfo
	err := retryRequest(ctx, func(ctx context.Context) (err error) {
		info, err = obs.GetInfo(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if info.Opts != nil && info.Opts.Link != nil {
		return nil, fmt.Errorf("object %s is a link, which artifacts never are", name)
	}
	if info.NUID == "" {
		return nil, fmt.Errorf("object %s: bad metadata (nuid %q, size %d)", name, info.NUID, info.Size)
	}
	return &objectReader{ctx: ctx, stream: stream, name: name, subject: fmt.Sprintf("$O.%s.C.%s", info.Bucket, info.NUID),
		size: info.Size, chunks: info.Chunks, seq: 1}, nil
}

// next returns the next chunk, or io.EOF after the last one.
func (r *objectReader) next() ([]byte, error) {
	if r.got == r.chunks {
		if r.read != r.size {
			return nil, fmt.Errorf("object %s: its %d chunks hold %d of its %d bytes", r.name, r.chunks, r.read, r.size)
		}
		return nil, io.EOF
	}
	var msg *jetstream.RawStreamMsg
	err := retryRequest(r.ctx, func(ctx context.Context) (err error) {
		msg, err = r.stream.GetMsg(ctx, r.seq, jetstream.WithGetMsgSubject(r.subject))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("object %s: chunk %d of %d: %w", r.name, r.got+1, r.chunks, err)
	}
	if r.read+uint64(len(msg.Data)) > r.size {
		return nil, fmt.Errorf("object %s: its chunks hold more than its %d bytes", r.name, r.size)
	}
	r.got++
	r.read += uint64(len(msg.Data))
	r.seq = msg.Sequence + 1
	return msg.Data, nil
}

func (r *objectReader) Read(p []byte) (int, error) {
	for len(r.rest) == 0 {
		chunk, err := r.next()
		if err != nil {
			return 0, err
		}
		r.rest = chunk
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// maxObjectRead bounds the buffer an object's metadata can ask for; the
// node's artifact size limit is checked on the deploy record before.
const maxObjectRead = 1 << 30

// retryRequest runs one request under readRequestTimeout and sends it
// again while it goes unanswered and ctx lasts.
func retryRequest(ctx context.Context, request func(context.Context) error) error {
	for {
		rctx, cancel := context.WithTimeout(ctx, readRequestTimeout)
		err := request(rctx)
		cancel()
		if err == nil || ctx.Err() != nil || !unanswered(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// unanswered: the request got no answer, as while a cluster elects
// leaders; sending it again may get one.
func unanswered(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}
