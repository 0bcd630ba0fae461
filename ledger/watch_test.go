package ledger

import (
	"context"
	"slices"
	"testing"
	"time"
)

// runWatcher starts a witness watcher on the fixture's node, publishing
// cosignatures to a real COSIGNATURES stream; the returned func stops it.
func (f *witnessFixture) runWatcher(t *testing.T) (*CheckpointWatcher, func()) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.b.js.CreateOrUpdateStream(ctx, CosignatureStreamConfig()); err != nil {
		t.Fatal(err)
	}
	w, err := NewCheckpointWatcher(WatcherConfig{Store: f.s, JS: f.b.js, LedgerID: "ledger-1", Keyring: f.keyring,
		WitnessKey: f.witness, Publish: func(ctx context.Context, subject string, data []byte) error {
			_, err := f.b.js.Publish(ctx, subject, data)
			return err
		}, Poll: 20 * time.Millisecond, Log: f.log()})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(runCtx)
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return w, stop
}

// cosigners reads the COSIGNATURES stream and counts the witnesses that
// cosigned the checkpoint of size.
func (f *witnessFixture) cosigners(t *testing.T, size uint64) []string {
	t.Helper()
	msgs, err := ReadCosignatures(context.Background(), f.b.js, size)
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := PeekCheckpoint(f.checkpoint(t, size))
	return CountCosigners(cp, msgs, f.keyring()).Cosigners
}

func TestWatcherFollowsCheckpointsCosignsAndDetectsSplitViews(t *testing.T) {
	f := newWitnessFixture(t)
	ctx := context.Background()
	cpr, err := NewCheckpointer(ctx, f.s, NoteSigner(f.origin, f.logKey), f.origin, f.log())
	if err != nil {
		t.Fatal(err)
	}
	w, stop := f.runWatcher(t)
	checkpointAt := func(t *testing.T, w *CheckpointWatcher, size uint64) {
		t.Helper()
		f.appendTo(t, size)
		if _, got, err := cpr.Now(ctx); err != nil || got != size {
			t.Fatalf("checkpoint: %d %v", got, err)
		}
		eventually(t, "the watcher's latest checkpoint", func() bool { _, cp := w.Latest(); return cp.Size == size })
		eventually(t, "a cosignature", func() bool { return slices.Equal(f.cosigners(t, size), []string{f.witness.ID}) })
	}
	checkpointAt(t, w, 5)
	checkpointAt(t, w, 9)
	if msg, cp := w.Latest(); cp.Root != mustTreeHash(t, f.s, 9) || string(msg) != string(f.checkpoint(t, 9)) {
		t.Fatalf("latest %+v", cp)
	}

	t.Run("BadlySignedNotesAreIgnored", func(t *testing.T) {
		stranger := fixedSigner(t, 7)
		forged, _ := SignCheckpoint(Checkpoint{Origin: f.origin, Size: 9, Root: [32]byte{1}}, NoteSigner(f.origin, stranger))
		flipped := f.fork(t, 9)
		flipped[len(flipped)-5] ^= 1
		for _, msg := range [][]byte{forged, flipped, []byte("garbage"), nil, f.fork(t, 0)} {
			w.Observe(msg, "edge-9")
		}
		if n := f.logs.count("ignoring a checkpoint not signed by a log key"); n != 5 {
			t.Fatalf("%d warnings, want 5", n)
		}
		if n := len(w.SplitViews()); n != 0 {
			t.Fatalf("%d split views from badly signed notes", n)
		}
	})

	w.Observe(f.fork(t, 7), "edge-8")
	w.Observe(f.fork(t, 7), "edge-8")
	eventually(t, "a split view", func() bool { return len(w.SplitViews()) == 1 })
	if v := w.SplitViews()[0]; v.A.Source != "edge-8" || v.A.Signer != f.logKey.ID || v.B.Size != 9 || v.B.Source != CheckpointStream {
		t.Fatalf("split view %+v", v)
	}
	if n := f.logs.count("level=ERROR msg=\"SPLIT VIEW:"); n != 1 {
		t.Fatalf("%d SPLIT VIEW errors logged, want 1", n)
	}
	if _, cp := w.Latest(); cp.Size != 9 {
		t.Fatalf("a forked checkpoint became the latest: %+v", cp)
	}

	t.Run("Restart", func(t *testing.T) {
		stop()
		w, _ := f.runWatcher(t)
		if _, cp := w.Latest(); cp.Size != 9 {
			t.Fatalf("restored latest %+v", cp)
		}
		if n := len(w.SplitViews()); n != 1 {
			t.Fatalf("%d split views after restart, want 1", n)
		}
		checkpointAt(t, w, 12)
	})
}
