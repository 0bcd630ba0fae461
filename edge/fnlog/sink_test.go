package fnlog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/edge/isolate"
)

// fakePublisher is a Publisher whose Publish runs publish.
type fakePublisher struct {
	publish func(subject string, data []byte) error
}

func (p *fakePublisher) Publish(subject string, data []byte) error { return p.publish(subject, data) }
func (p *fakePublisher) FlushTimeout(time.Duration) error          { return nil }

// syncBuffer is a log destination tests read while the sink writes.
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

func entry(fn, msg string) isolate.LogEntry {
	return isolate.LogEntry{Function: fn, Version: 3, RequestID: "req-1", Level: "info",
		Source: isolate.SourceConsole, Time: time.Now(), Message: msg}
}

// warnings are the lines of logs that report lost entries.
func warnings(logs *syncBuffer) []string {
	var ws []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "function log entries lost") {
			ws = append(ws, line)
		}
	}
	return ws
}

// TestSinkNeverBlocks: with the publisher stuck, Log still returns; what
// does not fit the buffer is dropped and counted, what fits is published
// in order once the publisher moves again, and the loss is reported in
// one warning. It runs in a synctest bubble: had a Log call waited for the
// stuck publisher, every goroutine of the bubble would be blocked and
// synctest would fail the test as deadlocked.
func TestSinkNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var mu sync.Mutex
		var published []string
		pub := &fakePublisher{publish: func(_ string, data []byte) error {
			<-release
			var e Entry
			if err := json.Unmarshal(data, &e); err != nil {
				t.Errorf("published %q: %v", data, err)
			}
			mu.Lock()
			published = append(published, e.Message)
			mu.Unlock()
			return nil
		}}
		var logs syncBuffer
		s := NewSink(pub, Config{Node: "n1", Buffer: 8, WarnEvery: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

		s.Log(entry("fn", "first"))
		synctest.Wait() // the publisher holds the first entry; the buffer is empty
		for i := range 100 {
			s.Log(entry("fn", fmt.Sprint("more ", i)))
		}
		if dropped, failed := s.Lost(); dropped != 92 || failed != 0 {
			t.Errorf("Lost() = %d dropped, %d failed; want 92 (100 minus a buffer of 8), 0", dropped, failed)
		}
		synctest.Wait()
		if ws := warnings(&logs); len(ws) != 0 {
			t.Errorf("warned before the interval elapsed: %q", ws)
		}

		close(release)
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []string{"first", "more 0", "more 1", "more 2", "more 3", "more 4", "more 5", "more 6", "more 7"}
		mu.Lock()
		if !slices.Equal(published, want) {
			t.Errorf("published %q, want the first entry and the 8 buffered, in order: %q", published, want)
		}
		mu.Unlock()
		if ws := warnings(&logs); len(ws) != 1 || !strings.Contains(ws[0], "dropped=92 unpublished=0 total=92") {
			t.Errorf("want one warning with dropped=92, got %q", ws)
		}
		s.Log(entry("fn", "after close"))
		if dropped, _ := s.Lost(); dropped != 93 {
			t.Errorf("an entry logged after Close: dropped = %d, want 93", dropped)
		}
	})
}

// TestSinkWarnsOncePerInterval: a steady loss is reported once per
// interval, with the counts since the last warning and the last error; an
// interval without loss, and Close after it, report nothing. It runs on
// synctest's clock, so the intervals are exact: the sink's ticker fires at
// 100, 200 and 300 ms, and entries are lost at 0, 150 and 180 ms.
func TestSinkWarnsOncePerInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &fakePublisher{publish: func(string, []byte) error { return nats.ErrConnectionClosed }}
		var logs syncBuffer
		const every = 100 * time.Millisecond
		s := NewSink(pub, Config{WarnEvery: every, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		defer s.Close(context.Background()) // if the test stops early: the bubble's goroutines must end
		lose := func(n int) {
			for range n {
				s.Log(entry("fn", "x"))
			}
		}
		// after sleeps until at, waits for the sink, and checks the warnings so far.
		start := time.Now()
		after := func(at time.Duration, want ...string) {
			t.Helper()
			time.Sleep(at - time.Since(start))
			synctest.Wait()
			ws := warnings(&logs)
			if len(ws) != len(want) {
				t.Fatalf("at %v: %d warnings, want %d: %q", at, len(ws), len(want), ws)
			}
			for i, w := range want {
				if !strings.Contains(ws[i], w) {
					t.Errorf("at %v: warning %d is %q, want it to contain %q", at, i+1, ws[i], w)
				}
			}
		}
		first := "dropped=0 unpublished=5 total=5 err=" + `"` + nats.ErrConnectionClosed.Error() + `"`
		second := "dropped=0 unpublished=3 total=8 err="
		lose(5)
		after(50 * time.Millisecond)
		after(150*time.Millisecond, first)
		lose(2)
		after(180*time.Millisecond, first)
		lose(1)
		after(250*time.Millisecond, first, second)
		after(350*time.Millisecond, first, second) // nothing lost since
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		after(350*time.Millisecond, first, second)
		if dropped, failed := s.Lost(); dropped != 0 || failed != 8 {
			t.Errorf("Lost() = %d dropped, %d failed; want 0, 8", dropped, failed)
		}
	})
}

// TestSinkPublishesJSON: entries reach the LOGS stream on their
// function's subject, as JSON with every field and the node's ID.
func TestSinkPublishesJSON(t *testing.T) {
	nc, js := runNATS(t)
	s := NewSink(nc, Config{Node: "node-a"})
	at := time.Date(2026, 5, 4, 3, 2, 1, 123456789, time.UTC)
	want := isolate.LogEntry{Function: "shop", Version: 7, RequestID: "0badc0de", Level: "warn",
		Source: isolate.SourceRuntime, Time: at, Message: "careful: \"quoted\"\nand a second line"}
	s.Log(want)
	s.Log(entry("other", "not shop's"))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}
	var raw *jetstream.RawStreamMsg
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if raw, err = stream.GetLastMsgForSubject(ctx, "vault.logs.shop"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no entry on vault.logs.shop: %v", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw.Data, &fields); err != nil {
		t.Fatalf("entry is not JSON: %v: %s", err, raw.Data)
	}
	for _, key := range []string{"fn", "version", "request", "level", "source", "time", "msg", "node"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("entry lacks %q: %s", key, raw.Data)
		}
	}
	var got Entry
	if err := json.Unmarshal(raw.Data, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(want.Time) {
		t.Errorf("time %v, want %v", got.Time, want.Time)
	}
	got.Time = want.Time
	if got.LogEntry != want || got.Node != "node-a" {
		t.Errorf("got %+v\nwant %+v on node-a", got, want)
	}
}

func TestSubject(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"shop", "vault.logs.shop"},
		{"a-b-9", "vault.logs.a-b-9"},
		{"a.b", "vault.logs._YS5i"},
		{">", "vault.logs._Pg"},
		{"*", "vault.logs._Kg"},
		{"Shop", "vault.logs._U2hvcA"},
		{"", "vault.logs._"},
	} {
		if got := Subject(tc.name); got != tc.want {
			t.Errorf("Subject(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// runNATS starts an embedded JetStream server with the LOGS stream.
func runNATS(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
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
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := js.CreateOrUpdateStream(ctx, StreamConfig()); err != nil {
		t.Fatal(err)
	}
	return nc, js
}

func BenchmarkSinkLog(b *testing.B) {
	s := NewSink(&fakePublisher{publish: func(string, []byte) error { return nil }}, Config{})
	defer s.Close(context.Background())
	e := entry("fn", "a typical line of console output")
	b.ReportAllocs()
	for b.Loop() {
		s.Log(e)
	}
}
