package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// The node is the only writer of the artifact object store: no client may
// publish to it, so an object, once written, cannot be replaced. A client
// uploads through the node instead. It opens a session with a signed
// control request (artifact.put, roles admin and deploy), then sends the
// bytes in chunks to the node-local artifact API (NodeAPI(node,
// ArtifactAPI)); the session's random ID is the capability for its
// chunks. The node takes chunks only in order and up to the announced
// size, and stores the blob only when its SHA-256 is the announced digest.
const (
	// uploadIdle ends a session that received no chunk for this long.
	uploadIdle = 2 * time.Minute
	// uploadSessions is how many uploads a node buffers at once; each
	// holds up to the node's max artifact size in memory.
	uploadSessions = 4
)

// serveUploads returns the artifact.put control handler and serves the
// node's chunk API. It stores into the object store this node uploads
// to: a hub's own, or for an edge (whose store mirrors the hub's) the
// hub's, through its JetStream domain.
func (n *Node) serveUploads(log *slog.Logger) (controlHandler, *nats.Subscription, error) {
	open := func(ctx context.Context) (jetstream.ObjectStore, error) {
		js, err := jetstream.New(n.nc)
		if hub := n.store.Mirror(); hub != "" {
			js, err = jetstream.NewWithDomain(n.nc, hub)
		}
		if err != nil {
			return nil, err
		}
		return ledger.OpenArtifactBucket(ctx, js, false)
	}
	u := &uploads{MaxSize: n.cfg.MaxArtifactBytes, Max: uploadSessions, Idle: uploadIdle, Now: time.Now,
		Exists: func(ctx context.Context, digest string) (bool, error) {
			obs, err := open(ctx)
			if err != nil {
				return false, err
			}
			_, err = obs.GetInfo(ctx, digest)
			if errors.Is(err, jetstream.ErrObjectNotFound) {
				return false, nil
			}
			return err == nil, err
		},
		Store: func(ctx context.Context, blob []byte) error {
			obs, err := open(ctx)
			if err != nil {
				return err
			}
			_, err = ledger.PutArtifact(ctx, obs, blob)
			return err
		},
		MaxImageSize: n.cfg.MaxImageBytes,
		StoreStream: func(ctx context.Context, digest string, r io.Reader) error {
			obs, err := open(ctx)
			if err != nil {
				return err
			}
			return ledger.PutBlob(ctx, obs, digest, r)
		},
	}
	put := func(ctx context.Context, body json.RawMessage) (any, error) {
		var req ArtifactPut
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("bad request: %w", err)
		}
		reply, err := u.begin(ctx, req)
		if err != nil {
			return nil, err
		}
		if !reply.Exists {
			reply.Node = n.serverName
			log.Info("artifact upload started", "artifact", req.Digest, "size", req.Size)
		}
		return reply, nil
	}
	sub, err := n.nc.Subscribe(NodeAPI(n.serverName, ArtifactAPI), func(msg *nats.Msg) {
		reply := n.takeChunk(u, msg, log)
		data, _ := json.Marshal(reply)
		if err := msg.Respond(data); err != nil {
			log.Warn("answer artifact chunk", "err", err)
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("serve artifact uploads: %w", err)
	}
	return put, sub, nil
}

// takeChunk applies one chunk message and, after the last, stores the
// blob. It runs on the chunk subscription, so chunks are taken one at a
// time and another upload's wait while a blob is stored (well under a
// second for 25 MiB); no goroutine outlives the node's drain.
func (n *Node) takeChunk(u *uploads, msg *nats.Msg, log *slog.Logger) ChunkReply {
	id := msg.Header.Get(UploadIDHeader)
	offset, err := strconv.ParseInt(msg.Header.Get(UploadOffsetHeader), 10, 64)
	if err != nil {
		return ChunkReply{Error: fmt.Sprintf("chunk without a valid %s header", UploadOffsetHeader)}
	}
	final := msg.Header.Get(UploadFinalHeader) == "true"
	if u.streaming(id) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		received, err := u.streamChunk(ctx, id, offset, msg.Data, final)
		if err != nil {
			log.Warn("image blob upload failed", "err", err)
			return ChunkReply{Received: received, Error: err.Error()}
		}
		if final {
			log.Info("image blob stored", "size", received)
		}
		return ChunkReply{Received: received, Stored: final}
	}
	received, blob, digest, err := u.chunk(id, offset, msg.Data, final)
	if err != nil {
		return ChunkReply{Received: received, Error: err.Error()}
	}
	if blob == nil {
		return ChunkReply{Received: received}
	}
	defer u.done(id)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := u.Store(ctx, blob); err != nil {
		log.Warn("artifact upload not stored", "artifact", digest, "err", err)
		return ChunkReply{Received: received, Error: fmt.Sprintf("artifact %s: store: %v", digest, err)}
	}
	log.Info("artifact stored", "artifact", digest, "size", received)
	return ChunkReply{Received: received, Stored: true}
}
