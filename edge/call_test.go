package edge

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/projector"
	"github.com/vault-runtime/vault/schemas"
)

// vault kill said "aborted 4" while the scheduler still counted 4 running:
// an invocation stuck in a Go call (here a backtracking match, which only
// its 3 s wall limit ends) kept its executor and its slot. Now the kill
// frees the slot at once; the stuck call finishes on its own goroutine.
func TestKillFreesTheSchedulerSlotOfAStuckInvocation(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	f := NewFunctions(log, Options{})
	v := projector.ServedVersion{Version: 1, Artifact: "a1", Routes: []string{"/stuck"}}
	blob, err := schemas.EncodeArtifact(
		schemas.Section{Kind: schemas.SectionManifest, Data: []byte(`{"name":"stuck","entry":"i.js","limits":{"cpu_ms":10000,"wall_ms":3000}}`)},
		schemas.Section{Kind: schemas.SectionCode, Data: []byte(fmt.Sprintf(
			`var %s={default:{fetch(){return new Response(String(/^(a+)+(?!x)$/.test("a".repeat(30) + "!")))}}};`, schemas.BundleGlobal))})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Warm(context.Background(), "stuck", v, blob); err != nil {
		t.Fatal(err)
	}
	f.Publish(&projector.Snapshot{State: projector.NewState(), Served: map[string]projector.Served{
		"stuck": {Function: "stuck", Versions: []projector.ServedVersion{v}, ActivatedSeq: 1},
	}})
	s, err := NewServer(Config{Listen: "127.0.0.1:0", Scheduler: sched.Config{Executors: 1, MinLimit: 1}}, f, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.sched.Close)

	h := &handler{s: s}
	r := &h2.Request{Method: "GET", Scheme: "http", Authority: "example.com", Path: "/stuck", Header: http.Header{}}
	if _, resp := h.Route(r); resp != nil {
		t.Fatalf("route: %d %s", resp.Status, resp.Body)
	}
	h.Serve(r)
	// Kill until the invocation is in flight: it registers when it starts.
	waitStats(t, s, "the invocation to start", func(sched.Stats) bool { return f.Kill("stuck") == 1 })
	st := waitStats(t, s, "the slot to be freed", func(st sched.Stats) bool { return st.Running == 0 })
	if st.Released != 1 || st.Completed != 0 {
		t.Fatalf("after the kill: %+v, want the slot released while the call still runs", st)
	}
	waitStats(t, s, "the stuck call to end", func(st sched.Stats) bool { return st.Completed == 1 })
}

// waitStats polls the scheduler until cond holds, for at most 10 s.
func waitStats(t *testing.T, s *Server, what string, cond func(sched.Stats) bool) sched.Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.Scheduler().Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, st)
		}
		time.Sleep(time.Millisecond)
	}
}
