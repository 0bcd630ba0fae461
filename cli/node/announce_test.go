package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/vault-runtime/vault/projector/fold"
)

// runTestNATS starts a NATS server in this process, without a listener.
func runTestNATS(t testing.TB) *nats.Conn {
	t.Helper()
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// syncBuffer is a log sink the test reads while handlers write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// recordingPublisher stands in for the edge.
type recordingPublisher struct {
	mu    sync.Mutex
	snaps []*fold.Snapshot
}

func (p *recordingPublisher) Publish(s *fold.Snapshot) {
	p.mu.Lock()
	p.snaps = append(p.snaps, s)
	p.mu.Unlock()
}

// testSnapshot is a snapshot at seq whose state hash depends on tag.
func testSnapshot(seq uint64, tag string) *fold.Snapshot {
	st := fold.NewState()
	st.Ledger, st.Seq = "ledger1", seq
	st.Functions[tag] = &fold.Function{Name: tag, State: fold.Inactive}
	return &fold.Snapshot{State: st, Served: map[string]fold.Served{}}
}

// testCheckpointNote is a checkpoint note of size 7 with a fake signature.
func testCheckpointNote() ([]byte, string) {
	root := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	return []byte("vault/ledger1\n7\n" + root + "\n\n— vault/ledger1 AAAA\n"), root
}

func newTestAnnouncer(t *testing.T, nc *nats.Conn, id, role string) (*announcer, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	note, _ := testCheckpointNote()
	a := &announcer{Publisher: &recordingPublisher{}, id: id, nc: nc, log: slog.New(slog.NewTextHandler(logs, nil)),
		role: role, head: func() uint64 { return 9 }, checkpoint: func() []byte { return note },
		link: func() string { return "connected" }, alerts: func() []string { return nil }}
	subs, err := a.serve(func() *fold.Snapshot { return testSnapshot(1, "genesis") })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range subs {
			s.Unsubscribe()
		}
	})
	return a, logs
}

func TestAnnouncerPublish(t *testing.T) {
	nc := runTestNATS(t)
	a, _ := newTestAnnouncer(t, nc, "edge1", RoleEdge)
	ch := make(chan *nats.Msg, 4)
	sub, err := nc.ChanSubscribe(AppliedSubject, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	snap := testSnapshot(5, "fn")
	a.Publish(snap)
	if got := a.Publisher.(*recordingPublisher).snaps; len(got) != 1 || got[0] != snap {
		t.Fatalf("the edge got %v, want the snapshot", got)
	}
	var got Announcement
	select {
	case msg := <-ch:
		if err := json.Unmarshal(msg.Data, &got); err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no announcement")
	}
	_, root := testCheckpointNote()
	if got.NodeID != "edge1" || got.Role != RoleEdge || got.Applied != 5 || got.Head != 9 || got.Link != "connected" ||
		got.StateHash != snap.State.Hash() || got.Checkpoint == nil || got.Checkpoint.Size != 7 || got.Checkpoint.Root != root {
		t.Fatalf("announcement = %+v", got)
	}

	t.Run("NodesRequest", func(t *testing.T) {
		msg, err := nc.Request(NodesSubject, nil, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var cur Announcement
		if err := json.Unmarshal(msg.Data, &cur); err != nil {
			t.Fatal(err)
		}
		if cur.Applied != 5 || cur.StateHash != snap.State.Hash() || cur.Role != RoleEdge {
			t.Fatalf("current announcement = %+v", cur)
		}
	})
	t.Run("HashRequest", func(t *testing.T) {
		for _, tc := range []struct {
			seq   uint64
			known bool
		}{{5, true}, {4, false}} {
			req, _ := json.Marshal(HashRequest{Seq: tc.seq})
			msg, err := nc.Request(NodeHashSubject, req, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var ans HashAnswer
			if err := json.Unmarshal(msg.Data, &ans); err != nil {
				t.Fatal(err)
			}
			want := HashAnswer{NodeID: "edge1", Role: RoleEdge, Seq: tc.seq, Known: tc.known}
			if tc.known {
				want.Hash = snap.State.Hash()
			}
			if ans != want {
				t.Errorf("seq %d: answer %+v, want %+v", tc.seq, ans, want)
			}
		}
	})
}

func TestAnnouncerBeforeFirstPublish(t *testing.T) {
	nc := runTestNATS(t)
	newTestAnnouncer(t, nc, "hub1", RoleHub)
	msg, err := nc.Request(NodesSubject, nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var cur Announcement
	if err := json.Unmarshal(msg.Data, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Applied != 1 || cur.StateHash != testSnapshot(1, "genesis").State.Hash() {
		t.Fatalf("announcement before any publication = %+v", cur)
	}
}

// hubAnnouncement is what a hub at seq with hash would publish.
func hubAnnouncement(t *testing.T, hub, role string, seq uint64, hash string) *nats.Msg {
	t.Helper()
	data, err := json.Marshal(Announcement{NodeID: hub, Role: role, Applied: seq, StateHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return &nats.Msg{Subject: AppliedSubject, Data: data}
}

func TestAnnouncerDivergence(t *testing.T) {
	mine := testSnapshot(5, "fn")
	other := testSnapshot(5, "other").State.Hash()
	for _, tc := range []struct {
		name, from, role string
		seq              uint64
		hash             string
		alert            bool
	}{
		{"DifferentHash", "hub1", RoleHub, 5, other, true},
		{"SameHash", "hub1", RoleHub, 5, mine.State.Hash(), false},
		{"SeqNotInRing", "hub1", RoleHub, 4, other, false},
		{"FromAnEdge", "edge2", RoleEdge, 5, other, false},
		{"FromItself", "edge1", RoleHub, 5, other, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := runTestNATS(t)
			a, logs := newTestAnnouncer(t, nc, "edge1", RoleEdge)
			publishSync(t, a, mine)
			a.heard(hubAnnouncement(t, tc.from, tc.role, tc.seq, tc.hash))
			got := a.divergence()
			if tc.alert != (len(got) == 1) || tc.alert != strings.Contains(logs.String(), "level=ERROR msg=\"DIVERGED: hub hub1") {
				t.Fatalf("divergence() = %q; log:\n%s", got, logs.String())
			}
		})
	}
	t.Run("HubHeardFirst", func(t *testing.T) {
		nc := runTestNATS(t)
		a, _ := newTestAnnouncer(t, nc, "edge1", RoleEdge)
		a.heard(hubAnnouncement(t, "hub1", RoleHub, 5, other))
		if got := a.divergence(); got != nil {
			t.Fatalf("divergence before publishing seq 5 = %q", got)
		}
		publishSync(t, a, mine)
		if got := a.divergence(); len(got) != 1 || !strings.Contains(got[0], "at seq 5") {
			t.Fatalf("divergence() = %q", got)
		}
	})
	t.Run("OverNATS", func(t *testing.T) {
		nc := runTestNATS(t)
		a, _ := newTestAnnouncer(t, nc, "edge1", RoleEdge)
		a.Publish(mine)
		msg := hubAnnouncement(t, "hub1", RoleHub, 5, other)
		if err := nc.Publish(msg.Subject, msg.Data); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); a.divergence() == nil; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no divergence alert")
			}
		}
		req, _ := nc.Request(NodesSubject, nil, 5*time.Second)
		var cur Announcement
		if req == nil || json.Unmarshal(req.Data, &cur) != nil || len(cur.Diverged) != 1 {
			t.Fatalf("the announcement does not carry the alert: %+v", cur)
		}
	})
}

// publishSync publishes snap and waits until the announcer has announced
// it (announcing runs on its own goroutine).
func publishSync(t *testing.T, a *announcer, snap *fold.Snapshot) {
	t.Helper()
	a.Publish(snap)
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.mu.Lock()
		done := !a.announcing && a.waiting == nil
		a.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the announcer never announced the snapshot")
		}
		time.Sleep(time.Millisecond)
	}
}
