package metrics

import (
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// series are the vault_ samples a registry exports, by name and then by
// labels rendered as "k=v,k=v" (sorted, as Prometheus sorts them). A
// histogram's value is its sample count.
func series(t *testing.T, m *Metrics) map[string]map[string]float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "vault_") {
			continue
		}
		byLabels := map[string]float64{}
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			var v float64
			switch {
			case s.Counter != nil:
				v = s.Counter.GetValue()
			case s.Gauge != nil:
				v = s.Gauge.GetValue()
			case s.Histogram != nil:
				v = float64(s.Histogram.GetSampleCount())
			}
			byLabels[strings.Join(labels, ",")] = v
		}
		out[mf.GetName()] = byLabels
	}
	return out
}

func TestRequest(t *testing.T) {
	tests := []struct {
		code  int
		class string
	}{
		{101, "1xx"}, {200, "2xx"}, {204, "2xx"}, {399, "3xx"}, {404, "4xx"},
		{503, "5xx"}, {599, "5xx"}, {0, "other"}, {99, "other"}, {600, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.class+"/"+time.Duration(tt.code).String(), func(t *testing.T) {
			m := New()
			h := m.Function("hello", 3)
			m.Request(h, tt.code, 2*time.Millisecond)
			m.Request(h, tt.code, 3*time.Millisecond)
			got := series(t, m)
			want := map[string]float64{"code=" + tt.class + ",function=hello,version=3": 2}
			if !maps.Equal(got["vault_requests_total"], want) {
				t.Errorf("vault_requests_total = %v, want %v", got["vault_requests_total"], want)
			}
			if n := got["vault_request_duration_seconds"]["function=hello"]; n != 2 {
				t.Errorf("vault_request_duration_seconds count = %v, want 2", n)
			}
		})
	}
}

func TestRequestDurationBuckets(t *testing.T) {
	m := New()
	h := m.Function("hello", 1)
	m.Request(h, 200, 40*time.Microsecond)
	m.Request(h, 200, 3*time.Millisecond)
	m.Request(h, 200, 5*time.Millisecond) // le is inclusive
	m.Request(h, 200, 20*time.Second)
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "vault_request_duration_seconds" {
			continue
		}
		hist := mf.GetMetric()[0].GetHistogram()
		if got, want := hist.GetSampleSum(), 20.00804; got < want-1e-9 || got > want+1e-9 {
			t.Errorf("sum = %v, want %v", got, want)
		}
		if n := hist.GetSampleCount(); n != 4 {
			t.Errorf("count = %d, want 4", n)
		}
		cum := map[float64]uint64{}
		for _, b := range hist.GetBucket() {
			cum[b.GetUpperBound()] = b.GetCumulativeCount()
		}
		for bound, want := range map[float64]uint64{50e-6: 1, 2.5e-3: 1, 5e-3: 3, 10: 3} {
			if cum[bound] != want {
				t.Errorf("bucket le=%v = %d, want %d", bound, cum[bound], want)
			}
		}
		return
	}
	t.Fatal("no vault_request_duration_seconds")
}

func TestFunctionIsCached(t *testing.T) {
	m := New()
	a, b := m.Function("f", 1), m.Function("f", 1)
	if a != b {
		t.Error("Function returned new handles for the same version")
	}
	if m.Function("f", 2) == a || m.Function("g", 1) == a {
		t.Error("Function returned the same handles for another version or function")
	}
	if a.Name() != "f" {
		t.Errorf("Name() = %q", a.Name())
	}
}

func TestObserveRunShedDiscard(t *testing.T) {
	m := New()
	h := m.Function("f", 1)
	m.ObserveRun(h, time.Millisecond, 5*time.Millisecond)
	m.ObserveRun(h, 0, time.Millisecond)
	m.Shed(h, "queue_full")
	m.Shed(h, "queue_full")
	m.Shed(m.Function("f", 2), "deadline")
	m.IsolateDiscarded(h, "heavy")

	got := series(t, m)
	for name, want := range map[string]map[string]float64{
		"vault_queue_wait_seconds":       {"function=f": 2},
		"vault_run_seconds":              {"function=f": 2},
		"vault_shed_total":               {"function=f,reason=queue_full": 2, "function=f,reason=deadline": 1},
		"vault_isolates_discarded_total": {"function=f,reason=heavy": 1},
	} {
		if !maps.Equal(got[name], want) {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}

func TestForget(t *testing.T) {
	m := New()
	v1, v2 := m.Function("f", 1), m.Function("f", 2)
	other := m.Function("g", 1)
	for _, h := range []*FnHandles{v1, v2, other} {
		m.Request(h, 200, time.Millisecond)
		m.ObserveRun(h, 0, time.Millisecond)
		m.Shed(h, "queue_full")
		m.IsolateDiscarded(h, "heavy")
	}

	t.Run("VersionSeriesGoFunctionSeriesStay", func(t *testing.T) {
		m.Forget("f", 1)
		got := series(t, m)
		want := map[string]float64{"code=2xx,function=f,version=2": 1, "code=2xx,function=g,version=1": 1}
		if !maps.Equal(got["vault_requests_total"], want) {
			t.Errorf("vault_requests_total = %v, want %v", got["vault_requests_total"], want)
		}
		if _, ok := got["vault_request_duration_seconds"]["function=f"]; !ok {
			t.Error("f's latency went with one of its two versions")
		}
	})
	t.Run("ForgottenHandlesCreateNoSeries", func(t *testing.T) {
		m.Request(v1, 500, time.Millisecond) // a request still in flight
		m.Request(v1, 200, time.Millisecond)
		if _, ok := series(t, m)["vault_requests_total"]["code=5xx,function=f,version=1"]; ok {
			t.Error("a forgotten version's handles re-created its series")
		}
	})
	t.Run("LastVersionTakesFunctionSeries", func(t *testing.T) {
		m.Forget("f", 2)
		m.Shed(v2, "deadline")
		m.IsolateDiscarded(v2, "error")
		got := series(t, m)
		for name, s := range got {
			for labels := range s {
				if strings.Contains(labels, "function=f") {
					t.Errorf("%s{%s} outlived f's last version", name, labels)
				}
			}
		}
		if len(got["vault_shed_total"]) != 1 || len(got["vault_run_seconds"]) != 1 {
			t.Errorf("g's series went with f's: %v", got)
		}
	})
	t.Run("FunctionAfterForgetStartsAfresh", func(t *testing.T) {
		m.Forget("f", 2) // again: nothing to do
		h := m.Function("f", 2)
		if h == v2 {
			t.Fatal("Function returned forgotten handles")
		}
		m.Request(h, 200, time.Millisecond)
		if n := series(t, m)["vault_requests_total"]["code=2xx,function=f,version=2"]; n != 1 {
			t.Errorf("f v2 requests = %v after re-creation, want 1", n)
		}
	})
}

func TestNilRecordsNothing(t *testing.T) {
	var m *Metrics
	h := m.Function("f", 1)
	m.Request(h, 200, time.Millisecond)
	m.ObserveRun(h, 0, 0)
	m.Shed(h, "x")
	m.IsolateDiscarded(h, "x")
	m.Forget("f", 1)
	m.SetSources(Sources{})
	New().Request(nil, 200, time.Millisecond)
}

func TestLint(t *testing.T) {
	m := New()
	h := m.Function("f", 1)
	m.Request(h, 200, time.Millisecond)
	m.ObserveRun(h, 0, time.Millisecond)
	m.Shed(h, "queue_full")
	m.IsolateDiscarded(h, "heavy")
	m.SetSources(fullSources())
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "vault_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

// TestConcurrent records, creates and forgets at once; the race detector
// judges it.
func TestConcurrent(t *testing.T) {
	m := New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				h := m.Function("f", i%3)
				m.Request(h, 200+100*(i%4), time.Millisecond)
				m.ObserveRun(h, time.Microsecond, time.Millisecond)
				m.Shed(h, []string{"a", "b"}[i%2])
				if i%50 == g {
					m.Forget("f", i%3)
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := m.Registry().Gather(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}
