package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// The sequencer is the only writer of the stream from this node. It takes
// the appends waiting at that moment (at most maxBatch), admits them one
// by one in order, and publishes them together, each expecting its
// predecessor's sequence. A completer waits for the acknowledgements (each
// fsynced by JetStream), indexes the group in pebble and answers the
// callers, while the sequencer already admits and publishes the next
// group: group commit, pipelined, so appenders share the fsync latency
// instead of queueing behind it.
//
// If a group fails (another writer moved the stream, a publish error),
// the groups published after it fail too, since they expect sequences
// that no longer follow. The sequencer then waits for the pipeline to
// drain, restarts from the committed head, and retries what is worth it.

var errEarlierGroupFailed = errors.New("an earlier group failed")

// pipelineDepth is how many published groups may await acknowledgement.
const pipelineDepth = 4

type group struct {
	base     uint64 // head before the group
	admitted []*appendReq
	twins    map[string][]*appendReq // the same envelope twice in one group
	futures  []jetstream.PubAckFuture
	pubErr   error
}

type pipeline struct {
	mu      sync.Mutex
	retry   []*appendReq
	broken  bool // a group failed: drain and resync before the next
	pending sync.WaitGroup
	// wake tells a sequencer waiting for new requests that retries are
	// queued (their callers are waiting, so none may come otherwise).
	wake chan struct{}
}

func (s *Store) sequence(ctx context.Context) {
	defer close(s.done)
	p := pipeline{wake: make(chan struct{}, 1)}
	groups := make(chan *group, pipelineDepth)
	completed := make(chan struct{})
	go func() {
		defer close(completed)
		for g := range groups {
			s.complete(ctx, g, &p)
			p.pending.Done()
		}
	}()
	defer func() { close(groups); <-completed }()

	next := s.head.Load() // where the next group starts
	for {
		p.mu.Lock()
		broken, batch := p.broken, p.retry
		p.retry = nil
		p.mu.Unlock()
		if broken {
			p.pending.Wait()
			s.resync(ctx)
			next = s.head.Load()
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
		g := s.admit(batch, next)
		if len(g.admitted) == 0 {
			continue
		}
		s.publish(g)
		next = g.base + uint64(len(g.admitted))
		p.pending.Add(1)
		groups <- g
	}
}

// admit judges a batch as records base+1, base+2, …
func (s *Store) admit(batch []*appendReq, base uint64) *group {
	prepare(batch)
	g := &group{base: base, twins: map[string][]*appendReq{}}
	first := map[string]*appendReq{}
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.done <- appendResult{err: fmt.Errorf("append %s: %w", r.id, r.ctx.Err())}
			continue
		}
		if seq, ok, err := s.idx.lookup(r.id); err != nil || ok {
			r.done <- appendResult{res: Appended{Seq: seq, ID: r.id, Duplicate: ok}, err: err}
			continue
		}
		if f, ok := first[r.id]; ok {
			g.twins[f.id] = append(g.twins[f.id], r)
			continue
		}
		next := base + uint64(len(g.admitted))
		if r.opts.ExpectHead != 0 && r.opts.ExpectHead != next {
			r.done <- appendResult{err: fmt.Errorf("append %s: head is %d, expected %d: %w", r.id, next, r.opts.ExpectHead, ErrHeadMoved)}
			continue
		}
		if err := r.gate.Admit(r.ctx, next, r.envelope); err != nil {
			r.done <- appendResult{err: fmt.Errorf("append %s at seq %d: %w: %w", r.id, next+1, ErrRejected, err)}
			continue
		}
		first[r.id] = r
		g.admitted = append(g.admitted, r)
	}
	return g
}

func (s *Store) publish(g *group) {
	g.futures = make([]jetstream.PubAckFuture, 0, len(g.admitted))
	for i, r := range g.admitted {
		f, err := s.js.PublishAsync(RecordsSubject, r.envelope,
			jetstream.WithMsgID(r.id), jetstream.WithExpectLastSequence(g.base+uint64(i)))
		if err != nil {
			g.pubErr = err
			return
		}
		g.futures = append(g.futures, f)
	}
}

// complete waits for a group's acknowledgements, indexes what committed
// and answers every caller.
func (s *Store) complete(ctx context.Context, g *group, p *pipeline) {
	var committed []Record
	failedAt, failErr := len(g.futures), g.pubErr
	for i, f := range g.futures {
		select {
		case ack := <-f.Ok():
			want := g.base + uint64(i) + 1
			if i < failedAt && ack.Sequence == want && !ack.Duplicate {
				committed = append(committed, Record{Seq: ack.Sequence, ID: g.admitted[i].id, Envelope: g.admitted[i].envelope})
				continue
			}
			if i < failedAt {
				failedAt, failErr = i, fmt.Errorf("stream stored seq %d (duplicate %v), expected %d", ack.Sequence, ack.Duplicate, want)
			}
		case err := <-f.Err():
			if i < failedAt {
				failedAt, failErr = i, err
			}
		case <-ctx.Done():
			if i < failedAt {
				failedAt, failErr = i, ctx.Err()
			}
		}
	}
	if len(committed) > 0 && s.head.Load() != g.base {
		// An earlier group failed: these acks cannot have lined up.
		committed, failedAt, failErr = nil, 0, errEarlierGroupFailed
	}
	if err := s.idx.put(committed...); err != nil {
		// The records are in the stream; resync re-indexes them.
		s.log.Error("index commit failed", "from", g.base+1, "count", len(committed), "err", err)
		committed, failedAt, failErr = nil, 0, err
	}
	if len(committed) > 0 {
		s.head.Store(g.base + uint64(len(committed)))
		select {
		case s.committed <- struct{}{}:
		default:
		}
	}
	var retry []*appendReq
	for i, r := range g.admitted {
		var res appendResult
		if i < len(committed) {
			res.res = Appended{Seq: committed[i].Seq, ID: r.id}
		} else {
			res.err = fmt.Errorf("append %s: publish: %w", r.id, failErr)
			if r.attempts < 3 && retryable(failErr) {
				r.attempts++
				retry = append(retry, r)
				retry = append(retry, g.twins[r.id]...)
				continue
			}
		}
		r.done <- res
		for _, t := range g.twins[r.id] {
			t.done <- appendResult{res: Appended{Seq: res.res.Seq, ID: r.id, Duplicate: res.err == nil}, err: res.err}
		}
	}
	if len(committed) < len(g.admitted) {
		p.mu.Lock()
		p.broken = true
		p.retry = append(p.retry, retry...)
		p.mu.Unlock()
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// resync re-reads the stream's head after a failed group, indexing any
// record that reached the stream without being indexed here.
func (s *Store) resync(ctx context.Context) {
	h, err := s.streamHead(ctx)
	if err != nil {
		s.log.Error("resync with the ledger stream", "err", err)
		return
	}
	if h > s.idx.size.Load() {
		if err := s.catchUpIndex(ctx, h); err != nil {
			s.log.Error("resync index", "err", err)
			return
		}
	}
	if h != s.head.Load() {
		s.log.Warn("ledger stream moved under the sequencer; continuing from its head", "head", h)
		s.head.Store(h)
	}
}

// retryable: the group lost its place in line, not its validity.
func retryable(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, errEarlierGroupFailed) ||
		errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
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
