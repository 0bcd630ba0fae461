package sched

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestHeavyLaneBoundsHeavyClasses(t *testing.T) {
	s := New(Config{Executors: 1, MinLimit: 1, HeavyWorkers: 1, HeavyQueue: 1}, nil, nil)
	defer s.Close()
	heavy := NewClass("heavy")
	for i := range heavyStrikes {
		if heavy.Heavy() {
			t.Fatalf("marked heavy after %d strikes, want %d", i, heavyStrikes)
		}
		heavy.Strike()
	}
	if !heavy.Heavy() {
		t.Fatalf("%d strikes did not mark the class heavy", heavyStrikes)
	}

	// One runs, one waits, the third is refused.
	var mu sync.Mutex
	var ran, refused int
	var slots []Slot
	var wg sync.WaitGroup
	release := make(chan struct{})
	running := make(chan struct{}, 3)
	task := func() *Task {
		wg.Add(1)
		return &Task{Class: heavy,
			Run: func(slot Slot) {
				if err := slot.Do(context.Background(), func() { running <- struct{}{}; <-release }); err != nil {
					t.Errorf("Do: %v", err)
				}
				mu.Lock()
				ran++
				slots = append(slots, slot)
				mu.Unlock()
				wg.Done()
			},
			Shed: func(why error, ra time.Duration) {
				if !errors.Is(why, ErrHeavyLaneFull) || ra != time.Second {
					t.Errorf("shed with %v, retry after %s; want ErrHeavyLaneFull, 1s", why, ra)
				}
				mu.Lock()
				refused++
				mu.Unlock()
				wg.Done()
			},
		}
	}
	for range 3 {
		s.Submit(task())
	}
	<-running
	// The lane's runs do not count against the executors' limit.
	if st := s.Stats(); st.Running != 0 || st.Queued != 0 || st.Heavy != 2 || st.ShedHeavy != 1 {
		t.Errorf("with one heavy task running and one waiting: %+v", st)
	}
	close(release)
	wg.Wait()
	if ran != 2 || refused != 1 {
		t.Fatalf("%d served and %d refused, want 2 and 1", ran, refused)
	}
	for _, slot := range slots {
		if !slot.Heavy() {
			t.Errorf("a heavy task ran with an executor's slot")
		}
		if slot.Thread() != nil {
			t.Errorf("a heavy task's slot offers an executor's thread, where Do does not run")
		}
	}

	// A quick class never enters the lane.
	quick := NewClass("quick")
	done := make(chan Slot, 1)
	s.Submit(&Task{Class: quick, Run: func(slot Slot) { done <- slot },
		Shed: func(why error, _ time.Duration) { t.Errorf("quick task shed: %v", why) }})
	if slot := <-done; slot.Heavy() || slot == (Slot{}) || quick.Heavy() {
		t.Fatalf("quick class: ran on the heavy lane (%v), heavy=%v", slot.Heavy(), quick.Heavy())
	}
}

// A task waiting for a lane thread gives up when its context ends, or when
// the scheduler closes, which waits for the work a lane thread runs.
func TestHeavyLaneWaitEnds(t *testing.T) {
	s := New(Config{Executors: 1, MinLimit: 1, HeavyWorkers: 1}, nil, nil)
	heavy := NewClass("heavy")
	for range heavyStrikes {
		heavy.Strike()
	}
	release := make(chan struct{})
	started := make(chan struct{})
	finished := false
	s.Submit(&Task{Class: heavy, Run: func(slot Slot) {
		_ = slot.Do(context.Background(), func() { close(started); <-release; finished = true })
	},
		Shed: func(why error, _ time.Duration) { t.Errorf("running task shed: %v", why) }})
	<-started
	waited := func(ctx context.Context) <-chan error {
		out := make(chan error, 1)
		s.Submit(&Task{Class: heavy, Run: func(slot Slot) { out <- slot.Do(ctx, func() { t.Error("waiting task ran") }) },
			Shed: func(why error, _ time.Duration) { t.Errorf("waiting task shed: %v", why) }})
		return out
	}
	killed := errors.New("killed")
	ctx, cancel := context.WithCancelCause(context.Background())
	canceled := waited(ctx)
	cancel(killed)
	if err := <-canceled; !errors.Is(err, ErrCanceled) || !errors.Is(err, killed) {
		t.Errorf("Do with its context ended = %v, want ErrCanceled and the cause", err)
	}

	closing := waited(context.Background())
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	if err := <-closing; !errors.Is(err, ErrClosed) {
		t.Errorf("Do when the scheduler closed = %v, want ErrClosed", err)
	}
	close(release)
	<-closed
	if !finished {
		t.Error("Close returned before the heavy work running finished")
	}
}
