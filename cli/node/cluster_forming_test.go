package node

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// formingJS is a JetStream API in which a bucket just made is not known to
// this hub's lookups for a few tries.
type formingJS struct {
	jetstream.JetStream
	unknownFor int // lookups that answer "stream not found"
	lookups    int
}

func (f *formingJS) CreateObjectStore(context.Context, jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	return nil, nil
}

func (f *formingJS) Stream(_ context.Context, name string) (jetstream.Stream, error) {
	f.lookups++
	if f.lookups <= f.unknownFor {
		return nil, jetstream.ErrStreamNotFound
	}
	return answeringStream{name: name}, nil
}

type answeringStream struct {
	jetstream.Stream
	name string
}

func (s answeringStream) Info(context.Context, ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	return &jetstream.StreamInfo{Config: jetstream.StreamConfig{Name: s.name}}, nil
}

// TestFormingClusterWaitsForABucketItMade: a bucket this hub made that its
// own lookups do not find yet is a cluster still forming, retried, not a
// bucket that does not exist (a hub once exited with "open artifact store:
// stream not found" a second after the cluster formed).
func TestFormingClusterWaitsForABucketItMade(t *testing.T) {
	f := &formingJS{unknownFor: 2}
	c := formingCluster{JetStream: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := c.CreateObjectStore(context.Background(), jetstream.ObjectStoreConfig{Bucket: "ARTIFACTS"}); err != nil {
		t.Fatalf("create a bucket whose stream answers on the third lookup: %v", err)
	}
	if f.lookups != 3 {
		t.Fatalf("%d lookups, want 3", f.lookups)
	}
}
