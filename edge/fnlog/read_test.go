package fnlog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// publishWait publishes entries through a sink and waits until the
// stream holds them all.
func publishWait(t *testing.T, nc *nats.Conn, js jetstream.JetStream, msgs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}
	before := stream.CachedInfo().State.Msgs
	s := NewSink(nc, Config{Node: "n"})
	for _, m := range msgs {
		s.Log(entry("shop", m))
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs >= before+uint64(len(msgs)) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func readAll(t *testing.T, js jetstream.JetStream, fn string, opts ReadOptions) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []string
	err := Read(ctx, js, fn, opts, func(e Entry) error {
		got = append(got, e.Message)
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s): %v", fn, err)
	}
	return got
}

func TestRead(t *testing.T) {
	nc, js := runNATS(t)
	publishWait(t, nc, js, "one", "two")
	time.Sleep(20 * time.Millisecond)
	mid := time.Now()
	time.Sleep(20 * time.Millisecond)
	publishWait(t, nc, js, "three")

	t.Run("Backlog", func(t *testing.T) {
		if got := readAll(t, js, "shop", ReadOptions{}); len(got) != 3 || got[0] != "one" || got[2] != "three" {
			t.Errorf("read %q, want one two three", got)
		}
	})
	t.Run("Since", func(t *testing.T) {
		if got := readAll(t, js, "shop", ReadOptions{Since: mid}); len(got) != 1 || got[0] != "three" {
			t.Errorf("read %q since the middle, want three", got)
		}
	})
	t.Run("NothingSince", func(t *testing.T) {
		if got := readAll(t, js, "shop", ReadOptions{Since: time.Now().Add(time.Minute)}); len(got) != 0 {
			t.Errorf("read %q from the future", got)
		}
	})
	t.Run("OtherFunction", func(t *testing.T) {
		if got := readAll(t, js, "cart", ReadOptions{}); len(got) != 0 {
			t.Errorf("read %q from a function that logged nothing", got)
		}
	})
	t.Run("Follow", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		got := make(chan string, 10)
		done := make(chan error, 1)
		go func() {
			done <- Read(ctx, js, "shop", ReadOptions{Since: mid, Follow: true}, func(e Entry) error {
				got <- e.Message
				return nil
			})
		}()
		if m := <-got; m != "three" {
			t.Fatalf("follow read %q first, want the backlog's three", m)
		}
		publishWait(t, nc, js, "four")
		select {
		case m := <-got:
			if m != "four" {
				t.Fatalf("follow read %q, want four", m)
			}
		case <-ctx.Done():
			t.Fatal("follow never read an entry logged after it started")
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Read after its context ended: %v, want context.Canceled", err)
		}
	})
	t.Run("CallbackError", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := Read(context.Background(), js, "shop", ReadOptions{}, func(Entry) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Read returned %v after %d entries, want the callback's error after 1", err, n)
		}
	})
	t.Run("Undecodable", func(t *testing.T) {
		if err := nc.Publish(Subject("junk"), []byte("not json")); err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		var got []Entry
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for len(got) == 0 && ctx.Err() == nil {
			Read(ctx, js, "junk", ReadOptions{}, func(e Entry) error { got = append(got, e); return nil })
		}
		if len(got) != 1 || got[0].Source != SourceInvalid || got[0].Time.IsZero() {
			t.Errorf("an undecodable entry read as %+v", got)
		}
	})
}

func TestReadNoStream(t *testing.T) {
	_, js := runNATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := js.DeleteStream(ctx, StreamName); err != nil {
		t.Fatal(err)
	}
	err := Read(ctx, js, "shop", ReadOptions{}, func(Entry) error { return nil })
	if !errors.Is(err, ErrNoStream) {
		t.Errorf("Read without the stream: %v, want ErrNoStream", err)
	}
}
