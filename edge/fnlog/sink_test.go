package fnlog

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
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

// TestSinkNeverBlocks: with the publisher stuck, Log still returns at
// once; what does not fit the buffer is dropped, counted, and reported in
// one warning.
func TestSinkNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	var mu sync.Mutex
	var published int
	pub := &fakePublisher{publish: func(string, []byte) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		mu.Lock()
		published++
		mu.Unlock()
		return nil
	}}
	var logs syncBuffer
	s := NewSink(pub, Config{Node: "n1", Buffer: 8, WarnEvery: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	s.Log(entry("fn", "first"))
	<-entered // the publisher holds the first entry; the buffer is empty
	start := time.Now()
	for range 100 {
		s.Log(entry("fn", "more"))
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("100 Log calls against a stuck publisher took %v", d)
	}
	if dropped, failed := s.Lost(); dropped != 92 || failed != 0 {
		t.Errorf("Lost() = %d dropped, %d failed; want 92 (100 minus a buffer of 8), 0", dropped, failed)
	}
	if strings.Contains(logs.String(), "lost") {
		t.Errorf("warned before the interval elapsed:\n%s", logs.String())
	}

	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if published != 9 {
		t.Errorf("published %d entries, want the first and the 8 buffered", published)
	}
	mu.Unlock()
	if n := strings.Count(logs.String(), "function log entries lost"); n != 1 || !strings.Contains(logs.String(), "dropped=92") {
		t.Errorf("want one warning with dropped=92, got:\n%s", logs.String())
	}
	s.Log(entry("fn", "after close"))
	if dropped, _ := s.Lost(); dropped != 93 {
		t.Errorf("an entry logged after Close: dropped = %d, want 93", dropped)
	}
}

// TestSinkWarnsOncePerInterval: a steady loss is reported once per
// interval, not once per entry.
func TestSinkWarnsOncePerInterval(t *testing.T) {
	pub := &fakePublisher{publish: func(string, []byte) error { return nats.ErrConnectionClosed }}
	var logs syncBuffer
	s := NewSink(pub, Config{WarnEvery: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	deadline := time.Now().Add(350 * time.Millisecond)
	for time.Now().Before(deadline) {
		s.Log(entry("fn", "x"))
		time.Sleep(time.Millisecond)
	}
	s.Close(context.Background())
	_, failed := s.Lost()
	n := strings.Count(logs.String(), "function log entries lost")
	if failed < 100 || n < 2 || n > 5 {
		t.Errorf("%d entries failed, %d warnings over 350 ms at one per 100 ms:\n%s", failed, n, logs.String())
	}
	if !strings.Contains(logs.String(), nats.ErrConnectionClosed.Error()) {
		t.Errorf("the warning does not say why:\n%s", logs.String())
	}
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
