package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// errUploadBusy is the answer when every session slot is taken.
var errUploadBusy = errors.New("the node is busy with other uploads; retry in a moment")

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
func (u *uploads) begin(ctx context.Context, req ArtifactPut) (ArtifactPutReply, error) {
	if b, err := hex.DecodeString(req.Digest); err != nil || len(b) != 32 || hex.EncodeToString(b) != req.Digest {
		return ArtifactPutReply{}, fmt.Errorf("artifact %q: the digest is not a lowercase hex SHA-256", req.Digest)
	}
	if req.Size <= 0 {
		return ArtifactPutReply{}, fmt.Errorf("artifact %s: size %d; an artifact has at least one byte", req.Digest, req.Size)
	}
	if err := schemas.CheckArtifactSize(req.Size, u.MaxSize); err != nil {
		return ArtifactPutReply{}, fmt.Errorf("artifact %s: %w (this node's limits.max_artifact_size)", req.Digest, err)
	}
	exists, err := u.Exists(ctx, req.Digest)
	if err != nil {
		return ArtifactPutReply{}, fmt.Errorf("artifact %s: %w", req.Digest, err)
	}
	if exists {
		return ArtifactPutReply{Exists: true}, nil
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return ArtifactPutReply{}, fmt.Errorf("artifact %s: session id: %w", req.Digest, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.expire()
	if len(u.sessions) >= u.Max {
		return ArtifactPutReply{}, fmt.Errorf("artifact %s: %w (%d uploads open)", req.Digest, errUploadBusy, len(u.sessions))
	}
	if u.sessions == nil {
		u.sessions = map[string]*upload{}
	}
	key := hex.EncodeToString(id)
	u.sessions[key] = &upload{digest: req.Digest, size: req.Size, last: u.Now(), sweep: time.AfterFunc(u.Idle+time.Second, u.expireNow)}
	return ArtifactPutReply{ID: key}, nil
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
	case len(data) > UploadChunk:
		return int64(len(s.buf)), nil, s.digest, fmt.Errorf("artifact %s: a chunk of %d bytes, over %d", s.digest, len(data), UploadChunk)
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
	if got := events.Digest(s.buf); got != s.digest {
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
