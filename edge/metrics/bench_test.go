package metrics

import (
	"testing"
	"time"
)

// BenchmarkRequest is what the edge pays per request: Request and
// ObserveRun on a warm version's handles, from every P at once.
func BenchmarkRequest(b *testing.B) {
	m := New()
	h := m.Function("hello", 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request(h, 200, 1500*time.Microsecond)
		}
	})
}

func BenchmarkRequestAndRun(b *testing.B) {
	m := New()
	h := m.Function("hello", 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRun(h, 20*time.Microsecond, time.Millisecond)
			m.Request(h, 200, 1500*time.Microsecond)
		}
	})
}
