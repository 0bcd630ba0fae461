package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// waitMetaLeader waits until the hubs' JetStream cluster has a meta leader
// this server follows (or is): until then no server answers a request to
// create a stream, which times out. Hubs start together, and electing the
// leader takes a moment once their routes are up.
func waitMetaLeader(ns *server.Server, within time.Duration, log *slog.Logger) error {
	start := time.Now()
	logged := false
	for !ns.JetStreamIsCurrent() {
		if time.Since(start) > within {
			return fmt.Errorf("embedded NATS: the hubs' JetStream cluster elected no leader within %v: are the other hubs (--routes) running?", within)
		}
		if !logged && time.Since(start) > 2*time.Second {
			log.Info("waiting for the other hubs: the JetStream cluster has no leader yet")
			logged = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	log.Info("JetStream cluster leader elected", "after", time.Since(start).Round(time.Millisecond))
	return nil
}

// formingCluster is the JetStream API of a hub in a cluster of hubs that
// may be starting together: while the JetStream cluster elects its
// leaders, looking up or creating a stream may time out, creating one may
// fail for want of peers to place three replicas on or race with the same
// creation by another hub, and a stream just created may not answer on
// this hub yet. It retries those for up to clusterFormation.
type formingCluster struct {
	jetstream.JetStream
	log *slog.Logger
}

const clusterFormation = 30 * time.Second

func (c formingCluster) CreateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return retryForming(ctx, c.log, cfg.Name, func(ctx context.Context) (jetstream.Stream, error) {
		s, err := c.JetStream.CreateStream(ctx, cfg)
		return answering(ctx, s, err)
	})
}

func (c formingCluster) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return retryForming(ctx, c.log, cfg.Name, func(ctx context.Context) (jetstream.Stream, error) {
		s, err := c.JetStream.CreateOrUpdateStream(ctx, cfg)
		return answering(ctx, s, err)
	})
}

func (c formingCluster) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	return retryForming(ctx, c.log, name, func(ctx context.Context) (jetstream.Stream, error) {
		return c.JetStream.Stream(ctx, name)
	})
}

func (c formingCluster) ObjectStore(ctx context.Context, bucket string) (jetstream.ObjectStore, error) {
	return retryForming(ctx, c.log, "OBJ_"+bucket, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return c.JetStream.ObjectStore(ctx, bucket)
	})
}

func (c formingCluster) CreateObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	return retryForming(ctx, c.log, "OBJ_"+cfg.Bucket, func(ctx context.Context) (jetstream.ObjectStore, error) {
		obs, err := c.JetStream.CreateObjectStore(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			// Made by another hub, not answering here yet.
			err = fmt.Errorf("%w: %w", errNotAnswering, err)
		}
		if err == nil {
			var s jetstream.Stream
			s, err = c.JetStream.Stream(ctx, "OBJ_"+cfg.Bucket)
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				// Just made, and this hub does not know it yet.
				err = fmt.Errorf("%w: %w", errNotAnswering, err)
			}
			_, err = answering(ctx, s, err)
		}
		return obs, err
	})
}

// errNotAnswering marks a stream that was made and does not answer yet
// (not found, say): that passes.
var errNotAnswering = errors.New("made but not answering yet")

// answering is a stream just made once it answers for its info.
func answering(ctx context.Context, s jetstream.Stream, err error) (jetstream.Stream, error) {
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w: %w", s.CachedInfo().Config.Name, errNotAnswering, err)
	}
	if info.Cluster != nil && info.Cluster.Leader == "" {
		return nil, fmt.Errorf("stream %s: %w: no leader", info.Config.Name, errNotAnswering)
	}
	return s, nil
}

// retryForming runs attempt, each try with at most 5 s, until it succeeds
// or fails with an error that is an answer: the stream or bucket does not
// exist (a lookup) or exists otherwise, or the request is refused.
func retryForming[T any](ctx context.Context, log *slog.Logger, name string, attempt func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(clusterFormation)
	for try := 1; ; try++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		v, err := attempt(actx)
		cancel()
		if err == nil || !formationError(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return v, err
		}
		if try == 1 || try%10 == 0 {
			log.Info("the hubs' JetStream cluster is forming: retrying", "stream", name, "try", try, "err", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// formationError is an error a forming cluster returns for a while, as
// opposed to an answer.
func formationError(err error) bool {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) ||
		errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return errors.Is(err, errNotAnswering)
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		// The one refusal that passes: the peers to place the replicas
		// on have not all been seen yet.
		return api.Code != 400 || api.ErrorCode == errCodeNoSuitablePeers
	}
	return true
}

// errCodeNoSuitablePeers is JetStream's JSClusterNoPeersErrF: "no suitable
// peers for placement".
const errCodeNoSuitablePeers jetstream.ErrorCode = 10005
