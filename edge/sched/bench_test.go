package sched

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkSubmitRun measures the scheduler's cost per task: Submit, the
// hand-off to an executor and the bookkeeping after Run, with an empty Run.
// Tasks come from a free list that also bounds the tasks in flight, as the
// engine's pooled tasks and stream limit would.
//
//   - serial: one task in flight, so every task takes the idle fast path
//     and wakes a parked executor (the latency of a lone request).
//   - submitters=N: N goroutines keep up to 256 tasks in flight, so the
//     executors stay busy and take queued work without parking.
func BenchmarkSubmitRun(b *testing.B) {
	b.Run("serial", func(b *testing.B) { benchSubmitRun(b, 1, 1) })
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("submitters=%d", n), func(b *testing.B) { benchSubmitRun(b, n, 256) })
	}
}

func benchSubmitRun(b *testing.B, submitters, inFlight int) {
	s := New(Config{QueueSize: 4 * inFlight}, nil, nil)
	defer s.Close()
	c := NewClass("bench")
	free := make(chan *Task, inFlight)
	for range inFlight {
		t := &Task{Class: c}
		t.Run = func(Slot) { free <- t }
		t.Shed = func(error, time.Duration) { panic("shed") }
		free <- t
	}
	b.ReportAllocs()
	b.ResetTimer()
	if submitters == 1 {
		for range b.N {
			s.Submit(<-free)
		}
	} else {
		b.SetParallelism(max(1, submitters/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.Submit(<-free)
			}
		})
	}
	for range inFlight {
		<-free
	}
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(st.Limit), "limit")
}
