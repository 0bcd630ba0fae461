package ledger

import (
	"encoding/json"
	"testing"
)

func (f *witnessFixture) detector(t *testing.T) *SplitViewDetector {
	t.Helper()
	d, err := NewSplitViewDetector(f.s, f.log())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// signed wraps a log-signed note as the watcher hands it to the detector.
func (f *witnessFixture) signed(t *testing.T, msg []byte, source string) SignedCheckpoint {
	t.Helper()
	cp, err := PeekCheckpoint(msg)
	if err != nil {
		t.Fatal(err)
	}
	return SignedCheckpoint{Note: msg, Size: cp.Size, Root: cp.Root, Source: source, Signer: f.logKey.ID}
}

func TestSplitViewSameSizeDifferentRoot(t *testing.T) {
	f := newWitnessFixture(t)
	d := f.detector(t)
	// Both beyond the local ledger: no local tree is needed to see it.
	good, bad := f.signed(t, f.future(t, 6), "hub"), f.signed(t, f.fork(t, 6), "edge-2")
	for range 3 {
		d.Add(good)
		d.Add(bad)
	}
	views := d.SplitViews()
	if len(views) != 1 {
		t.Fatalf("%d split views, want 1", len(views))
	}
	if v := views[0]; v.A.Root != bad.Root || v.B.Root != good.Root || v.A.Source != "edge-2" || v.Check() != nil {
		t.Fatalf("evidence %+v", v)
	}
	if n := f.logs.count("SPLIT VIEW:"); n != 1 {
		t.Fatalf("%d SPLIT VIEW lines logged, want 1", n)
	}
	// Once the ledger covers size 6, the fork also differs from the
	// local tree: still the same split view, not a second report.
	f.appendTo(t, 8)
	d.Recheck()
	d.Add(f.signed(t, f.checkpoint(t, 8), "hub"))
	if n := len(d.SplitViews()); n != 1 {
		t.Fatalf("%d split views after the ledger caught up, want 1", n)
	}
	t.Run("NotReportedAgainAfterRestart", func(t *testing.T) {
		f.reopen(t)
		d := f.detector(t)
		d.Add(good)
		d.Add(bad)
		if views := d.SplitViews(); len(views) != 1 || views[0].A.Root != bad.Root {
			t.Fatalf("split views after restart: %+v", views)
		}
	})
}

func TestSplitViewDifferentSizesInconsistent(t *testing.T) {
	f := newWitnessFixture(t)
	f.appendTo(t, 9)
	d := f.detector(t)
	d.Add(f.signed(t, f.checkpoint(t, 9), "hub"))
	rogue := f.signed(t, f.fork(t, 5), "edge-3")
	d.Add(rogue)
	d.Add(rogue)
	d.Add(f.signed(t, f.checkpoint(t, 9), "hub"))
	d.Add(f.signed(t, f.checkpoint(t, 4), "hub")) // consistent
	views := d.SplitViews()
	if len(views) != 1 {
		t.Fatalf("%d split views, want 1", len(views))
	}
	v := views[0]
	if v.A.Size != 5 || v.B.Size != 9 || v.LocalRoot == nil || *v.LocalRoot != mustTreeHash(t, f.s, 5) || len(v.Proof) == 0 {
		t.Fatalf("evidence %+v", v)
	}
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	t.Run("EvidenceThatDoesNotHoldFailsCheck", func(t *testing.T) {
		w := v
		w.Proof = append(w.Proof[:len(w.Proof)-1:len(w.Proof)-1], w.B.Root)
		if w.Check() == nil {
			t.Fatal("a damaged proof checks")
		}
	})
	t.Run("ReloadedAfterRestart", func(t *testing.T) {
		f.reopen(t)
		d2 := f.detector(t)
		got, _ := json.Marshal(d2.SplitViews())
		want, _ := json.Marshal(views)
		if string(got) != string(want) {
			t.Fatalf("reloaded %s\nwant %s", got, want)
		}
		d2.Add(f.signed(t, f.checkpoint(t, 9), "hub"))
		d2.Add(rogue)
		if n := len(d2.SplitViews()); n != 1 {
			t.Fatalf("%d split views after re-adding the same pair, want 1", n)
		}
	})
}

func TestSplitViewBeyondLocalCheckedOnceIndexed(t *testing.T) {
	f := newWitnessFixture(t)
	f.appendTo(t, 3)
	d := f.detector(t)
	d.Add(f.signed(t, f.fork(t, 7), "edge-4"))
	d.Add(f.signed(t, f.future(t, 10), "hub"))
	d.Recheck()
	if n := len(d.SplitViews()); n != 0 {
		t.Fatalf("%d split views before the ledger covers them", n)
	}
	f.appendTo(t, 10)
	d.Recheck()
	d.Recheck()
	views := d.SplitViews()
	if len(views) != 1 || views[0].A.Size != 7 || views[0].B.Size != 10 || views[0].Check() != nil {
		t.Fatalf("split views %+v, want 7 against 10", views)
	}
	if a, ok := d.Agreed(); !ok || a.Size != 10 {
		t.Fatalf("agreed %+v %v", a, ok)
	}
}

func TestSplitViewNotReportedWithoutALargerAgreeingCheckpoint(t *testing.T) {
	// The local ledger differs from a checkpoint, but no checkpoint at
	// least as large vouches for the local ledger: that is no proof.
	f := newWitnessFixture(t)
	f.appendTo(t, 6)
	d := f.detector(t)
	d.Add(f.signed(t, f.checkpoint(t, 2), "hub"))
	d.Add(f.signed(t, f.fork(t, 5), "edge-5"))
	if n := len(d.SplitViews()); n != 0 {
		t.Fatalf("%d split views", n)
	}
	d.Add(f.signed(t, f.checkpoint(t, 6), "hub"))
	if n := len(d.SplitViews()); n != 1 {
		t.Fatalf("%d split views once a larger checkpoint agrees, want 1", n)
	}
}
