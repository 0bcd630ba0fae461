package metrics

import (
	"maps"
	"testing"
)

func fullSources() Sources {
	return Sources{
		Head:    func() uint64 { return 42 },
		Applied: func() uint64 { return 40 },
		Isolates: func() map[string]IsolateCount {
			return map[string]IsolateCount{"f": {Live: 3, Idle: 1}, "g": {Live: 1}}
		},
		Sched: func() SchedStats { return SchedStats{Limit: 8, Running: 5, Queued: 2} },
		HTTP2: func() H2Stats {
			return H2Stats{Conns: 4, Streams: 9, Errors: map[string]uint64{"PROTOCOL_ERROR": 2, "bad_preface": 1}}
		},
		Cache: func() map[string]CacheStats {
			return map[string]CacheStats{"f": {Entries: 2, Bytes: 900, Hits: 5, Misses: 3, Stores: 4, Evictions: 1}}
		},
	}
}

func TestSources(t *testing.T) {
	t.Run("AllReadAtScrape", func(t *testing.T) {
		m := New()
		applied := uint64(40)
		s := fullSources()
		s.Applied = func() uint64 { return applied }
		m.SetSources(s)
		applied = 41
		got := series(t, m)
		for name, want := range map[string]map[string]float64{
			"vault_ledger_head_sequence":        {"": 42},
			"vault_ledger_applied_sequence":     {"": 41},
			"vault_isolates_live":               {"function=f": 3, "function=g": 1},
			"vault_isolates_idle":               {"function=f": 1, "function=g": 0},
			"vault_sched_concurrency_limit":     {"": 8},
			"vault_sched_running":               {"": 5},
			"vault_sched_queued":                {"": 2},
			"vault_http2_open_connections":      {"": 4},
			"vault_http2_open_streams":          {"": 9},
			"vault_http2_protocol_errors_total": {"kind=PROTOCOL_ERROR": 2, "kind=bad_preface": 1},
			"vault_cache_entries":               {"function=f": 2},
			"vault_cache_bytes":                 {"function=f": 900},
			"vault_cache_hits_total":            {"function=f": 5},
			"vault_cache_misses_total":          {"function=f": 3},
			"vault_cache_stores_total":          {"function=f": 4},
			"vault_cache_evictions_total":       {"function=f": 1},
		} {
			if !maps.Equal(got[name], want) {
				t.Errorf("%s = %v, want %v", name, got[name], want)
			}
		}
	})
	t.Run("NilLeftOut", func(t *testing.T) {
		m := New()
		m.SetSources(Sources{Head: func() uint64 { return 7 }})
		got := series(t, m)
		if got["vault_ledger_head_sequence"][""] != 7 {
			t.Errorf("head = %v", got["vault_ledger_head_sequence"])
		}
		for _, name := range []string{"vault_ledger_applied_sequence", "vault_sched_running", "vault_http2_open_streams", "vault_isolates_live"} {
			if _, ok := got[name]; ok {
				t.Errorf("%s exported without a source", name)
			}
		}
	})
	t.Run("NoneBeforeSetSources", func(t *testing.T) {
		if got := series(t, New()); len(got) != 0 {
			t.Errorf("exported %v before any event or source", got)
		}
	})
}
