package sched

import (
	"testing"
	"time"
)

// feed gives l n samples of normalised run time norm, each with the limit
// fully in use, and returns the limit after.
func feed(l *limiter, n int, norm float64) int {
	for range n {
		l.sample(norm, l.current())
	}
	return l.current()
}

func TestLimiter(t *testing.T) {
	t.Run("GrowsWhileLatencyHolds", func(t *testing.T) {
		l := newLimiter(4, 2, 32)
		prev := l.current()
		for range 10 {
			if got := feed(&l, 5, 1); got < prev {
				t.Fatalf("limit fell from %d to %d at usual speed", prev, got)
			}
		}
		if got := feed(&l, 200, 1); got != 32 {
			t.Fatalf("limit = %d after steady runs, want the maximum 32", got)
		}
	})
	t.Run("ShrinksWhenLatencyInflates", func(t *testing.T) {
		l := newLimiter(32, 2, 32)
		if got := feed(&l, 5, 4); got >= 32 {
			t.Fatalf("limit = %d after runs 4× slower than usual, want below 32", got)
		}
		if got := feed(&l, 200, 4); got != 2 {
			t.Fatalf("limit = %d after sustained inflation, want the minimum 2", got)
		}
	})
	t.Run("ToleratesModestInflation", func(t *testing.T) {
		l := newLimiter(8, 2, 32)
		if got := feed(&l, 200, 1.4); got != 32 {
			t.Fatalf("limit = %d with runs 1.4× usual, want 32 (tolerance 1.5)", got)
		}
	})
	t.Run("HoldsWhenAppLimited", func(t *testing.T) {
		l := newLimiter(16, 2, 32)
		for range 100 {
			l.sample(1, 7) // fewer than half of 16 in use
		}
		for range 100 {
			l.sample(4, 7)
		}
		if got := l.current(); got != 16 {
			t.Fatalf("limit = %d with under half in use, want unchanged 16", got)
		}
	})
	t.Run("IgnoresBadSamples", func(t *testing.T) {
		l := newLimiter(16, 2, 32)
		for _, n := range []float64{0, -1} {
			l.sample(n, 16)
		}
		if got := l.current(); got != 16 {
			t.Fatalf("limit = %d after invalid samples, want 16", got)
		}
	})
	// A 1 ms and a 1 s function, interleaved at their usual speeds, read
	// as steady load: each run is compared to its own class.
	t.Run("MixedClassesAtUsualSpeedGrow", func(t *testing.T) {
		fast, slow := NewClass("fast"), NewClass("slow")
		l := newLimiter(4, 2, 32)
		for i := range 400 {
			c, d := fast, time.Millisecond
			if i%2 == 1 {
				c, d = slow, time.Second
			}
			l.sample(c.observe(int64(d)), l.current())
		}
		if got := l.current(); got != 32 {
			t.Fatalf("limit = %d under a steady mix, want 32", got)
		}
		// Now both slow down 3×: the limit must fall.
		for i := range 100 {
			c, d := fast, 3*time.Millisecond
			if i%2 == 1 {
				c, d = slow, 3*time.Second
			}
			l.sample(c.observe(int64(d)), l.current())
		}
		if got := l.current(); got >= 16 {
			t.Fatalf("limit = %d after both classes slowed 3×, want well below 32", got)
		}
	})
}

// The scheduler feeds its limiter from real runs, each compared to its
// class's baseline (1 ms here), with a backlog keeping the limit in use.
func TestSchedulerLimitFollowsRunTime(t *testing.T) {
	for _, tc := range []struct {
		name    string
		initial int
		run     time.Duration // how far each run moves the fake clock
		want    int
	}{
		{"GrowsToExecutorsWhileRunsHoldTheirSpeed", 2, 0, 8},
		{"ShrinksToMinLimitWhenRunsInflate", 8, 10 * time.Millisecond, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{Executors: 8, MinLimit: 1, InitialLimit: tc.initial, AdmitPerTick: 1 << 20})
			c := classWith("fn", time.Millisecond)
			release := h.block(NewClass("gate"), "gate")
			for range 100 {
				h.s.Submit(h.task(c, "run", func() { h.clock.advance(tc.run) }))
			}
			release()
			h.waitFor("runs to finish", func(st Stats) bool { return st.Completed == 101 })
			if st := h.s.Stats(); st.Limit != tc.want {
				t.Fatalf("limit = %d, want %d", st.Limit, tc.want)
			}
		})
	}
}

func TestClassObserve(t *testing.T) {
	c := NewClass("fn")
	if c.Expected() != 0 || c.Baseline() != 0 {
		t.Fatalf("new class: expected %v baseline %v, want 0", c.Expected(), c.Baseline())
	}
	if n := c.observe(int64(8 * time.Millisecond)); n != 1 {
		t.Fatalf("first run normalised to %v, want 1", n)
	}
	if c.Expected() != 8*time.Millisecond || c.Baseline() != 8*time.Millisecond {
		t.Fatalf("after one run: expected %v baseline %v, want 8ms", c.Expected(), c.Baseline())
	}
	if n := c.observe(int64(16 * time.Millisecond)); n != 2 {
		t.Fatalf("a run twice the baseline normalised to %v, want 2", n)
	}
	if got := c.Expected(); got != 9*time.Millisecond {
		t.Fatalf("expected = %v, want 8ms + (16−8)/8 = 9ms", got)
	}
	if got := c.Baseline(); got >= 9*time.Millisecond {
		t.Fatalf("baseline = %v rose fast on one slow run; want slow rise", got)
	}
	c.observe(int64(time.Millisecond))
	if got := c.Baseline(); got > 7500*time.Microsecond {
		t.Fatalf("baseline = %v did not fall quickly on a fast run", got)
	}
}
