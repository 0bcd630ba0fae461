package projector

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// Source delivers ledger records in order.
type Source interface {
	Follow(ctx context.Context, from uint64, out chan<- ledger.Record) error
}

// IDIndex tells where an event ID was first stored, so a replayed copy of
// an event is rejected. Optional.
type IDIndex interface {
	FirstSeq(id string) (uint64, bool, error)
}

// ArtifactSource fetches digest-checked artifact blobs.
type ArtifactSource interface {
	Get(ctx context.Context, digest string) ([]byte, error)
	Has(ctx context.Context, digest string) (bool, error)
}

// Warmer prepares a version to serve (decode, compile). The projector
// calls it before any route of the version is published, with the
// function's secrets as of v.Secrets (still encrypted).
type Warmer interface {
	Warm(ctx context.Context, fn string, v fold.ServedVersion, artifact []byte, secrets map[string]fold.Secret) error
}

// Publisher receives each new snapshot once it is safe to serve.
type Publisher interface {
	Publish(*fold.Snapshot)
}

// Sealer encrypts values kept in pebble, bound to their pebble key
// (ledger.Sealer).
type Sealer interface {
	Seal(value, key []byte) []byte
	Open(sealed, key []byte) ([]byte, error)
}

var _ Sealer = (*ledger.Sealer)(nil)

// Config wires a Projector.
type Config struct {
	Source    Source
	Index     IDIndex
	Artifacts ArtifactSource
	Warmer    Warmer
	Publisher Publisher
	DB        *pebble.DB
	// Sealer encrypts the persisted state, which holds function names and
	// routes; nil stores it as plaintext.
	Sealer Sealer
	Logger *slog.Logger
	// BatchSize caps how many records are folded between publications.
	BatchSize int
	// MaxArtifactBytes is the largest artifact this node admits in a
	// deploy, fetches and compiles (0: schemas.DefaultMaxArtifactBytes).
	// The CLI checks it too, but a deploy record need not come from the
	// CLI: this is the check that holds.
	MaxArtifactBytes int64
}

// Projector keeps a node's State in step with the ledger.
type Projector struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	snap   *fold.Snapshot
	notify chan struct{}     // closed and replaced on every publication
	sigs   *sigCache         // verdicts shared with the Admission gate
	recent [recentIDs]string // event IDs of recently applied records, by seq % recentIDs
	saved  saved             // what pebble holds of the state (Run's goroutine only)
	// prefetch batch-verifies the signatures of a long run of records, as
	// a node catching up receives (Run's goroutine only).
	prefetch *sigPrefetch
	// failedSecrets is the secrets revision each failed version (by
	// fold.FailKey) failed with: a new revision (a rekey) is tried again
	// (Run's goroutine only).
	failedSecrets map[string]uint64
}

// recentIDs is how many applied records' IDs the projector remembers, for
// the Admission gate to confirm what it admitted.
const recentIDs = 8192

// recordID is the event ID of applied record seq, if still remembered.
func (p *Projector) recordID(seq uint64) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seq == 0 || seq > p.snap.State.Seq || p.snap.State.Seq-seq >= recentIDs {
		return "", false
	}
	return p.recent[seq%recentIDs], true
}

// New makes a projector; Run starts it.
func New(cfg Config) *Projector {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 256
	}
	return &Projector{cfg: cfg, log: cfg.Logger, notify: make(chan struct{}), sigs: newSigCache(1 << 14),
		snap: &fold.Snapshot{State: fold.NewState(), Served: map[string]fold.Served{}}}
}

// Current returns the latest published snapshot.
func (p *Projector) Current() *fold.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snap
}

// WaitApplied blocks until the projector has applied record seq.
func (p *Projector) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		p.mu.Lock()
		applied, ch := p.snap.State.Seq, p.notify
		p.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for seq %d (applied %d): %w", seq, applied, ctx.Err())
		}
	}
}

// Run loads the persisted state, warms what it serves, then folds new
// records as they arrive until ctx ends.
func (p *Projector) Run(ctx context.Context) error {
	st, err := p.loadState()
	if err != nil {
		return err
	}
	served, failed := p.warm(ctx, st, map[string]fold.Served{}, map[string]string{})
	p.publish(st, served, failed)
	if st.Seq > 0 {
		p.log.Info("projector restored", "seq", st.Seq, "functions", len(st.Functions), "served", len(served))
	}

	recs := make(chan ledger.Record, 4*p.cfg.BatchSize)
	followErr := make(chan error, 1)
	go func() { followErr <- p.cfg.Source.Follow(ctx, st.Seq+1, recs) }()
	for {
		var first ledger.Record
		select {
		case <-ctx.Done():
			return nil
		case err := <-followErr:
			if err != nil {
				return err
			}
			followErr = nil // keep applying what it delivered
			continue
		case first = <-recs:
		}
		batch := []ledger.Record{first}
	drain:
		for len(batch) < p.cfg.BatchSize {
			select {
			case r := <-recs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		if err := p.apply(ctx, st, batch); err != nil {
			return err
		}
		served, failed = p.warm(ctx, st, served, failed)
		p.publish(st, served, failed)
		if err := p.saveState(st); err != nil {
			return err
		}
	}
}

func (p *Projector) apply(ctx context.Context, st *fold.State, batch []ledger.Record) error {
	defer func() {
		p.mu.Lock()
		for _, r := range batch {
			p.recent[r.Seq%recentIDs] = r.ID
		}
		p.mu.Unlock()
	}()
	check := p.batchCheck(st, batch)
	for _, r := range batch {
		if r.Seq <= st.Seq {
			continue // redelivered
		}
		if r.Seq != st.Seq+1 {
			return fmt.Errorf("projector: gap in ledger: got seq %d after %d", r.Seq, st.Seq)
		}
		if p.cfg.Index != nil {
			first, ok, err := p.cfg.Index.FirstSeq(r.ID)
			if err != nil {
				return err
			}
			if ok && first < r.Seq {
				err := fold.RejectReplay(st, r.Seq, r.ID, first)
				p.log.Warn("record rejected at projection", "seq", r.Seq, "id", r.ID, "err", err)
				continue
			}
		}
		if err := fold.ApplyWith(st, r.Seq, r.ID, r.Envelope, check); err != nil {
			p.log.Warn("record rejected at projection", "seq", r.Seq, "id", r.ID, "err", err)
		}
	}
	return nil
}

// warm brings served up to date with st: a function's new traffic goes
// live only once every version in it warmed; until then (or for good, if
// one fails) the node serves what it served before.
func (p *Projector) warm(ctx context.Context, st *fold.State, served map[string]fold.Served, failed map[string]string) (map[string]fold.Served, map[string]string) {
	next := maps.Clone(served)
	for name := range served {
		if f := st.Functions[name]; f == nil || (f.State != fold.Active && f.State != fold.Paused && f.State != fold.Stopped) {
			delete(next, name)
		}
	}
	for name, f := range st.Functions {
		want, ok := fold.ServedFor(st, f)
		if !ok {
			continue
		}
		if cur, ok := served[name]; ok && cur.Equal(want) {
			continue
		}
		if !want.Paused && !want.Stopped && !p.warmAll(ctx, f, want, &failed) {
			continue
		}
		next[name] = want
	}
	return next, p.pruneFailed(st, failed)
}

// pruneFailed drops the failures of activations the ledger has moved on
// from (a later activation, a rollback, a retirement): only the current
// activation's failures say why a node does not serve what the ledger
// asks, and old ones would be listed as "not served here" for ever.
func (p *Projector) pruneFailed(st *fold.State, failed map[string]string) map[string]string {
	current := map[string]bool{}
	for name, f := range st.Functions {
		for _, share := range f.Traffic() {
			current[fold.FailKey(name, share.Version, f.ActivatedSeq)] = true
		}
	}
	pruned := failed
	for key := range failed {
		if current[key] {
			continue
		}
		if len(pruned) == len(failed) {
			pruned = maps.Clone(failed) // published maps never change
		}
		delete(pruned, key)
		delete(p.failedSecrets, key)
	}
	return pruned
}

// warmAll warms every version of want, unless one failed before; a new
// failure is added to *failed (a copy: published maps never change).
func (p *Projector) warmAll(ctx context.Context, f *fold.Function, want fold.Served, failed *map[string]string) bool {
	for _, v := range want.Versions {
		key := fold.FailKey(want.Function, v.Version, want.ActivatedSeq)
		_, failedBefore := (*failed)[key]
		if failedBefore && p.failedSecrets[key] == v.Secrets {
			return false
		}
		if err := p.warmOne(ctx, want.Function, v, f.Versions[v.Version-1].Size, f.Secrets); err != nil {
			p.log.Error("version failed to warm; serving the previous one", "fn", want.Function, "version", v.Version, "err", err)
			*failed = maps.Clone(*failed)
			(*failed)[key] = err.Error()
			if p.failedSecrets == nil {
				p.failedSecrets = map[string]uint64{}
			}
			p.failedSecrets[key] = v.Secrets
			return false
		}
		if failedBefore {
			// Its secrets changed since it failed, and now it warms.
			*failed = maps.Clone(*failed)
			delete(*failed, key)
			delete(p.failedSecrets, key)
		}
	}
	return true
}

// warmOne fetches and compiles version v with fn's secrets, whose deploy record gave its
// artifact size bytes. The record's size is checked before the fetch and
// the blob's own after it, before the compile (a hand-made record may
// understate it).
func (p *Projector) warmOne(ctx context.Context, fn string, v fold.ServedVersion, size int64, secrets map[string]fold.Secret) error {
	if err := p.checkSize(size); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	blob, err := p.cfg.Artifacts.Get(ctx, v.Artifact)
	if err != nil {
		return err
	}
	if err := p.checkSize(int64(len(blob))); err != nil {
		return err
	}
	return p.cfg.Warmer.Warm(ctx, fn, v, blob, secrets)
}

// checkSize refuses an artifact over the node's MaxArtifactBytes, saying
// how the node raises it.
func (p *Projector) checkSize(size int64) error {
	if err := schemas.CheckArtifactSize(size, p.cfg.MaxArtifactBytes); err != nil {
		return fmt.Errorf("%w (this node's limits.max_artifact_size, vault serve --max-artifact-size)", err)
	}
	return nil
}

func (p *Projector) publish(st *fold.State, served map[string]fold.Served, failed map[string]string) {
	snap := &fold.Snapshot{State: st.Clone(), Served: served, Failed: failed}
	p.cfg.Publisher.Publish(snap)
	p.mu.Lock()
	p.snap = snap
	close(p.notify)
	p.notify = make(chan struct{})
	p.mu.Unlock()
}
