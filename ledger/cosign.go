package ledger

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
)

// Reasons a witness refuses to cosign.
var (
	ErrNotWitness       = errors.New("ledger: this node's key does not hold the witness role")
	ErrStaleCheckpoint  = errors.New("ledger: checkpoint is smaller than the last one this witness cosigned")
	ErrCheckpointAhead  = errors.New("ledger: checkpoint covers records this node has not indexed yet")
	ErrForkedCheckpoint = errors.New("ledger: checkpoint is inconsistent with this node's ledger or with the last checkpoint it cosigned")
)

// witnessLastKey holds the last cosigned tree: size (8 bytes) and root.
var witnessLastKey = []byte("ledger/witness/last")

// PublishFunc publishes data on subject (on an edge, through its leaf
// connection to the hub).
type PublishFunc func(ctx context.Context, subject string, data []byte) error

// CosignerConfig configures a Cosigner.
type CosignerConfig struct {
	// Store is this node's ledger; its index must cover a checkpoint
	// before it is cosigned.
	Store *Store
	// Origin is the ledger's checkpoint origin, Origin(ledger ID).
	Origin string
	// Key is the witness key (the node key).
	Key *events.Signer
	// Keyring returns the projected key state now: it decides which keys
	// sign checkpoints (log) and whether Key may cosign (witness).
	Keyring func() *events.Keyring
	// Publish sends cosignatures to the COSIGNATURES stream.
	Publish PublishFunc
	// Now timestamps cosignatures (nil: time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Cosigner is a witness: it cosigns a log-signed checkpoint only if the
// checkpoint's root is this node's own tree root at that size and the
// tree is consistent with the last checkpoint it cosigned, whose size and
// root it keeps in pebble (synced before the cosignature leaves the node).
// So neither a fork nor a restart can make it cosign two views.
type Cosigner struct {
	cfg CosignerConfig

	mu        sync.Mutex
	lastSize  uint64
	lastRoot  tlog.Hash
	lastMsg   []byte // the last cosignature; nil after a restart
	published bool
	refused   Checkpoint // the last fork refused, to log it once
}

// NewCosigner loads the witness state from the store's pebble database.
func NewCosigner(cfg CosignerConfig) (*Cosigner, error) {
	if cfg.Store == nil || cfg.Key == nil || cfg.Keyring == nil || cfg.Publish == nil || cfg.Origin == "" {
		return nil, errors.New("new cosigner: store, origin, key, keyring and publish are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	c := &Cosigner{cfg: cfg, published: true}
	v, closer, err := cfg.Store.idx.db.Get(witnessLastKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read last cosigned checkpoint: %w", err)
	}
	defer closer.Close()
	if len(v) != 8+tlog.HashSize {
		return nil, errors.New("read last cosigned checkpoint: corrupt")
	}
	c.lastSize = binary.BigEndian.Uint64(v)
	copy(c.lastRoot[:], v[8:])
	return c, nil
}

// Last is the size and root of the last checkpoint cosigned.
func (c *Cosigner) Last() (uint64, tlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSize, c.lastRoot
}

// Cosign verifies a signed checkpoint note, checks it as a witness must,
// records it as the last cosigned, and publishes the checkpoint body with
// this witness's cosignature line. A checkpoint equal to the last cosigned
// returns the earlier cosignature without signing again.
func (c *Cosigner) Cosign(ctx context.Context, msg []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kr := c.cfg.Keyring()
	if kr == nil || kr.Keys[c.cfg.Key.ID] == nil || !kr.Keys[c.cfg.Key.ID].Has(events.RoleWitness) {
		return nil, fmt.Errorf("cosign as %s: %w", c.cfg.Key.ID, ErrNotWitness)
	}
	verifiers, err := LogVerifiers(c.cfg.Origin, kr)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	cp, n, err := OpenCheckpoint(msg, c.cfg.Origin, verifiers)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	if err := c.check(cp); err != nil {
		if errors.Is(err, ErrForkedCheckpoint) && cp != c.refused {
			c.refused = cp
			c.cfg.Log.Error("witness refuses to cosign a checkpoint", "size", cp.Size, "root", rootText(cp.Root), "err", err)
		}
		return nil, fmt.Errorf("cosign checkpoint at size %d: %w", cp.Size, err)
	}
	subject := CosignatureSubject(cp.Size, c.cfg.Key.ID)
	if cp.Size == c.lastSize && c.lastMsg != nil {
		if !c.published { // an earlier publish failed
			if err := c.cfg.Publish(ctx, subject, c.lastMsg); err != nil {
				return nil, fmt.Errorf("publish cosignature at size %d: %w", cp.Size, err)
			}
			c.published = true
		}
		return c.lastMsg, nil
	}
	if cp.Size == c.lastSize {
		return nil, nil // cosigned before a restart
	}
	// The message is the checkpoint body and this witness's signature
	// line only, so every byte of it is covered by that signature.
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, CosignatureSigner(c.cfg.Key, c.cfg.Now))
	if err != nil {
		return nil, fmt.Errorf("cosign checkpoint at size %d: %w", cp.Size, err)
	}
	// The promise (never cosign anything inconsistent with this) is
	// durable before the cosignature can be seen.
	state := append(u64(cp.Size), cp.Root[:]...)
	if err := c.cfg.Store.idx.db.Set(witnessLastKey, state, pebble.Sync); err != nil {
		return nil, fmt.Errorf("record cosigned checkpoint at size %d: %w", cp.Size, err)
	}
	c.lastSize, c.lastRoot, c.lastMsg, c.published = cp.Size, cp.Root, cosigned, false
	if err := c.cfg.Publish(ctx, subject, cosigned); err != nil {
		return nil, fmt.Errorf("publish cosignature at size %d: %w", cp.Size, err)
	}
	c.published = true
	c.cfg.Log.Debug("cosigned checkpoint", "size", cp.Size)
	return cosigned, nil
}

// check applies the witness rules to a log-signed checkpoint.
func (c *Cosigner) check(cp Checkpoint) error {
	if cp.Size == 0 {
		return fmt.Errorf("an empty tree: %w", ErrBadCheckpoint)
	}
	if cp.Size < c.lastSize {
		return fmt.Errorf("last cosigned size %d: %w", c.lastSize, ErrStaleCheckpoint)
	}
	idx := c.cfg.Store.idx
	if indexed := idx.size.Load(); cp.Size > indexed {
		return fmt.Errorf("%d records indexed: %w", indexed, ErrCheckpointAhead)
	}
	local, err := idx.treeHash(cp.Size)
	if err != nil {
		return err
	}
	if local != cp.Root {
		return fmt.Errorf("root %s, but this node's records give %s: %w", rootText(cp.Root), rootText(local), ErrForkedCheckpoint)
	}
	switch {
	case c.lastSize == 0:
		return nil
	case cp.Size == c.lastSize:
		if cp.Root != c.lastRoot {
			return fmt.Errorf("root %s, but it cosigned %s at that size: %w", rootText(cp.Root), rootText(c.lastRoot), ErrForkedCheckpoint)
		}
		return nil
	}
	proof, err := c.cfg.Store.ProveTree(cp.Size, c.lastSize)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(proof, int64(cp.Size), cp.Root, int64(c.lastSize), c.lastRoot); err != nil {
		return fmt.Errorf("not an extension of the tree of size %d it cosigned (root %s): %v: %w", c.lastSize, rootText(c.lastRoot), err, ErrForkedCheckpoint)
	}
	return nil
}

func rootText(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }
