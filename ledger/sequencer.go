package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The sequencer is the only writer of the stream from this node. It takes
// the appends waiting at that moment (at most maxBatch), admits them one
// by one in order, and publishes them together, each expecting its
// predecessor's sequence and message ID. A completer waits for the
// acknowledgements (each fsynced by JetStream), indexes the group in
// pebble and answers the callers, while the sequencer already admits and
// publishes the next group: group commit, pipelined, so appenders share
// the fsync latency instead of queueing behind it.
//
// If a group fails (another writer moved the stream, a publish error),
// the groups published after it fail too: they expect a predecessor that
// is not there. The sequencer then waits for the pipeline to drain,
// restarts from the stream's head, resets the gates (their view included
// records that were never stored) and retries what is worth it.

var errEarlierGroupFailed = errors.New("an earlier group failed")

// errCodeWrongLastMsgID is JetStream's JSStreamWrongLastMsgIDErrF, which
// nats.go does not name.
const errCodeWrongLastMsgID jetstream.ErrorCode = 10070

// errCodeDuplicateInProcess is JetStream's answer to a message whose ID
// another writer is storing at that moment (two hubs appending the same
// envelope, e.g. the genesis): a retry finds it stored.
const errCodeDuplicateInProcess jetstream.ErrorCode = 10158

// pipelineDepth is how many published groups may await acknowledgement.
const pipelineDepth = 4

// maxAttempts bounds how often an append that lost its place in line (to
// a failed group, or to another writer: the hubs of a cluster, nodes on a
// shared NATS) is admitted again, within its caller's deadline.
const maxAttempts = 100

type group struct {
	base     uint64 // head before the group
	prevID   string // message ID of record base ("" if unknown)
	admitted []*appendReq
	futures  []jetstream.PubAckFuture
	pubErr   error
}

type pipeline struct {
	mu     sync.Mutex
	retry  []*appendReq
	broken bool // a group failed: drain and resync before the next
	// inflight holds every admitted request until it is answered, by event
	// ID, so a copy of an envelope that is still in flight waits for the
	// first copy's answer instead of being admitted twice.
	inflight map[string]*appendReq
	pending  sync.WaitGroup
	// wake tells a sequencer waiting for new requests that retries are
	// queued (their callers are waiting, so none may come otherwise).
	wake chan struct{}
	// unanswered is set when the stream did not answer: the retry waits
	// longer (a leader election takes seconds).
	unanswered bool
}

func (s *Store) sequence(ctx context.Context, prevID string) {
	defer close(s.done)
	p := &pipeline{wake: make(chan struct{}, 1), inflight: map[string]*appendReq{}}
	groups := make(chan *group, pipelineDepth)
	completed := make(chan struct{})
	go func() {
		defer close(completed)
		for g := range groups {
			s.complete(ctx, g, p)
			p.pending.Done()
		}
	}()
	defer func() { close(groups); <-completed }()

	resetters := map[Resetter]bool{} // Resetters are pointers in practice: comparable
	next := s.head.Load()            // where the next group starts
	for ctx.Err() == nil {
		p.mu.Lock()
		broken, batch := p.broken, p.retry
		p.retry = nil
		p.mu.Unlock()
		if broken {
			p.pending.Wait()
			// Another writer may be appending in a loop: a random pause
			// before taking the head again lets this one win sometimes.
			pause := rand.N(2 * time.Millisecond)
			p.mu.Lock()
			if p.unanswered {
				pause, p.unanswered = 250*time.Millisecond, false
			}
			p.mu.Unlock()
			time.Sleep(pause)
			prevID = s.resync(ctx)
			next = s.head.Load()
			for r := range resetters {
				r.Reset()
			}
			p.mu.Lock()
			p.broken = false
			batch = append(batch, p.retry...)
			p.retry = nil
			p.mu.Unlock()
		}
		if len(batch) == 0 {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			case <-p.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		if s.idx.size.Load() > next {
			// The tail indexed records another writer appended (a hub of
			// a cluster): take the head again before admitting on it.
			p.mu.Lock()
			p.broken = true
			p.retry = append(p.retry, batch...)
			p.mu.Unlock()
			continue
		}
		for _, r := range batch {
			if rs, ok := r.gate.(Resetter); ok {
				resetters[rs] = true
			}
		}
		g := s.admit(batch, next, prevID, p)
		if len(g.admitted) == 0 {
			continue
		}
		s.publish(g)
		next = g.base + uint64(len(g.admitted))
		prevID = g.admitted[len(g.admitted)-1].id
		p.pending.Add(1)
		groups <- g
	}
}

// admit judges a batch as records base+1, base+2, …
func (s *Store) admit(batch []*appendReq, base uint64, prevID string, p *pipeline) *group {
	prepare(batch)
	g := &group{base: base, prevID: prevID}
	for _, r := range batch {
		if r.ctx.Err() != nil {
			s.answer(p, r, appendResult{err: fmt.Errorf("append %s: %w", r.id, r.ctx.Err())})
			continue
		}
		p.mu.Lock()
		first := p.inflight[r.id]
		if first != nil && first != r {
			first.twins = append(first.twins, r)
		}
		p.mu.Unlock()
		if first != nil && first != r {
			continue // answered with the first copy
		}
		// Not in flight: the index answers for anything committed (the
		// completer indexes before it lets go of the in-flight entry).
		if seq, ok, err := s.idx.lookup(r.id); err != nil || ok {
			s.answer(p, r, appendResult{res: Appended{Seq: seq, ID: r.id, Duplicate: ok}, err: err})
			continue
		}
		next := base + uint64(len(g.admitted))
		if r.opts.ExpectHead != 0 && r.opts.ExpectHead != next {
			s.answer(p, r, appendResult{err: &AppendError{Kind: ErrHeadMoved, ID: r.id, Seq: next + 1,
				Reason: fmt.Sprintf("the ledger's head is seq %d, expected %d", next, r.opts.ExpectHead)}})
			continue
		}
		if err := r.gate.Admit(r.ctx, next, r.envelope); err != nil {
			if !errors.Is(err, ErrBehind) && s.headMoved(r.ctx, base) {
				// Judged on a state another writer has moved past (a
				// hub of a cluster appended what this one has not
				// indexed yet): judge it again on the stream's head.
				err = fmt.Errorf("%w: %w", ErrBehind, err)
			}
			if errors.Is(err, ErrBehind) && r.attempts < maxAttempts {
				// Not this envelope's fault: retry it on the new head.
				r.attempts++
				p.mu.Lock()
				p.broken = true
				p.retry = append(p.retry, r)
				p.mu.Unlock()
				continue
			}
			kind := ErrRejected
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				kind = ErrUnavailable
			}
			s.answer(p, r, appendResult{err: refused(kind, r.id, next+1, err)})
			continue
		}
		p.mu.Lock()
		p.inflight[r.id] = r
		p.mu.Unlock()
		g.admitted = append(g.admitted, r)
	}
	return g
}

func (s *Store) publish(g *group) {
	g.futures = make([]jetstream.PubAckFuture, 0, len(g.admitted))
	prev := g.prevID
	for i, r := range g.admitted {
		opts := []jetstream.PublishOpt{jetstream.WithMsgID(r.id), jetstream.WithExpectLastSequence(g.base + uint64(i))}
		if prev != "" {
			// A count alone could line up with another writer's records.
			opts = append(opts, jetstream.WithExpectLastMsgID(prev))
		}
		f, err := s.js.PublishAsync(RecordsSubject, r.envelope, opts...)
		if err != nil {
			g.pubErr = err
			return
		}
		g.futures = append(g.futures, f)
		prev = r.id
	}
}

// waitAck waits for one acknowledgement; after ctx ends it still takes one
// that has already arrived.
func waitAck(ctx context.Context, f jetstream.PubAckFuture) (*jetstream.PubAck, error) {
	select {
	case ack := <-f.Ok():
		return ack, nil
	case err := <-f.Err():
		return nil, err
	case <-ctx.Done():
		select {
		case ack := <-f.Ok():
			return ack, nil
		default:
			return nil, ctx.Err()
		}
	}
}

// complete waits for a group's acknowledgements, indexes what committed
// and answers every caller.
func (s *Store) complete(ctx context.Context, g *group, p *pipeline) {
	var committed []Record
	dupAt := map[int]uint64{} // an envelope JetStream already had, and where
	failedAt, failErr := len(g.futures), g.pubErr
	for i, f := range g.futures {
		if i > failedAt {
			break
		}
		ack, err := waitAck(ctx, f)
		want := g.base + uint64(i) + 1
		switch {
		case err != nil:
			failedAt, failErr = i, err
		case ack.Duplicate:
			// Stored before under this event ID: that is the answer for
			// this envelope, and the rest of the group lost its place.
			dupAt[i] = ack.Sequence
			failedAt, failErr = i, errEarlierGroupFailed
		case ack.Sequence != want:
			failedAt, failErr = i, fmt.Errorf("stream stored seq %d, expected %d", ack.Sequence, want)
		default:
			committed = append(committed, Record{Seq: ack.Sequence, ID: g.admitted[i].id, Envelope: g.admitted[i].envelope})
		}
	}
	if len(committed) > 0 && s.head.Load() != g.base {
		// An earlier group failed: these acks cannot have lined up.
		committed, failErr = nil, errEarlierGroupFailed
	}
	if err := s.idx.put(committed...); err != nil {
		// The records are in the stream; resync re-indexes them.
		s.log.Error("index commit failed", "from", g.base+1, "count", len(committed), "err", err)
		committed, failErr = nil, err
	}
	if len(committed) > 0 {
		s.head.Store(g.base + uint64(len(committed)))
		s.signalCommitted()
	}
	var retry []*appendReq
	for i, r := range g.admitted {
		switch seq, dup := dupAt[i]; {
		case i < len(committed):
			s.answer(p, r, appendResult{res: Appended{Seq: committed[i].Seq, ID: r.id}})
		case dup:
			s.answer(p, r, appendResult{res: Appended{Seq: seq, ID: r.id, Duplicate: true}})
		case r.attempts < maxAttempts && ctx.Err() == nil && retryable(failErr):
			r.attempts++
			retry = append(retry, r) // stays in flight, with its twins
		default:
			s.answer(p, r, appendResult{err: fmt.Errorf("append %s: publish: %w", r.id, failErr)})
		}
	}
	if len(committed) < len(g.admitted) {
		p.mu.Lock()
		p.broken = true
		p.unanswered = p.unanswered || unavailable(failErr)
		p.retry = append(p.retry, retry...)
		p.mu.Unlock()
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// answer replies to a request and every copy of it that waited for it,
// and lets go of its in-flight entry.
func (s *Store) answer(p *pipeline, r *appendReq, res appendResult) {
	p.mu.Lock()
	if p.inflight[r.id] == r {
		delete(p.inflight, r.id)
	}
	twins := r.twins
	r.twins = nil
	p.mu.Unlock()
	r.done <- res
	for _, t := range twins {
		tr := res
		tr.res.Duplicate = res.err == nil
		t.done <- tr
	}
}

// resync re-reads the stream's head after a failed group, indexing any
// record that reached the stream without being indexed here, and returns
// the message ID of the last record.
func (s *Store) resync(ctx context.Context) string {
	// Read what is indexed first: the tail may index more meanwhile, but
	// never beyond the head read after it.
	indexed := s.idx.size.Load()
	h, err := s.streamHead(ctx)
	if err != nil {
		s.log.Error("resync with the ledger stream", "err", err)
		return ""
	}
	if h < indexed {
		s.markDamaged(fmt.Errorf("the ledger stream ends at seq %d but this node had indexed %d records", h, indexed))
	} else if h > indexed {
		if err := s.catchUpIndex(ctx, h); err != nil {
			s.log.Error("resync index", "err", err)
		}
	}
	if h != s.head.Load() {
		s.log.Info("another writer appended; continuing from the stream's head", "head", h)
		s.head.Store(h)
	}
	return s.lastMsgID(ctx, h)
}

// retryable: the group lost its place in line, not its validity.
func retryable(err error) bool {
	var apiErr *jetstream.APIError
	return unavailable(err) || errors.Is(err, errEarlierGroupFailed) ||
		errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == errCodeWrongLastMsgID || apiErr.ErrorCode == errCodeDuplicateInProcess)
}

// headMoved reports whether the stream holds records past base that this
// node has not indexed: another writer appended them. A refusal judged on
// base would judge a history that is not the ledger's.
func (s *Store) headMoved(ctx context.Context, base uint64) bool {
	if s.idx.size.Load() > base {
		return true
	}
	h, err := s.streamHead(ctx)
	return err == nil && h > base
}

// unavailable: the stream did not answer, as while the hubs of a cluster
// elect a new leader for it. Whether the record was stored is unknown
// until the resync reads the stream; a retry is then a duplicate or new.
func unavailable(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, jetstream.ErrAsyncPublishTimeout)
}

// prepare lets each gate that can do so look at its envelopes together.
func prepare(batch []*appendReq) {
	if len(batch) < 2 {
		return
	}
	groups := map[Gate][][]byte{}
	for _, r := range batch {
		if _, ok := r.gate.(Preparer); ok {
			groups[r.gate] = append(groups[r.gate], r.envelope)
		}
	}
	for g, envs := range groups {
		g.(Preparer).Prepare(envs)
	}
}
