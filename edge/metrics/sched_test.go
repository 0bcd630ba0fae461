package metrics

import (
	"maps"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/sched"
)

func TestObserve(t *testing.T) {
	m := New()
	tagged := sched.NewClass("f@1")
	tagged.Tag = m.Function("f", 1)
	m.Observe(tagged, time.Millisecond, 2*time.Millisecond)
	m.Observe(sched.NewClass("untagged"), time.Millisecond, time.Millisecond)
	other := sched.NewClass("other")
	other.Tag = "not handles"
	m.Observe(other, time.Millisecond, time.Millisecond)

	got := series(t, m)
	for _, name := range []string{"vault_queue_wait_seconds", "vault_run_seconds"} {
		if want := map[string]float64{"function=f": 1}; !maps.Equal(got[name], want) {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}

// BenchmarkObserve is what the scheduler pays per task.
func BenchmarkObserve(b *testing.B) {
	m := New()
	c := sched.NewClass("hello@1")
	c.Tag = m.Function("hello", 1)
	var obs sched.Observer = m
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			obs.Observe(c, 20*time.Microsecond, time.Millisecond)
		}
	})
}
