package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vault-runtime/vault/ledger"
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
// calls it before any route of the version is published.
type Warmer interface {
	Warm(ctx context.Context, v Served, artifact []byte) error
}

// Publisher receives each new snapshot once it is safe to serve.
type Publisher interface {
	Publish(*Snapshot)
}

// Served is the version a node actually serves for a function.
type Served struct {
	Function     string   `json:"function"`
	Version      int      `json:"version"`
	Artifact     string   `json:"artifact"`
	Routes       []string `json:"routes"`
	ActivatedSeq uint64   `json:"activatedSeq"`
}

// Snapshot is a consistent view: the ledger state and what this node
// serves from it. Neither is modified after publication.
type Snapshot struct {
	State  *State            `json:"state"`
	Served map[string]Served `json:"served"`
	// Failed names versions this node could not warm, with the reason;
	// their functions keep serving the previous version.
	Failed map[string]string `json:"failed,omitempty"`
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
}

var stateKey = []byte("projector/state")

// Projector keeps a node's State in step with the ledger.
type Projector struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	snap   *Snapshot
	notify chan struct{}     // closed and replaced on every publication
	sigs   *sigCache         // verdicts shared with the Admission gate
	recent [recentIDs]string // event IDs of recently applied records, by seq % recentIDs
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
		snap: &Snapshot{State: NewState(), Served: map[string]Served{}}}
}

// Current returns the latest published snapshot.
func (p *Projector) Current() *Snapshot {
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
	st, err := p.load()
	if err != nil {
		return err
	}
	served, failed := p.warm(ctx, st, map[string]Served{}, map[string]string{})
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
		if err := p.save(st); err != nil {
			return err
		}
		p.publish(st, served, failed)
	}
}

func (p *Projector) apply(ctx context.Context, st *State, batch []ledger.Record) error {
	defer func() {
		p.mu.Lock()
		for _, r := range batch {
			p.recent[r.Seq%recentIDs] = r.ID
		}
		p.mu.Unlock()
	}()
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
				err := FoldReplay(st, r.Seq, r.ID, first)
				p.log.Warn("record rejected at projection", "seq", r.Seq, "id", r.ID, "err", err)
				continue
			}
		}
		if err := FoldWith(st, r.Seq, r.ID, r.Envelope, p.sigs.check); err != nil {
			p.log.Warn("record rejected at projection", "seq", r.Seq, "id", r.ID, "err", err)
		}
	}
	return nil
}

// warm brings served up to date with the active versions in st: a new
// active version replaces the served one only once it warmed.
func (p *Projector) warm(ctx context.Context, st *State, served map[string]Served, failed map[string]string) (map[string]Served, map[string]string) {
	next := maps.Clone(served)
	for name, f := range st.Functions {
		v, ok := f.ActiveVersion()
		if !ok {
			continue
		}
		want := Served{Function: name, Version: v.Number, Artifact: v.Artifact, Routes: v.Routes, ActivatedSeq: f.ActivatedSeq}
		if cur, ok := served[name]; ok && cur.Version == want.Version && cur.ActivatedSeq == want.ActivatedSeq {
			continue
		}
		key := fmt.Sprintf("%s@v%d (activated at seq %d)", name, v.Number, f.ActivatedSeq)
		if _, ok := failed[key]; ok {
			continue
		}
		if err := p.warmOne(ctx, want); err != nil {
			p.log.Error("version failed to warm; serving the previous one", "fn", name, "version", v.Number, "err", err)
			failed = maps.Clone(failed)
			failed[key] = err.Error()
			continue
		}
		next[name] = want
	}
	return next, failed
}

func (p *Projector) warmOne(ctx context.Context, v Served) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	blob, err := p.cfg.Artifacts.Get(ctx, v.Artifact)
	if err != nil {
		return err
	}
	return p.cfg.Warmer.Warm(ctx, v, blob)
}

func (p *Projector) publish(st *State, served map[string]Served, failed map[string]string) {
	snap := &Snapshot{State: st.Clone(), Served: served, Failed: failed}
	p.cfg.Publisher.Publish(snap)
	p.mu.Lock()
	p.snap = snap
	close(p.notify)
	p.notify = make(chan struct{})
	p.mu.Unlock()
}

func (p *Projector) load() (*State, error) {
	v, closer, err := p.cfg.DB.Get(stateKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return NewState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("load projected state: %w", err)
	}
	defer closer.Close()
	if p.cfg.Sealer != nil {
		if v, err = p.cfg.Sealer.Open(v, stateKey); err != nil {
			// The state is derived from the ledger: rebuild it.
			p.log.Warn("persisted state does not open; replaying the ledger", "err", err)
			return NewState(), nil
		}
	}
	st := NewState()
	if err := json.Unmarshal(v, st); err != nil {
		return nil, fmt.Errorf("load projected state: %w", err)
	}
	return st, nil
}

func (p *Projector) save(st *State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save projected state: %w", err)
	}
	if p.cfg.Sealer != nil {
		data = p.cfg.Sealer.Seal(data, stateKey)
	}
	// No fsync: the state is derived from the ledger; after a power loss
	// the projector replays from whatever seq pebble kept.
	if err := p.cfg.DB.Set(stateKey, data, pebble.NoSync); err != nil {
		return fmt.Errorf("save projected state at seq %d: %w", st.Seq, err)
	}
	return nil
}
