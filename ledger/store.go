package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// Gate decides whether an envelope may follow the record at head. The
// sequencer calls it for one envelope at a time, in sequence order: an
// admitted envelope becomes record head+1 unless publishing fails, in
// which case the next call names the same head again.
type Gate interface {
	Admit(ctx context.Context, head uint64, envelope []byte) error
}

// Preparer is an optional Gate method: the sequencer hands it a whole
// group of envelopes before admitting them one by one, so it can do the
// order-independent work (signature checks) in parallel.
type Preparer interface {
	Prepare(envelopes [][]byte)
}

// Resetter is an optional Gate method: the sequencer calls it after a
// group failed, since what the gate admitted on top of that group's
// records describes a history the ledger does not have. A Resetter must be
// comparable (a pointer), as must a Preparer.
type Resetter interface {
	Reset()
}

// Appended is the outcome of an append.
type Appended struct {
	Seq uint64 `json:"seq"`
	ID  string `json:"id"`
	// Duplicate is true when the envelope was already in the ledger; Seq
	// is then its original sequence.
	Duplicate bool `json:"duplicate,omitempty"`
}

// AppendOptions are optional conditions on an append.
type AppendOptions struct {
	// ExpectHead, when non-zero, makes the append fail with ErrHeadMoved
	// unless it would land directly after record ExpectHead.
	ExpectHead uint64
}

// maxBatch caps how many appends one group commit takes.
const maxBatch = 256

// Store is a node's handle on the ledger stream and its pebble index. All
// appends go through one sequencer goroutine that commits them in groups.
type Store struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	idx    *index
	log    *slog.Logger

	// mirror names the hub's JetStream domain when the local stream is a
	// mirror of the hub's: such a store takes no appends.
	mirror string
	topo   Topology

	reqs chan *appendReq
	head atomic.Uint64 // the sequencer's view of the stream's head
	// damaged, once set, refuses every append: the stream lost or changed
	// records (holds an error).
	damaged atomic.Pointer[error]
	// committed gets a signal after every group commit.
	committed chan struct{}
	stop      context.CancelFunc
	done      chan struct{} // the sequencer ended
	tailDone  chan struct{}
}

type appendReq struct {
	ctx      context.Context
	envelope []byte
	id       string
	gate     Gate
	opts     AppendOptions
	attempts int
	done     chan appendResult
	twins    []*appendReq // copies sent while this one was in flight
}

type appendResult struct {
	res Appended
	err error
}

// StreamConfig is the LEDGER stream's configuration.
func StreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Vault ledger: signed envelopes, append-only",
		Subjects:    []string{RecordsSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxMsgSize:  events.MaxEnvelopeSize,
		Duplicates:  2 * time.Minute,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}
}

// Open creates the LEDGER stream when missing (a mirror of the hub's when
// topo says so), brings the index up to the stream's head (a crash between
// publish and index is repaired here), starts the tail that indexes records
// this node did not append, and, unless the stream is a mirror, starts the
// sequencer. Close stops them.
func Open(ctx context.Context, js jetstream.JetStream, db *pebble.DB, topo Topology, log *slog.Logger) (*Store, error) {
	idx, err := openIndex(db)
	if err != nil {
		return nil, err
	}
	cfg := topo.streamConfig(StreamConfig())
	var stream jetstream.Stream
	if indexed := idx.size.Load(); indexed > 0 && topo.Mirror == "" && topo.Replicas <= 1 {
		// This node stored records before: its stream must exist. Creating
		// it would put an empty ledger (and, under JetStream's encryption,
		// a new key) over whatever JetStream failed to recover. (A cluster's
		// replicated stream is the meta leader's to create or find.)
		stream, err = existingStream(ctx, js, cfg, indexed)
	} else {
		stream, err = openStream(ctx, js, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger stream: %w", err)
	}
	if err := idx.check(); err != nil {
		log.Warn("the ledger index is incomplete; rebuilding it from the stream", "indexed", idx.size.Load(), "err", err)
		if err := idx.reset(); err != nil {
			return nil, err
		}
	}
	s := &Store{js: js, stream: stream, idx: idx, log: log, mirror: topo.Mirror, topo: topo, reqs: make(chan *appendReq, maxBatch),
		done: make(chan struct{}), tailDone: make(chan struct{}), committed: make(chan struct{}, 1)}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger head: %w", err)
	}
	head, st := info.State.LastSeq, info.State
	s.head.Store(head)
	switch indexed := idx.size.Load(); {
	case head < indexed && topo.Mirror != "":
		// An edge that lost the tail of its mirror (a power loss without
		// fsync) gets it back from the hub; the tail waits for it.
		log.Warn("the ledger mirror lost records this node had indexed; they come back from the hub", "mirror", head, "indexed", indexed)
	case head < indexed:
		return nil, fmt.Errorf("open ledger: the stream ends at seq %d but this node had indexed (and acknowledged) %d records: records %d..%d: %w; "+
			"the node will neither serve nor append until the stream is restored (from a replica or a backup of its data directory)", head, indexed, head+1, indexed, ErrLost)
	case head > 0 && (st.FirstSeq != 1 || st.Msgs != head):
		s.markDamaged(fmt.Errorf("the ledger stream has holes: it holds %d records for sequences %d..%d", st.Msgs, st.FirstSeq, head))
	default:
		if err := s.catchUpIndex(ctx, head); err != nil {
			return nil, err
		}
	}
	runCtx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.tail(runCtx)
	if s.mirror == "" {
		go s.sequence(runCtx, s.lastMsgID(ctx, head))
	} else {
		close(s.done)
	}
	return s, nil
}

// Close stops the sequencer and the tail; appends in flight fail.
func (s *Store) Close() {
	s.stop()
	<-s.done
	<-s.tailDone
}

// lastMsgID is the Nats-Msg-Id of record seq, as JetStream will compare
// it ("" for none or an empty stream).
func (s *Store) lastMsgID(ctx context.Context, seq uint64) string {
	if seq == 0 {
		return ""
	}
	msg, err := s.stream.GetMsg(ctx, seq)
	if err != nil {
		return ""
	}
	return msg.Header.Get(jetstream.MsgIDHeader)
}

// Committed signals (coalesced) that records were committed.
func (s *Store) Committed() <-chan struct{} { return s.committed }

// Damaged reports why the store refuses appends, or nil.
func (s *Store) Damaged() error {
	if p := s.damaged.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Store) markDamaged(err error) {
	if s.damaged.CompareAndSwap(nil, &err) {
		s.log.Error("LEDGER DAMAGED: appends are refused; run 'vault ledger verify' and restore from a replica or an export", "err", err)
	}
}

// Scrub reads every stored record and checks it against the index: the
// sequence has no holes and each record's event ID is the one indexed at
// that sequence. JetStream drops a message whose checksum fails only when
// it is read, so this is what notices a damaged store file. On the first
// problem the store refuses appends.
func (s *Store) Scrub(ctx context.Context) error {
	head := s.Head()
	next := uint64(1)
	err := ReadRecords(ctx, s.js, 1, head, func(r Record) error {
		if r.Seq != next {
			return fmt.Errorf("record %d is missing from the stream (next stored record is seq %d)", next, r.Seq)
		}
		seq, ok, err := s.idx.lookup(r.ID)
		if err != nil {
			return err
		}
		switch {
		case ok && seq < r.Seq:
			s.log.Warn("ledger record replays an earlier one; projection rejects it", "seq", r.Seq, "first", seq, "id", r.ID)
		case !ok || seq != r.Seq:
			return fmt.Errorf("record %d (event %s) is not the record indexed at that sequence", r.Seq, r.ID)
		}
		next++
		return nil
	})
	if err == nil && next <= head {
		err = fmt.Errorf("records %d..%d are missing from the stream", next, head)
	}
	if err != nil && ctx.Err() == nil {
		s.markDamaged(err)
		return err
	}
	s.log.Info("ledger scrubbed", "records", next-1)
	return nil
}

func (s *Store) streamHead(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("ledger head: %w", err)
	}
	return info.State.LastSeq, nil
}

func (s *Store) catchUpIndex(ctx context.Context, head uint64) error {
	from := s.idx.size.Load()
	var batch []Record
	for seq := from + 1; seq <= head; seq++ {
		r, err := s.Get(ctx, seq)
		if err != nil {
			return fmt.Errorf("catch up index: %w", err)
		}
		batch = append(batch, r)
		if len(batch) == 1024 || seq == head {
			if err := s.idx.put(batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if head > from {
		s.log.Info("ledger index caught up", "from", from+1, "to", head)
	}
	return nil
}

// FirstSeq is the sequence at which event id was first stored.
func (s *Store) FirstSeq(id string) (uint64, bool, error) { return s.idx.lookup(id) }

// Head is the sequence of the last record stored and indexed on this node
// (0 for an empty ledger).
func (s *Store) Head() uint64 { return s.idx.size.Load() }

// WaitIndexed blocks until record seq is stored and indexed on this node.
func (s *Store) WaitIndexed(ctx context.Context, seq uint64) error { return s.idx.wait(ctx, seq) }

// Mirror is the JetStream domain of the hub whose ledger this node
// mirrors, or "" for a node that holds the ledger itself.
func (s *Store) Mirror() string { return s.mirror }

// Append adds an envelope to the ledger after gate admits it. Appending
// an envelope that is already stored returns its first sequence.
func (s *Store) Append(ctx context.Context, envelope []byte, gate Gate, opts AppendOptions) (Appended, error) {
	if err := s.Damaged(); err != nil {
		return Appended{}, fmt.Errorf("append refused: %w", err)
	}
	if s.mirror != "" {
		return Appended{}, &AppendError{Kind: ErrMirror, ID: events.ID(envelope)}
	}
	req := &appendReq{ctx: ctx, envelope: envelope, id: events.ID(envelope), gate: gate, opts: opts, done: make(chan appendResult, 1)}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		return Appended{}, fmt.Errorf("append %s: %w", req.id, ctx.Err())
	case <-s.done:
		return Appended{}, fmt.Errorf("append %s: ledger store is closed", req.id)
	}
	select {
	case r := <-req.done:
		return r.res, r.err
	case <-s.done:
		select { // answered while closing?
		case r := <-req.done:
			return r.res, r.err
		default:
			return Appended{}, fmt.Errorf("append %s: ledger store closed before it committed (a retry is idempotent)", req.id)
		}
	case <-ctx.Done():
		// The append may still commit; its ID makes a retry idempotent.
		return Appended{}, fmt.Errorf("append %s: %w", req.id, ctx.Err())
	}
}

// Get reads one record.
func (s *Store) Get(ctx context.Context, seq uint64) (Record, error) {
	msg, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Record{}, fmt.Errorf("get seq %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("get seq %d: %w", seq, err)
	}
	return Record{Seq: msg.Sequence, ID: events.ID(msg.Data), Envelope: msg.Data, Time: msg.Time}, nil
}

// Follow delivers every record from sequence from on, in order, to out
// until ctx ends, each once it is indexed. It blocks only when out is
// full. A consumer that stops delivering while the index has records it
// has not delivered (it lived on a hub that died, or JetStream could not
// recreate it during a leader election) is replaced by a new one that
// starts after the last record delivered.
func (s *Store) Follow(ctx context.Context, from uint64, out chan<- Record) error {
	next := max(from, 1)
	for ctx.Err() == nil {
		var err error
		next, err = s.followOnce(ctx, next, out)
		if errors.Is(err, errFollowStalled) {
			s.log.Warn("ledger follow stalled; following again", "from", next)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var errFollowStalled = errors.New("follow stalled")

// followStall is how long a consumer may deliver nothing while the index
// is ahead of it.
const followStall = 3 * time.Second

// followOnce follows with one consumer; it returns the next sequence to
// deliver and why it stopped (nil when ctx ended).
func (s *Store) followOnce(ctx context.Context, from uint64, out chan<- Record) (uint64, error) {
	var delivered atomic.Uint64
	var busy atomic.Bool
	delivered.Store(from - 1)
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		if ctx.Err() != nil {
			return from, nil
		}
		s.log.Warn("follow ledger: no consumer yet; retrying", "from", from, "err", err)
		time.Sleep(time.Second)
		return from, errFollowStalled
	}
	failed := make(chan error, 1)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		meta, err := msg.Metadata()
		if err != nil {
			// Never skip a record: stop, so the gap cannot go unnoticed.
			select {
			case failed <- fmt.Errorf("follow ledger: record without metadata: %w", err):
			default:
			}
			return
		}
		rec := Record{Seq: meta.Sequence.Stream, ID: events.ID(msg.Data()), Envelope: msg.Data(), Time: meta.Timestamp}
		if rec.Seq <= delivered.Load() {
			return // a new consumer's overlap
		}
		// Deliver only what the index covers, so a reader that checks
		// IDs against it (replays) sees every earlier record.
		if err := s.idx.wait(cctx, rec.Seq); err != nil {
			return
		}
		busy.Store(true) // a slow reader is not a stalled consumer
		defer busy.Store(false)
		select {
		case out <- rec:
			delivered.Store(rec.Seq)
		case <-cctx.Done():
		}
	}, jetstream.PullExpiry(followExpiry), jetstream.PullHeartbeat(followHeartbeat))
	if err != nil {
		s.log.Warn("follow ledger: consume; retrying", "from", from, "err", err)
		time.Sleep(time.Second)
		return from, errFollowStalled
	}
	defer cc.Stop()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last, since := delivered.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return delivered.Load() + 1, nil
		case err := <-failed:
			return delivered.Load() + 1, err
		case <-t.C:
			switch d := delivered.Load(); {
			case d != last || busy.Load():
				last, since = d, time.Now()
			case s.idx.size.Load() > d && time.Since(since) > followStall:
				return d + 1, errFollowStalled
			case s.idx.size.Load() <= d:
				since = time.Now()
			}
		}
	}
}
