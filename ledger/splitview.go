package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"golang.org/x/mod/sumdb/tlog"
)

// splitViewPrefix + A's size and root + B's size and root → SplitView
// (JSON): the evidence, kept forever.
var splitViewPrefix = []byte("ledger/splitview/")

// Memory bounds of the detector.
const (
	maxSeenSizes  = 4096 // tree sizes remembered for same-size conflicts
	maxPending    = 1024 // checkpoints beyond the local index
	maxDisagreed  = 256  // checkpoints that differ from the local tree, awaiting a larger agreeing one
	evictFraction = 4
)

// SignedCheckpoint is a log-signed checkpoint as the detector saw it.
type SignedCheckpoint struct {
	Note   []byte    `json:"note"`
	Size   uint64    `json:"size"`
	Root   tlog.Hash `json:"root"`
	Source string    `json:"source"`
	// Signer is the key ID of the log key whose signature verified.
	Signer string `json:"signer"`
}

type treeHead struct {
	size uint64
	root tlog.Hash
}

func (c SignedCheckpoint) head() treeHead { return treeHead{c.Size, c.Root} }

// SplitView is evidence that the log signed two inconsistent checkpoints.
// Either A and B have the same size and different roots, or A is smaller
// than B and B's tree, which is this node's ledger, has LocalRoot rather
// than A's root at A's size: Proof is the consistency proof from LocalRoot
// to B's root, computed from the local ledger.
type SplitView struct {
	A         SignedCheckpoint `json:"a"`
	B         SignedCheckpoint `json:"b"`
	LocalRoot *tlog.Hash       `json:"localRoot,omitempty"`
	Proof     []tlog.Hash      `json:"proof,omitempty"`
	Detected  time.Time        `json:"detected"`
}

// Check re-checks the evidence's hashes (not its signatures).
func (v SplitView) Check() error {
	a, b := v.A, v.B
	switch {
	case a.Size == b.Size:
		if a.Root == b.Root {
			return errors.New("split view evidence: same size and same root")
		}
		return nil
	case a.Size > b.Size || v.LocalRoot == nil:
		return errors.New("split view evidence: sizes out of order or no local root")
	case *v.LocalRoot == a.Root:
		return errors.New("split view evidence: A's root is the prefix of B's tree")
	}
	if err := tlog.CheckTree(v.Proof, int64(b.Size), b.Root, int64(a.Size), *v.LocalRoot); err != nil {
		return fmt.Errorf("split view evidence: the proof does not tie the local root to B: %w", err)
	}
	return nil
}

// SplitViewDetector remembers log-signed checkpoints and reports a split
// view when two have the same size and different roots, or when one
// differs from this node's tree at its size while a larger one matches
// it. Checkpoints larger than the local index are checked once the index
// covers them. Reports are logged at ERROR, kept in pebble and reloaded.
type SplitViewDetector struct {
	store *Store
	log   *slog.Logger

	mu        sync.Mutex
	seen      map[uint64][]SignedCheckpoint
	agreed    *SignedCheckpoint // the largest checkpoint that matches the local tree
	disagreed []SignedCheckpoint
	pending   []SignedCheckpoint
	reported  map[treeHead]bool
	views     []SplitView
}

// NewSplitViewDetector loads the split views already found.
func NewSplitViewDetector(store *Store, log *slog.Logger) (*SplitViewDetector, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &SplitViewDetector{store: store, log: log, seen: map[uint64][]SignedCheckpoint{}, reported: map[treeHead]bool{}}
	end := slices.Clone(splitViewPrefix)
	end[len(end)-1]++
	it, err := store.idx.db.NewIter(&pebble.IterOptions{LowerBound: splitViewPrefix, UpperBound: end})
	if err != nil {
		return nil, fmt.Errorf("load split views: %w", err)
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		var v SplitView
		if err := json.Unmarshal(it.Value(), &v); err != nil {
			return nil, fmt.Errorf("load split view %q: %w", it.Key(), err)
		}
		d.views = append(d.views, v)
		d.reported[v.A.head()], d.reported[v.B.head()] = true, true
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("load split views: %w", err)
	}
	if len(d.views) > 0 {
		log.Error(fmt.Sprintf("SPLIT VIEW: %d split view(s) of this ledger were found before; see 'vault status'", len(d.views)))
	}
	return d, nil
}

// SplitViews returns the split views found, oldest first.
func (d *SplitViewDetector) SplitViews() []SplitView {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.views)
}

// Agreed is the largest checkpoint seen that matches the local tree.
func (d *SplitViewDetector) Agreed() (SignedCheckpoint, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.agreed == nil {
		return SignedCheckpoint{}, false
	}
	return *d.agreed, true
}

// Add takes a checkpoint whose log signature the caller verified.
func (d *SplitViewDetector) Add(c SignedCheckpoint) {
	d.mu.Lock()
	defer d.mu.Unlock()
	same := d.seen[c.Size]
	for _, o := range same {
		if o.Root == c.Root {
			return // known
		}
	}
	for _, o := range same {
		d.report(SplitView{A: c, B: o})
	}
	if len(same) == 0 && len(d.seen) >= maxSeenSizes {
		d.evict()
	}
	d.seen[c.Size] = append(same, c)
	d.check(c)
}

// Recheck checks the checkpoints that were beyond the local index and
// are covered now.
func (d *SplitViewDetector) Recheck() {
	d.mu.Lock()
	defer d.mu.Unlock()
	indexed := d.store.idx.size.Load()
	var later []SignedCheckpoint
	for _, c := range d.pending {
		if c.Size <= indexed {
			d.check(c)
		} else {
			later = append(later, c)
		}
	}
	d.pending = later
}

// evict forgets the smallest sizes (and never the agreed checkpoint).
func (d *SplitViewDetector) evict() {
	sizes := make([]uint64, 0, len(d.seen))
	for s := range d.seen {
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	for _, s := range sizes[:len(sizes)/evictFraction] {
		if d.agreed == nil || s != d.agreed.Size {
			delete(d.seen, s)
		}
	}
}

// check compares c with the local tree, or keeps it for later.
func (d *SplitViewDetector) check(c SignedCheckpoint) {
	idx := d.store.idx
	if c.Size > idx.size.Load() {
		if len(d.pending) >= maxPending {
			d.log.Warn("too many checkpoints beyond the local ledger; forgetting the oldest", "size", d.pending[0].Size, "source", d.pending[0].Source)
			d.pending = d.pending[1:]
		}
		d.pending = append(d.pending, c)
		return
	}
	local, err := idx.treeHash(c.Size)
	if err != nil {
		d.log.Warn("cannot compare a checkpoint with the local ledger", "size", c.Size, "err", err)
		return
	}
	if local == c.Root {
		if d.agreed == nil || c.Size > d.agreed.Size {
			d.agreed = &c
		}
		var later []SignedCheckpoint
		for _, o := range d.disagreed {
			if o.Size <= c.Size {
				d.reportAgainstLocal(o, c)
			} else {
				later = append(later, o)
			}
		}
		d.disagreed = later
		return
	}
	d.log.Warn("a log-signed checkpoint differs from the local ledger", "size", c.Size, "root", rootText(c.Root), "local", rootText(local), "source", c.Source, "signer", c.Signer)
	if d.agreed != nil && d.agreed.Size >= c.Size {
		d.reportAgainstLocal(c, *d.agreed)
		return
	}
	if len(d.disagreed) >= maxDisagreed {
		d.disagreed = d.disagreed[1:]
	}
	d.disagreed = append(d.disagreed, c)
}

// reportAgainstLocal reports a, which differs from the local tree, and b,
// at least as large, which matches it.
func (d *SplitViewDetector) reportAgainstLocal(a, b SignedCheckpoint) {
	if d.reported[a.head()] && d.reported[b.head()] {
		return
	}
	local, err := d.store.idx.treeHash(a.Size)
	if err != nil {
		d.log.Warn("cannot compare a checkpoint with the local ledger", "size", a.Size, "err", err)
		return
	}
	v := SplitView{A: a, B: b, LocalRoot: &local}
	if a.Size < b.Size {
		if v.Proof, err = d.store.ProveTree(b.Size, a.Size); err != nil {
			d.log.Warn("cannot prove consistency within the local ledger", "old", a.Size, "new", b.Size, "err", err)
			return
		}
	}
	d.report(v)
}

// report logs, keeps and persists a split view, once per pair and never
// for a pair whose checkpoints were both reported already.
func (d *SplitViewDetector) report(v SplitView) {
	if d.reported[v.A.head()] && d.reported[v.B.head()] {
		return
	}
	if err := v.Check(); err != nil {
		d.log.Warn("not a split view after all", "err", err)
		return
	}
	v.Detected = time.Now().UTC()
	d.reported[v.A.head()], d.reported[v.B.head()] = true, true
	d.views = append(d.views, v)
	d.log.Error(fmt.Sprintf("SPLIT VIEW: the log signed inconsistent checkpoints: size %d root %s (from %s, signed by %s) and size %d root %s (from %s, signed by %s)",
		v.A.Size, rootText(v.A.Root), v.A.Source, v.A.Signer, v.B.Size, rootText(v.B.Root), v.B.Source, v.B.Signer),
		"a_size", v.A.Size, "a_root", rootText(v.A.Root), "a_source", v.A.Source, "a_signer", v.A.Signer,
		"b_size", v.B.Size, "b_root", rootText(v.B.Root), "b_source", v.B.Source, "b_signer", v.B.Signer)
	data, err := json.Marshal(v)
	if err == nil {
		key := slices.Concat(splitViewPrefix, u64(v.A.Size), v.A.Root[:], u64(v.B.Size), v.B.Root[:])
		err = d.store.idx.db.Set(key, data, pebble.Sync)
	}
	if err != nil {
		d.log.Error("SPLIT VIEW: could not store the evidence", "err", err)
	}
}
