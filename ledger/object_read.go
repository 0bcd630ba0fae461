package ledger

import (
	"context"
	"errors"
	"fmt"
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
	if info.NUID == "" || info.Size > maxObjectRead {
		return nil, fmt.Errorf("object %s: bad metadata (nuid %q, size %d)", name, info.NUID, info.Size)
	}
	subject := fmt.Sprintf("$O.%s.C.%s", info.Bucket, info.NUID)
	blob := make([]byte, 0, info.Size)
	seq := uint64(1)
	for chunks := uint32(0); chunks < info.Chunks; chunks++ {
		var msg *jetstream.RawStreamMsg
		err := retryRequest(ctx, func(ctx context.Context) (err error) {
			msg, err = stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("object %s: chunk %d of %d: %w", name, chunks+1, info.Chunks, err)
		}
		if uint64(len(blob))+uint64(len(msg.Data)) > info.Size {
			return nil, fmt.Errorf("object %s: its chunks hold more than its %d bytes", name, info.Size)
		}
		blob = append(blob, msg.Data...)
		seq = msg.Sequence + 1
	}
	if uint64(len(blob)) != info.Size {
		return nil, fmt.Errorf("object %s: its %d chunks hold %d of its %d bytes", name, info.Chunks, len(blob), info.Size)
	}
	return blob, nil
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
