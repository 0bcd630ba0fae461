package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/vault-runtime/vault/events"
)

// watchStateKey holds the watcher's position in the CHECKPOINTS stream
// and the latest checkpoint it agreed with (JSON watchState).
var watchStateKey = []byte("ledger/watch/state")

type watchState struct {
	Seq    uint64            `json:"seq"`
	Latest *SignedCheckpoint `json:"latest,omitempty"`
}

// WatcherConfig configures a CheckpointWatcher.
type WatcherConfig struct {
	// Store is this node's ledger (the hub's stream or an edge's mirror).
	Store *Store
	// JS reaches this node's own JetStream domain, whose CHECKPOINTS
	// stream (the hub's, or an edge's mirror of it) is followed.
	JS jetstream.JetStream
	// LedgerID is the genesis ID; checkpoints name Origin(LedgerID).
	LedgerID string
	// Keyring returns the projected key state now. Checkpoints count if
	// a key holding the log role now signed them.
	Keyring func() *events.Keyring
	// WitnessKey and Publish, both set, make the node a witness: it
	// cosigns the latest checkpoint while the keyring grants WitnessKey
	// the witness role, and publishes on the COSIGNATURES stream.
	WitnessKey *events.Signer
	Publish    PublishFunc
	// Poll is how often pending checkpoints are rechecked and the witness
	// retries (default 250ms).
	Poll time.Duration
	Log  *slog.Logger
}

// CheckpointWatcher follows the signed checkpoints a node learns of — its
// CHECKPOINTS stream and those it is told about with Observe — verifies
// them against the log keys, feeds them to a SplitViewDetector and, on a
// witness, cosigns the latest one that matches the local ledger.
type CheckpointWatcher struct {
	cfg      WatcherConfig
	origin   string
	detector *SplitViewDetector
	cosigner *Cosigner // nil unless a witness
	wake     chan struct{}

	mu  sync.Mutex
	seq uint64 // last CHECKPOINTS stream sequence handled
}

// NewCheckpointWatcher loads the watcher's position, the split views
// found so far and, on a witness, the last cosigned checkpoint.
func NewCheckpointWatcher(cfg WatcherConfig) (*CheckpointWatcher, error) {
	if cfg.Store == nil || cfg.JS == nil || cfg.Keyring == nil || cfg.LedgerID == "" {
		return nil, errors.New("new checkpoint watcher: store, JetStream, keyring and ledger ID are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	w := &CheckpointWatcher{cfg: cfg, origin: Origin(cfg.LedgerID), wake: make(chan struct{}, 1)}
	var err error
	if w.detector, err = NewSplitViewDetector(cfg.Store, cfg.Log); err != nil {
		return nil, err
	}
	if cfg.WitnessKey != nil && cfg.Publish != nil {
		w.cosigner, err = NewCosigner(CosignerConfig{Store: cfg.Store, Origin: w.origin, Key: cfg.WitnessKey,
			Keyring: cfg.Keyring, Publish: cfg.Publish, Log: cfg.Log})
		if err != nil {
			return nil, err
		}
	}
	v, closer, err := cfg.Store.idx.db.Get(watchStateKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return w, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint watcher state: %w", err)
	}
	defer closer.Close()
	var st watchState
	if err := json.Unmarshal(v, &st); err != nil {
		return nil, fmt.Errorf("read checkpoint watcher state: %w", err)
	}
	w.seq = st.Seq
	if st.Latest != nil {
		w.detector.Add(*st.Latest) // verified when it was stored
	}
	return w, nil
}

// Latest is the newest checkpoint whose log signature verified and whose
// root matches the local ledger (nil before there is one).
func (w *CheckpointWatcher) Latest() ([]byte, Checkpoint) {
	c, ok := w.detector.Agreed()
	if !ok {
		return nil, Checkpoint{}
	}
	return c.Note, Checkpoint{Origin: w.origin, Size: c.Size, Root: c.Root}
}

// SplitViews returns the split views found, oldest first.
func (w *CheckpointWatcher) SplitViews() []SplitView { return w.detector.SplitViews() }

// Observe takes a checkpoint learned outside the stream (in another
// node's announcement; source names that node). A note that no log key
// signed is ignored with a warning.
func (w *CheckpointWatcher) Observe(msg []byte, source string) {
	c, err := w.verify(msg, source)
	if err != nil {
		w.cfg.Log.Warn("ignoring a checkpoint not signed by a log key", "source", source, "err", err)
		return
	}
	w.detector.Add(c)
	w.poke()
}

// Run follows the CHECKPOINTS stream and, on a witness, cosigns, until
// ctx ends.
func (w *CheckpointWatcher) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.maintain(ctx)
	}()
	defer func() { <-done }()
	for ctx.Err() == nil {
		err := w.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		level := slog.LevelWarn
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			level = slog.LevelDebug // not created (or mirrored) yet
		}
		w.cfg.Log.Log(ctx, level, "following checkpoints interrupted; resuming", "seq", w.position(), "err", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

func (w *CheckpointWatcher) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *CheckpointWatcher) position() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// follow handles the CHECKPOINTS stream from where it left off. A
// checkpoint waits until the local index covers it, so it is always
// compared with the local tree.
func (w *CheckpointWatcher) follow(ctx context.Context) error {
	from := w.position() + 1
	cons, err := w.cfg.JS.OrderedConsumer(ctx, CheckpointStream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return fmt.Errorf("follow checkpoints from %d: %w", from, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		return fmt.Errorf("follow checkpoints from %d: %w", from, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			return fmt.Errorf("follow checkpoints: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("follow checkpoints: message without metadata: %w", err)
		}
		if err := w.handle(ctx, msg.Data(), meta.Sequence.Stream); err != nil {
			return err
		}
	}
}

func (w *CheckpointWatcher) handle(ctx context.Context, msg []byte, seq uint64) error {
	for w.cfg.Keyring() == nil { // the projector has not applied the genesis yet
		select {
		case <-time.After(w.cfg.Poll):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c, err := w.verify(msg, CheckpointStream)
	if err != nil {
		w.cfg.Log.Warn("ignoring a checkpoint not signed by a log key", "source", CheckpointStream, "seq", seq, "err", err)
	} else {
		if err := w.waitIndexed(ctx, c.Size); err != nil {
			return err
		}
		w.detector.Add(c)
		w.poke()
	}
	w.mu.Lock()
	w.seq = seq
	w.mu.Unlock()
	st := watchState{Seq: seq}
	if latest, ok := w.detector.Agreed(); ok {
		st.Latest = &latest
	}
	data, err := json.Marshal(st)
	if err == nil {
		// Not synced: losing it only means reading some checkpoints again.
		err = w.cfg.Store.idx.db.Set(watchStateKey, data, pebble.NoSync)
	}
	if err != nil {
		w.cfg.Log.Warn("store checkpoint watcher state", "seq", seq, "err", err)
	}
	return nil
}

// waitIndexed waits until the local index covers size records.
func (w *CheckpointWatcher) waitIndexed(ctx context.Context, size uint64) error {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for w.cfg.Store.idx.size.Load() < size {
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d records to be indexed: %w", size, ctx.Err())
		}
	}
	return nil
}

// verify opens a checkpoint signed by a key that holds the log role now.
func (w *CheckpointWatcher) verify(msg []byte, source string) (SignedCheckpoint, error) {
	kr := w.cfg.Keyring()
	if kr == nil {
		return SignedCheckpoint{}, errors.New("verify checkpoint: no key state yet")
	}
	var vs []note.Verifier
	signers := map[uint32]string{}
	for _, k := range kr.Keys {
		if !k.Has(events.RoleLog) {
			continue
		}
		v, err := NoteVerifier(w.origin, k.PublicKey)
		if err != nil {
			continue
		}
		vs = append(vs, v)
		signers[v.KeyHash()] = k.ID
	}
	cp, n, err := OpenCheckpoint(msg, w.origin, note.VerifierList(vs...))
	if err != nil {
		return SignedCheckpoint{}, err
	}
	if cp.Size == 0 {
		return SignedCheckpoint{}, fmt.Errorf("checkpoint of an empty tree: %w", ErrBadCheckpoint)
	}
	return SignedCheckpoint{Note: bytes.Clone(msg), Size: cp.Size, Root: cp.Root, Source: source, Signer: signers[n.Sigs[0].Hash]}, nil
}

// maintain rechecks pending checkpoints and, on a witness, cosigns the
// latest one, on every tick and whenever a checkpoint arrives.
func (w *CheckpointWatcher) maintain(ctx context.Context) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
		w.detector.Recheck()
		msg, _ := w.Latest()
		if w.cosigner == nil || msg == nil {
			continue
		}
		_, err := w.cosigner.Cosign(ctx, msg)
		switch {
		case err == nil, ctx.Err() != nil:
			lastErr = ""
		case errors.Is(err, ErrNotWitness), errors.Is(err, ErrStaleCheckpoint), errors.Is(err, ErrCheckpointAhead),
			errors.Is(err, ErrForkedCheckpoint): // the cosigner logged a fork
			w.cfg.Log.Debug("not cosigning", "err", err)
		case err.Error() != lastErr:
			lastErr = err.Error()
			w.cfg.Log.Warn("cosign the latest checkpoint", "err", err)
		}
	}
}
