package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// backend is a real embedded JetStream and pebble in a temp dir.
type backend struct {
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
	db  *pebble.DB
	dir string
}

func newBackend(t testing.TB) *backend {
	t.Helper()
	return startServer(t, t.TempDir(), &server.Options{DontListen: true})
}

func (b *backend) openDB(t testing.TB) {
	t.Helper()
	db, err := pebble.Open(b.dir+"/index", &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	b.db = db
}

func (b *backend) open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), b.js, b.db, Topology{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// gateFunc adapts a function to Gate.
type gateFunc func(ctx context.Context, head uint64, env []byte) error

func (f gateFunc) Admit(ctx context.Context, head uint64, env []byte) error { return f(ctx, head, env) }

var admitAll = gateFunc(func(context.Context, uint64, []byte) error { return nil })

func envelope(i int) []byte { return fmt.Appendf(nil, `{"n":%d}`, i) }

func TestAppendDedupeOutlivesJetStreamWindow(t *testing.T) {
	b := newBackend(t)
	cfg := StreamConfig()
	cfg.Duplicates = 100 * time.Millisecond // JetStream forgets IDs quickly
	if _, err := b.js.CreateStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	s := b.open(t)
	ctx := context.Background()
	first, err := s.Append(ctx, envelope(1), admitAll, AppendOptions{})
	if err != nil || first.Seq != 1 || first.Duplicate {
		t.Fatalf("first append: %+v %v", first, err)
	}
	time.Sleep(300 * time.Millisecond)
	again, err := s.Append(ctx, envelope(1), admitAll, AppendOptions{})
	if err != nil || again.Seq != 1 || !again.Duplicate || again.ID != first.ID {
		t.Fatalf("append after the window: %+v %v; want seq 1, duplicate", again, err)
	}
	// And across a restart of the store.
	again, err = b.open(t).Append(ctx, envelope(1), admitAll, AppendOptions{})
	if err != nil || again.Seq != 1 || !again.Duplicate {
		t.Fatalf("append after reopening: %+v %v", again, err)
	}
	if s.Head() != 1 {
		t.Fatalf("head %d, want 1", s.Head())
	}
}

func TestAppendRefusals(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	if _, err := s.Append(ctx, envelope(1), admitAll, AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrRejected", func(t *testing.T) {
		no := gateFunc(func(_ context.Context, head uint64, _ []byte) error {
			if head != 1 {
				t.Errorf("gate saw head %d, want 1", head)
			}
			return errors.New("signer lacks the deploy role")
		})
		_, err := s.Append(ctx, envelope(2), no, AppendOptions{})
		if !errors.Is(err, ErrRejected) || s.Head() != 1 {
			t.Fatalf("got %v, head %d", err, s.Head())
		}
	})
	t.Run("ErrHeadMoved", func(t *testing.T) {
		_, err := s.Append(ctx, envelope(2), admitAll, AppendOptions{ExpectHead: 7})
		if !errors.Is(err, ErrHeadMoved) || s.Head() != 1 {
			t.Fatalf("got %v, head %d", err, s.Head())
		}
		res, err := s.Append(ctx, envelope(2), admitAll, AppendOptions{ExpectHead: 1})
		if err != nil || res.Seq != 2 {
			t.Fatalf("conditional append at the right head: %+v %v", res, err)
		}
	})
}

func TestConcurrentAppendersNeverFork(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	const writers, each = 16, 20
	var wg sync.WaitGroup
	seqs := make(chan uint64, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				res, err := s.Append(context.Background(), envelope(w*1000+i), admitAll, AppendOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				seqs <- res.Seq
			}
		}()
	}
	wg.Wait()
	close(seqs)
	seen := map[uint64]bool{}
	for seq := range seqs {
		if seen[seq] {
			t.Fatalf("seq %d handed out twice", seq)
		}
		seen[seq] = true
	}
	for seq := uint64(1); seq <= writers*each; seq++ {
		if !seen[seq] {
			t.Fatalf("seq %d missing", seq)
		}
		r, err := s.Get(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if id, ok, _ := s.idx.lookup(r.ID); !ok || id != seq {
			t.Fatalf("index has %d for seq %d", id, seq)
		}
	}
}

func TestOpenRepairsIndexAfterCrash(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	if _, err := s.Append(ctx, envelope(1), admitAll, AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	// A record that reached the stream but not the index, as after a crash
	// between publish and index.
	if _, err := b.js.Publish(ctx, RecordsSubject, envelope(2)); err != nil {
		t.Fatal(err)
	}
	res, err := b.open(t).Append(ctx, envelope(2), admitAll, AppendOptions{})
	if err != nil || res.Seq != 2 || !res.Duplicate {
		t.Fatalf("got %+v %v; want the repaired index to answer seq 2, duplicate", res, err)
	}
}

func TestFollowDeliversInOrder(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 50 {
		if _, err := s.Append(ctx, envelope(i), admitAll, AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	out := make(chan Record, 4)
	go s.Follow(ctx, 11, out)
	for want := uint64(11); want <= 50; want++ {
		select {
		case r := <-out:
			if r.Seq != want || string(r.Envelope) != string(envelope(int(want-1))) {
				t.Fatalf("got seq %d %q, want seq %d", r.Seq, r.Envelope, want)
			}
		case <-ctx.Done():
			t.Fatalf("timed out waiting for seq %d", want)
		}
	}
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)           {}
func (quietPebble) Errorf(format string, a ...any) { fmt.Printf(format+"\n", a...) }
func (quietPebble) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// TestSequencerRecoversWhenStreamMovesUnderIt publishes straight to the
// stream while appenders run, so groups in the pipeline fail and are
// retried: every acknowledged append must hold its envelope at its seq,
// and the index must agree with the stream.
func TestSequencerRecoversWhenStreamMovesUnderIt(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make(chan Appended, 400)
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				res, err := s.Append(ctx, envelope(w*1000+i), admitAll, AppendOptions{})
				if err != nil {
					continue // a refused append is fine; a wrong ack is not
				}
				results <- res
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			b.js.Publish(ctx, RecordsSubject, fmt.Appendf(nil, `{"intruder":%d}`, i))
			time.Sleep(2 * time.Millisecond)
		}
	})
	wg.Wait()
	close(results)
	n := 0
	for res := range results {
		n++
		r, err := s.Get(ctx, res.Seq)
		if err != nil || r.ID != res.ID {
			t.Fatalf("acknowledged seq %d for %s, the stream holds %s (%v)", res.Seq, res.ID, r.ID, err)
		}
	}
	if n < 250 {
		t.Fatalf("only %d of 320 appends succeeded", n)
	}
	// Every stored record is indexed at its own sequence, once.
	head, _ := s.streamHead(ctx)
	s2 := b.open(t) // reopening catches the index up with the intruder's records
	seen := map[string]bool{}
	for seq := uint64(1); seq <= head; seq++ {
		r, err := s2.Get(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if seen[r.ID] {
			t.Fatalf("event %s stored twice", r.ID)
		}
		seen[r.ID] = true
		if got, ok, _ := s2.idx.lookup(r.ID); !ok || got != seq {
			t.Fatalf("index has %d for the record at seq %d", got, seq)
		}
	}
}

// TestCopiesInFlightShareOneAnswer sends each envelope twice, the second
// copy while the first may still await its ack in the pipeline, under
// background load: every copy must succeed with one and the same
// sequence, and no unrelated append may fail because of them.
func TestCopiesInFlightShareOneAnswer(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var bg sync.WaitGroup
	for w := range 8 {
		bg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Append(ctx, envelope(1_000_000+w*100_000+i), admitAll, AppendOptions{}); err != nil {
					t.Errorf("background append: %v", err)
					return
				}
			}
		})
	}
	var pairs sync.WaitGroup
	for k := range 200 {
		env := envelope(k)
		var seqs [2]uint64
		var dups [2]bool
		pairs.Add(1)
		go func() {
			defer pairs.Done()
			var both sync.WaitGroup
			for j := range 2 {
				both.Go(func() {
					if j == 1 {
						time.Sleep(time.Duration(k%7) * 50 * time.Microsecond)
					}
					res, err := s.Append(ctx, env, admitAll, AppendOptions{})
					if err != nil {
						t.Errorf("copy %d of envelope %d: %v", j, k, err)
						return
					}
					seqs[j], dups[j] = res.Seq, res.Duplicate
				})
			}
			both.Wait()
			if seqs[0] != seqs[1] || dups[0] == dups[1] {
				t.Errorf("envelope %d: copies answered seq %d (dup %v) and %d (dup %v)", k, seqs[0], dups[0], seqs[1], dups[1])
			}
		}()
		time.Sleep(200 * time.Microsecond)
	}
	pairs.Wait()
	close(stop)
	bg.Wait()
}

// TestReplayAroundSequencerKeepsFirstSeq publishes a stored envelope
// straight into the stream again, as a replay after JetStream's duplicate
// window would: the index keeps the first sequence, the store is not
// marked damaged, and appending the envelope still answers the first seq.
func TestReplayAroundSequencerKeepsFirstSeq(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	first, err := s.Append(ctx, envelope(1), admitAll, AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Append(ctx, envelope(2), admitAll, AppendOptions{})
	if _, err := b.js.Publish(ctx, RecordsSubject, envelope(1)); err != nil { // no msg ID: no JetStream dedupe
		t.Fatal(err)
	}
	s.Close()
	s2 := b.open(t)
	if seq, ok, _ := s2.FirstSeq(first.ID); !ok || seq != first.Seq {
		t.Fatalf("index has %d for the replayed event, want %d", seq, first.Seq)
	}
	if err := s2.Scrub(ctx); err != nil || s2.Damaged() != nil {
		t.Fatalf("scrub: %v, damaged: %v", err, s2.Damaged())
	}
	again, err := s2.Append(ctx, envelope(1), admitAll, AppendOptions{})
	if err != nil || again.Seq != first.Seq || !again.Duplicate {
		t.Fatalf("append after replay: %+v %v", again, err)
	}
}

// TestOpenRebuildsAnIncompleteIndex: an index that claims records but
// lacks their Merkle hashes (an older layout, or damage) is rebuilt from
// the stream, and then proves and deduplicates as before.
func TestOpenRebuildsAnIncompleteIndex(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	for i := 1; i <= 7; i++ {
		if _, err := s.Append(ctx, envelope(i), admitAll, AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := s.idx.treeHash(7)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := b.db.Delete(hashKey(6), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	s = b.open(t)
	if got, err := s.idx.treeHash(7); err != nil || got != root {
		t.Fatalf("after the rebuild: root %x, %v; want %x", got, err, root)
	}
	res, err := s.Append(ctx, envelope(3), admitAll, AppendOptions{})
	if err != nil || res.Seq != 3 || !res.Duplicate {
		t.Fatalf("append of record 3 again: %+v %v; want the rebuilt index to answer seq 3, duplicate", res, err)
	}
}

// TestOpenRefusesLostRecords: a node whose stream no longer holds records
// it indexed (JetStream left the stream out of its recovery, or recovered
// it shorter) refuses to open the ledger, and never creates an empty
// stream in place of the lost one.
func TestOpenRefusesLostRecords(t *testing.T) {
	ctx := context.Background()
	stored := func(t *testing.T) *backend {
		b := newBackend(t)
		s := b.open(t)
		for i := 1; i <= 5; i++ {
			if _, err := s.Append(ctx, envelope(i), admitAll, AppendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		if err := b.js.DeleteStream(ctx, StreamName); err != nil {
			t.Fatal(err)
		}
		return b
	}
	open := func(b *backend) error {
		s, err := Open(ctx, b.js, b.db, Topology{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil {
			s.Close()
		}
		return err
	}
	t.Run("StreamGone", func(t *testing.T) {
		b := stored(t)
		err := open(b)
		if !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), "indexed (and acknowledged) 5 records") {
			t.Fatalf("open: %v; want ErrLost naming the 5 indexed records", err)
		}
		if _, err := b.js.Stream(ctx, StreamName); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("the stream exists after the refusal (%v): Open created an empty ledger over the lost one", err)
		}
	})
	t.Run("StreamShorter", func(t *testing.T) {
		b := stored(t)
		if _, err := b.js.CreateStream(ctx, StreamConfig()); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 2; i++ {
			if _, err := b.js.Publish(ctx, RecordsSubject, envelope(i)); err != nil {
				t.Fatal(err)
			}
		}
		err := open(b)
		if !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), "records 3..5") {
			t.Fatalf("open: %v; want ErrLost naming records 3..5", err)
		}
	})
}
