package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/vault-runtime/vault/events"
)

// A refusal crosses the wire by kind: the client branches on the same
// sentinels as the node, and reads the gate's reason once, with the
// event and sequence in the error's fields.
func TestAppendRefusalsCrossTheWire(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	ctx := context.Background()
	paused := gateFunc(func(_ context.Context, head uint64, env []byte) error {
		if string(env) == string(envelope(2)) {
			return fmt.Errorf("activate shop@v2: shop is paused (since seq 12, v1): resume it first: %w", events.ErrConflict)
		}
		if string(env) == string(envelope(3)) {
			return fmt.Errorf("verify event: key k1: %w", events.ErrUnknownKey)
		}
		return nil
	})
	svc, err := Serve(b.nc, s, paused, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	if _, err := Append(ctx, b.nc, envelope(1), AppendOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrRejected", func(t *testing.T) {
		_, err := Append(ctx, b.nc, envelope(2), AppendOptions{})
		if !errors.Is(err, ErrRejected) || !errors.Is(err, events.ErrConflict) {
			t.Fatalf("got %v, want ErrRejected and events.ErrConflict", err)
		}
		if want := "activate shop@v2: shop is paused (since seq 12, v1): resume it first"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		var refusal *AppendError
		if !errors.As(err, &refusal) || refusal.ID != events.ID(envelope(2)) || refusal.Seq != 2 {
			t.Errorf("refusal %+v, want event %s at seq 2", refusal, events.ID(envelope(2)))
		}
	})
	t.Run("CauseKeepsItsWords", func(t *testing.T) {
		_, err := Append(ctx, b.nc, envelope(3), AppendOptions{})
		if !errors.Is(err, ErrRejected) || !errors.Is(err, events.ErrUnknownKey) || err.Error() != "verify event: key k1: events: unknown key" {
			t.Fatalf("got %q", err)
		}
	})
	t.Run("ErrHeadMoved", func(t *testing.T) {
		_, err := Append(ctx, b.nc, envelope(4), AppendOptions{ExpectHead: 7})
		if !errors.Is(err, ErrHeadMoved) || errors.Is(err, ErrRejected) || err.Error() != "the ledger's head is seq 1, expected 7" {
			t.Fatalf("got %q", err)
		}
	})
}

// Every kind a node gives is the same sentinel at the client.
func TestAppendReplyKinds(t *testing.T) {
	for _, k := range appendKinds {
		t.Run(k.name, func(t *testing.T) {
			err := refusal(appendReply{Error: "why", Kind: k.name})
			if !errors.Is(err, k.err) || err.Error() != "why" {
				t.Errorf("kind %q: got %v, want %v", k.name, err, k.err)
			}
		})
	}
	if err := refusal(appendReply{Kind: "mirror"}); err.Error() != ErrMirror.Error() {
		t.Errorf("a refusal without a reason says %q, want the kind's text", err)
	}
}
