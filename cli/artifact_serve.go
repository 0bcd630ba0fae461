package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/schemas"
)

// The node is the only writer of the artifact object store: no client may
// publish to it, so an object, once written, cannot be replaced. A client
// uploads through the node instead. It opens a session with a signed
// control request (artifact.put, roles admin and deploy), then sends the
// bytes in chunks to the node-local artifact API (nodeAPI(node,
// artifactAPI)); the session's random ID is the capability for its
// chunks. The node takes chunks only in order and up to the announced
// size, and stores the blob only when its SHA-256 is the announced digest.
const (
	artifactAPI = "artifact"
	// Headers of a chunk: the session, the offset of its first byte, and
	// on the last chunk that it is the last.
	uploadIDHeader     = "Vault-Upload"
	uploadOffsetHeader = "Vault-Offset"
	uploadFinalHeader  = "Vault-Final"
	// uploadChunk is the most bytes a chunk carries: half of NATS's
	// default max payload (1 MiB), leaving room for headers.
	uploadChunk = 512 << 10
	// uploadIdle ends a session that received no chunk for this long.
	uploadIdle = 2 * time.Minute
	// uploadSessions is how many uploads a node buffers at once; each
	// holds up to the node's max artifact size in memory.
	uploadSessions = 4
)

// errUploadBusy is the answer when every session slot is taken.
var errUploadBusy = errors.New("the node is busy with other uploads; retry in a moment")

// artifactPut is the body of an artifact.put control request.
type artifactPut struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// artifactPutReply says the object is already stored, or names the
// session and the node (its NATS server name) that holds it.
type artifactPutReply struct {
	Exists bool   `json:"exists,omitempty"`
	ID     string `json:"id,omitempty"`
	Node   string `json:"node,omitempty"`
}

// chunkReply answers a chunk: the bytes received so far, whether the
// blob is now stored, or what was wrong.
type chunkReply struct {
	Received int64  `json:"received"`
	Stored   bool   `json:"stored,omitempty"`
	Error    string `json:"error,omitempty"`
}

// uploads are a node's open upload sessions.
type uploads struct {
	// MaxSize is the node's max artifact size (0: the default).
	MaxSize int64
	// Max is how many sessions may be open at once; Idle how long one
	// lives without a chunk.
	Max  int
	Idle time.Duration
	Now  func() time.Time
	// Exists reports whether the store holds digest; Store writes blob
	// (whose digest was checked) unless it is there already.
	Exists func(ctx context.Context, digest string) (bool, error)
	Store  func(ctx context.Context, blob []byte) error

	mu       sync.Mutex
	sessions map[string]*upload
}

// upload is one session: what was announced and what arrived.
type upload struct {
	digest string
	size   int64
	buf    []byte
	last   time.Time
	// storing is set once the last chunk is in: no more chunks.
	storing bool
	// sweep frees the buffer of a session abandoned by its client, even
	// if no other upload comes along to notice; each chunk resets it.
	sweep *time.Timer
}

// begin checks an announced upload and opens a session for it, unless the
// object is already stored.
func (u *uploads) begin(ctx context.Context, req artifactPut) (artifactPutReply, error) {
	if b, err := hex.DecodeString(req.Digest); err != nil || len(b) != 32 || hex.EncodeToString(b) != req.Digest {
		return artifactPutReply{}, fmt.Errorf("artifact %q: the digest is not a lowercase hex SHA-256", req.Digest)
	}
	if req.Size <= 0 {
		return artifactPutReply{}, fmt.Errorf("artifact %s: size %d; an artifact has at least one byte", req.Digest, req.Size)
	}
	if err := schemas.CheckArtifactSize(req.Size, u.MaxSize); err != nil {
		return artifactPutReply{}, fmt.Errorf("artifact %s: %w (this node's limits.max_artifact_size)", req.Digest, err)
	}
	exists, err := u.Exists(ctx, req.Digest)
	if err != nil {
		return artifactPutReply{}, fmt.Errorf("artifact %s: %w", req.Digest, err)
	}
	if exists {
		return artifactPutReply{Exists: true}, nil
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return artifactPutReply{}, fmt.Errorf("artifact %s: session id: %w", req.Digest, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.expire()
	if len(u.sessions) >= u.Max {
		return artifactPutReply{}, fmt.Errorf("artifact %s: %w (%d uploads open)", req.Digest, errUploadBusy, len(u.sessions))
	}
	if u.sessions == nil {
		u.sessions = map[string]*upload{}
	}
	key := hex.EncodeToString(id)
	u.sessions[key] = &upload{digest: req.Digest, size: req.Size, last: u.Now(), sweep: time.AfterFunc(u.Idle+time.Second, u.expireNow)}
	return artifactPutReply{ID: key}, nil
}

// expire drops sessions idle for longer than Idle; u.mu is held.
func (u *uploads) expire() {
	now := u.Now()
	for id, s := range u.sessions {
		if !s.storing && now.Sub(s.last) > u.Idle {
			u.drop(id)
		}
	}
}

// expireNow is expire for a session's sweep timer.
func (u *uploads) expireNow() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.expire()
}

// drop ends session id; u.mu is held.
func (u *uploads) drop(id string) {
	if s := u.sessions[id]; s != nil {
		s.sweep.Stop()
		delete(u.sessions, id)
	}
}

// chunk appends data at offset to session id. With final set it checks
// the length and digest and returns the whole blob, to be stored and the
// session then ended with done. A chunk that would leave the session
// unusable (too many bytes, a wrong digest or length) ends it.
func (u *uploads) chunk(id string, offset int64, data []byte, final bool) (received int64, blob []byte, digest string, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.expire()
	s := u.sessions[id]
	switch {
	case s == nil:
		return 0, nil, "", errors.New("no such upload session (it expired, failed or never existed); start the upload again")
	case s.storing:
		return int64(len(s.buf)), nil, s.digest, fmt.Errorf("artifact %s: the upload is complete and being stored", s.digest)
	case len(data) > uploadChunk:
		return int64(len(s.buf)), nil, s.digest, fmt.Errorf("artifact %s: a chunk of %d bytes, over %d", s.digest, len(data), uploadChunk)
	case offset != int64(len(s.buf)):
		return int64(len(s.buf)), nil, s.digest, fmt.Errorf("artifact %s: a chunk at offset %d, expected %d", s.digest, offset, len(s.buf))
	case int64(len(s.buf))+int64(len(data)) > s.size:
		u.drop(id)
		return int64(len(s.buf)), nil, s.digest, fmt.Errorf("artifact %s: %d bytes would exceed the announced size of %d", s.digest, len(s.buf)+len(data), s.size)
	}
	s.buf = appendBounded(s.buf, data, s.size)
	s.last = u.Now()
	s.sweep.Reset(u.Idle + time.Second)
	received = int64(len(s.buf))
	if !final {
		return received, nil, s.digest, nil
	}
	if received != s.size {
		u.drop(id)
		return received, nil, s.digest, fmt.Errorf("artifact %s: the upload ended at %d bytes, announced %d", s.digest, received, s.size)
	}
	if got := schemas.Digest(s.buf); got != s.digest {
		u.drop(id)
		return received, nil, s.digest, fmt.Errorf("artifact %s: the bytes received hash to %s", s.digest, got)
	}
	s.storing = true
	return received, s.buf, s.digest, nil
}

// done ends session id.
func (u *uploads) done(id string) {
	u.mu.Lock()
	u.drop(id)
	u.mu.Unlock()
}

// appendBounded appends data to buf, growing it at most to limit bytes of
// capacity, so a session never holds more than its announced size.
func appendBounded(buf, data []byte, limit int64) []byte {
	need := len(buf) + len(data)
	if need > cap(buf) {
		grown := int(min(limit, int64(max(2*cap(buf), need, 64<<10))))
		nb := make([]byte, len(buf), grown)
		copy(nb, buf)
		buf = nb
	}
	return append(buf, data...)
}

// serveUploads returns the artifact.put control handler and serves the
// node's chunk API. It stores into the object store this node uploads
// to: a hub's own, or for an edge (whose store mirrors the hub's) the
// hub's, through its JetStream domain.
func (n *node) serveUploads(log *slog.Logger) (controlHandler, *nats.Subscription, error) {
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
	}
	put := func(ctx context.Context, body json.RawMessage) (any, error) {
		var req artifactPut
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
	sub, err := n.nc.Subscribe(nodeAPI(n.serverName, artifactAPI), func(msg *nats.Msg) {
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
func (n *node) takeChunk(u *uploads, msg *nats.Msg, log *slog.Logger) chunkReply {
	id := msg.Header.Get(uploadIDHeader)
	offset, err := strconv.ParseInt(msg.Header.Get(uploadOffsetHeader), 10, 64)
	if err != nil {
		return chunkReply{Error: fmt.Sprintf("chunk without a valid %s header", uploadOffsetHeader)}
	}
	received, blob, digest, err := u.chunk(id, offset, msg.Data, msg.Header.Get(uploadFinalHeader) == "true")
	if err != nil {
		return chunkReply{Received: received, Error: err.Error()}
	}
	if blob == nil {
		return chunkReply{Received: received}
	}
	defer u.done(id)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := u.Store(ctx, blob); err != nil {
		log.Warn("artifact upload not stored", "artifact", digest, "err", err)
		return chunkReply{Received: received, Error: fmt.Sprintf("artifact %s: store: %v", digest, err)}
	}
	log.Info("artifact stored", "artifact", digest, "size", received)
	return chunkReply{Received: received, Stored: true}
}
