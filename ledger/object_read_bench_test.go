package ledger

import (
	"context"
	"testing"

	"github.com/vault-runtime/vault/events"
)

// BenchmarkReadObject reads a 16 MiB artifact (128 chunks) chunk by chunk
// with direct gets, as nodes do, beside nats.go's reader, which creates a
// consumer per read.
func BenchmarkReadObject(b *testing.B) {
	be := newBackend(b)
	ctx := context.Background()
	obs, err := OpenArtifactBucket(ctx, be.js, true)
	if err != nil {
		b.Fatal(err)
	}
	stream, err := artifactStream(ctx, be.js)
	if err != nil {
		b.Fatal(err)
	}
	blob := make([]byte, 16<<20)
	for i := range blob {
		blob[i] = byte(i * 13)
	}
	digest, err := PutArtifact(ctx, obs, blob)
	if err != nil || digest != events.Digest(blob) {
		b.Fatal(digest, err)
	}
	b.Run("direct-gets", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			if got, err := readObject(ctx, obs, stream, digest); err != nil || len(got) != len(blob) {
				b.Fatal(len(got), err)
			}
		}
	})
	b.Run("nats.go-consumer", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			if got, err := obs.GetBytes(ctx, digest); err != nil || len(got) != len(blob) {
				b.Fatal(len(got), err)
			}
		}
	})
}
