package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint stream and subject.
const (
	CheckpointStream  = "CHECKPOINTS"
	CheckpointSubject = "ledger.checkpoints"
)

// minCheckpointGap spaces checkpoints under load; appends that arrive one
// at a time still get one each.
const minCheckpointGap = 10 * time.Millisecond

var (
	checkpointPrefix = []byte("ledger/checkpoint/") // + size (8 bytes) → signed note
	latestCheckpoint = []byte("ledger/checkpoint-latest")
)

// CheckpointStreamConfig keeps every signed checkpoint, for auditors and
// for edges that cosign them.
func CheckpointStreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        CheckpointStream,
		Description: "Vault ledger checkpoints (C2SP signed notes)",
		Subjects:    []string{CheckpointSubject},
		Storage:     jetstream.FileStorage,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}
}

// Checkpointer signs a checkpoint over the whole ledger as soon as it
// grows: right after each group commit (so records appended one at a time
// get a checkpoint each, and an auditor can name a tampered record
// exactly), on a ticker as a fallback, and on demand.
type Checkpointer struct {
	store    *Store
	js       jetstream.JetStream
	signer   note.Signer
	origin   string
	log      *slog.Logger
	interval time.Duration

	mu     sync.Mutex
	latest []byte
	size   uint64

	// Allowed, if set, is asked before each checkpoint: a hub whose key
	// does not hold the log role (yet) signs nothing.
	Allowed func() bool
}

// NewCheckpointer prepares checkpoints for store, signed by signer (a key
// with the log role) under origin. It creates the checkpoint stream.
func NewCheckpointer(ctx context.Context, store *Store, signer note.Signer, origin string, log *slog.Logger) (*Checkpointer, error) {
	if _, err := openStream(ctx, store.js, store.topo.streamConfig(CheckpointStreamConfig())); err != nil {
		return nil, fmt.Errorf("open checkpoint stream: %w", err)
	}
	c := &Checkpointer{store: store, js: store.js, signer: signer, origin: origin, log: log, interval: 250 * time.Millisecond}
	v, closer, err := store.idx.db.Get(latestCheckpoint)
	if err == nil {
		c.latest = append([]byte(nil), v...)
		closer.Close()
		cp, err := ParseCheckpoint(noteText(c.latest))
		if err != nil {
			return nil, fmt.Errorf("latest stored checkpoint: %w", err)
		}
		c.size = cp.Size
	} else if !errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("read latest checkpoint: %w", err)
	}
	return c, nil
}

// Run checkpoints whenever the ledger has grown, until ctx ends.
func (c *Checkpointer) Run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.store.Committed():
			// Under a stream of commits, one checkpoint per minGap.
			select {
			case <-time.After(minCheckpointGap):
			case <-ctx.Done():
				return
			}
		case <-t.C:
		}
		if c.Allowed != nil && !c.Allowed() {
			continue
		}
		if _, _, err := c.Now(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("checkpoint failed", "err", err)
		}
	}
}

// Latest returns the newest signed checkpoint and its size.
func (c *Checkpointer) Latest() ([]byte, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest, c.size
}

// Now returns a checkpoint covering every committed record, signing a new
// one if the ledger grew since the last.
func (c *Checkpointer) Now(ctx context.Context) ([]byte, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	size := c.store.idx.size.Load()
	if size == c.size && c.latest != nil || size == 0 {
		return c.latest, c.size, nil
	}
	root, err := c.store.idx.treeHash(size)
	if err != nil {
		return nil, 0, err
	}
	msg, err := SignCheckpoint(Checkpoint{Origin: c.origin, Size: size, Root: root}, c.signer)
	if err != nil {
		return nil, 0, err
	}
	b := c.store.idx.db.NewBatch()
	defer b.Close()
	b.Set(append(append([]byte(nil), checkpointPrefix...), u64(size)...), msg, nil)
	b.Set(latestCheckpoint, msg, nil)
	// The CHECKPOINTS stream holds the durable copy.
	if err := b.Commit(pebble.NoSync); err != nil {
		return nil, 0, fmt.Errorf("store checkpoint at size %d: %w", size, err)
	}
	if _, err := c.js.Publish(ctx, CheckpointSubject, msg, jetstream.WithMsgID("checkpoint-"+strconv.FormatUint(size, 10))); err != nil {
		return nil, 0, fmt.Errorf("publish checkpoint at size %d: %w", size, err)
	}
	c.latest, c.size = msg, size
	c.log.Debug("checkpoint", "size", size)
	return msg, size, nil
}

// At returns the stored checkpoint for exactly size records.
func (c *Checkpointer) At(size uint64) ([]byte, error) {
	v, closer, err := c.store.idx.db.Get(append(append([]byte(nil), checkpointPrefix...), u64(size)...))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("no checkpoint at tree size %d: %w", size, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint at size %d: %w", size, err)
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// ProveRecord is the inclusion proof of record seq in the tree of size.
func (s *Store) ProveRecord(seq, size uint64) (tlog.RecordProof, error) {
	if seq < 1 || seq > size || size > s.idx.size.Load() {
		return nil, fmt.Errorf("prove seq %d in tree of %d (ledger has %d): %w", seq, size, s.idx.size.Load(), ErrNotFound)
	}
	return tlog.ProveRecord(int64(size), int64(seq-1), s.idx.reader(nil))
}

// ProveTree is the consistency proof from the tree of size old to new.
func (s *Store) ProveTree(newSize, oldSize uint64) (tlog.TreeProof, error) {
	if oldSize < 1 || oldSize > newSize || newSize > s.idx.size.Load() {
		return nil, fmt.Errorf("prove consistency %d → %d (ledger has %d): %w", oldSize, newSize, s.idx.size.Load(), ErrNotFound)
	}
	return tlog.ProveTree(int64(newSize), int64(oldSize), s.idx.reader(nil))
}

// noteText is the signed text of a note: everything up to the blank line
// that precedes the signature lines. It does not verify anything.
func noteText(msg []byte) string {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return ""
	}
	return string(msg[:i+1])
}
