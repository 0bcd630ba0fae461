package node

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	// MaxImageSize bounds an image blob (0: DefaultMaxImageSize);
	// StoreStream stores the bytes read from r under digest, checking
	// them, and is run for an image blob's session while its chunks
	// arrive.
	MaxImageSize int64
	StoreStream  func(ctx context.Context, digest string, r io.Reader) error

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
	// An image blob's session streams instead of buffering: received
	// counts the bytes written to pipe, which StoreStream reads; stored
	// gets its result.
	pipe     *io.PipeWriter
	received int64
	stored   chan error
}

// DefaultMaxImageSize bounds an image blob, and an image's unpacked tree,
// when the node config does not (limits.max_image_size).
const DefaultMaxImageSize = 4 << 30

// begin checks an announced upload and opens a session for it, unless the
// object is already stored.
func (u *uploads) begin(ctx context.Context, req ArtifactPut) (ArtifactPutReply, error) {
	if b, err := hex.DecodeString(req.Digest); err != nil || len(b) != 32 || hex.EncodeToString(b) != req.Digest {
		return ArtifactPutReply{}, fmt.Errorf("artifact %q: the digest is not a lowercase hex SHA-256", req.Digest)
	}
	if req.Size <= 0 {
		return ArtifactPutReply{}, fmt.Errorf("artifact %s: size %d; an artifact has at least one byte", req.Digest, req.Size)
	}
	if req.Image {
		if max := cmp.Or(u.MaxImageSize, DefaultMaxImageSize); req.Size > max {
			return ArtifactPutReply{}, fmt.Errorf("image blob %s: %d bytes, over this node's limits.max_image_size of %d", req.Digest, req.Size, max)
		}
	} else if err := schemas.CheckArtifactSize(req.Size, u.MaxSize); err != nil {
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
	up := &upload{digest: req.Digest, size: req.Size, last: u.Now(), sweep: time.AfterFunc(u.Idle+time.Second, u.expireNow)}
	if req.Image {
		r, w := io.Pipe()
		up.pipe, up.stored = w, make(chan error, 1)
		go func() {
			err := u.StoreStream(context.Background(), req.Digest, r)
			r.CloseWithError(cmp.Or(err, io.ErrClosedPipe))
			up.stored <- err
		}()
	}
	u.sessions[key] = up
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
		if s.pipe != nil && !s.storing {
			// The stream's store fails and removes what it wrote.
			s.pipe.CloseWithError(errors.New("the upload was abandoned"))
		}
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

// streaming reports whether session id is an image blob's, whose chunks
// go to streamChunk.
func (u *uploads) streaming(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.sessions[id]
	return s != nil && s.pipe != nil
}

// streamChunk writes a chunk of an image blob's session to its store,
// which runs as the chunks arrive; after the last it waits for the store
// to end and ends the session. The same order and size rules as chunk's
// apply; the store checks the digest.
func (u *uploads) streamChunk(ctx context.Context, id string, offset int64, data []byte, final bool) (int64, error) {
	u.mu.Lock()
	u.expire()
	s := u.sessions[id]
	var err error
	switch {
	case s == nil:
		err = errors.New("no such upload session (it expired, failed or never existed); start the upload again")
	case s.storing:
		err = fmt.Errorf("image blob %s: the upload is complete and being stored", s.digest)
	case len(data) > UploadChunk:
		err = fmt.Errorf("image blob %s: a chunk of %d bytes, over %d", s.digest, len(data), UploadChunk)
	case offset != s.received:
		err = fmt.Errorf("image blob %s: a chunk at offset %d, expected %d", s.digest, offset, s.received)
	case s.received+int64(len(data)) > s.size:
		u.drop(id)
		err = fmt.Errorf("image blob %s: %d bytes would exceed the announced size of %d", s.digest, s.received+int64(len(data)), s.size)
	case final && s.received+int64(len(data)) != s.size:
		u.drop(id)
		err = fmt.Errorf("image blob %s: the upload ended at %d bytes, announced %d", s.digest, s.received+int64(len(data)), s.size)
	}
	if err != nil {
		var received int64
		if s != nil {
			received = s.received
		}
		u.mu.Unlock()
		return received, err
	}
	s.last = u.Now()
	s.sweep.Reset(u.Idle + time.Second)
	s.storing = final
	u.mu.Unlock()
	// Chunks of one session come one at a time (the client waits for each
	// answer), so the pipe is written outside the lock: a slow store holds
	// up this upload only.
	if _, err := s.pipe.Write(data); err != nil {
		u.done(id)
		return s.received, fmt.Errorf("image blob %s: store: %w", s.digest, <-s.stored)
	}
	u.mu.Lock()
	s.received += int64(len(data))
	received := s.received
	u.mu.Unlock()
	if !final {
		return received, nil
	}
	s.pipe.Close()
	defer u.done(id)
	select {
	case err := <-s.stored:
		if err != nil {
			return received, fmt.Errorf("image blob %s: store: %w", s.digest, err)
		}
		return received, nil
	case <-ctx.Done():
		return received, fmt.Errorf("image blob %s: store: %w", s.digest, ctx.Err())
	}
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
