package node

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/projector/fold"
)

func TestSeqRing(t *testing.T) {
	r := newSeqRing[string](3)
	for seq := uint64(1); seq <= 4; seq++ {
		r.add(seq, fmt.Sprint("h", seq))
	}
	if _, ok := r.at(1); ok {
		t.Error("seq 1 was not evicted")
	}
	for seq := uint64(2); seq <= 4; seq++ {
		if h, ok := r.at(seq); !ok || h != fmt.Sprint("h", seq) {
			t.Errorf("at(%d) = %q, %v", seq, h, ok)
		}
	}
	t.Run("ReAddKeepsOthers", func(t *testing.T) {
		r.add(3, "h3'")
		if h, _ := r.at(3); h != "h3'" || r.len() != 3 {
			t.Errorf("after re-adding 3: at(3) = %q, len %d", h, r.len())
		}
		if _, ok := r.at(2); !ok {
			t.Error("re-adding seq 3 evicted seq 2")
		}
	})
	t.Run("FullSize", func(t *testing.T) {
		r := newSeqRing[string](hashRingSize)
		for seq := uint64(1); seq <= hashRingSize+10; seq++ {
			r.add(seq, "h")
		}
		_, old := r.at(10)
		_, kept := r.at(11)
		if old || !kept || r.len() != hashRingSize {
			t.Errorf("seq 10 kept %v, seq 11 kept %v, len %d", old, kept, r.len())
		}
	})
}

// BenchmarkStateHash measures State.Hash, which every publication pays,
// on a state of 1000 records: 200 functions, each deployed three times
// and activated twice.
func BenchmarkStateHash(b *testing.B) {
	st := fold.NewState()
	st.Ledger, st.Seq = strings.Repeat("a", 64), 1000
	for i := range 200 {
		name := fmt.Sprintf("fn%03d", i)
		f := &fold.Function{Name: name, State: fold.Active, Active: 3, ActivatedSeq: uint64(i*5 + 5)}
		for v := 1; v <= 3; v++ {
			route := fmt.Sprintf("/%s/v%d/*", name, v)
			f.Versions = append(f.Versions, fold.Version{Number: v, Artifact: "sha256:" + strings.Repeat("b", 64), Size: 4096,
				Routes: []string{route}, DeployedSeq: uint64(i*5 + v), DeployedBy: []string{strings.Repeat("k", 52)}, EventID: strings.Repeat("e", 64)})
			st.Routes[route] = fold.RouteOwner{Function: name, Route: route, Since: uint64(i*5 + v)}
		}
		for v := 2; v <= 3; v++ {
			f.History = append(f.History, fold.Transition{Seq: uint64(i*5 + 3 + v), EventID: strings.Repeat("e", 64), Action: "activate",
				Version: v, By: []string{strings.Repeat("k", 52)}, State: fold.Active, Active: v})
		}
		st.Functions[name] = f
	}
	data, _ := json.Marshal(st)
	b.ReportAllocs()
	for b.Loop() {
		_ = st.Hash()
	}
	b.ReportMetric(float64(len(data)), "state-bytes")
}
