package integration

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/ledger"
)

// ledgerBlockOffset tells where to flip a byte so that ledger record seq,
// and no record before it, is damaged: the middle of the record in the
// ledger stream's single block file. The node encrypts JetStream at rest,
// so the record cannot be found by its bytes; but NATS encrypts a block
// with a stream cipher (AES-CTR or ChaCha20), so ciphertext and plaintext
// offsets agree, and a record's length follows from its subject, headers
// and data, which the running node returns. Call it before stopping the
// node.
func ledgerBlockOffset(t *testing.T, e *env, server string, seq uint64) (block string, offset int64) {
	t.Helper()
	nc := dial(t, server)
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, ledger.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	for s := uint64(1); s <= seq; s++ {
		m, err := stream.GetMsg(ctx, s)
		if err != nil {
			t.Fatalf("get ledger record %d: %v", s, err)
		}
		size := recordSize(m)
		if s == seq {
			offset += size / 2
		} else {
			offset += size
		}
	}
	blocks, _ := filepath.Glob(filepath.Join(e.data, "nats", "jetstream", "*", "streams", ledger.StreamName, "msgs", "*.blk"))
	if len(blocks) != 1 {
		t.Fatalf("ledger stream has %d block files, want 1: %v", len(blocks), blocks)
	}
	return blocks[0], offset
}

// recordSize is the length of a message's record in a NATS file store
// block: length, sequence and timestamp, subject, headers, data, hash.
func recordSize(m *jetstream.RawStreamMsg) int64 {
	size := 4 + 8 + 8 + 2 + len(m.Subject) + len(m.Data) + 8
	if len(m.Header) > 0 {
		hdr := len("NATS/1.0\r\n") + len("\r\n")
		for k, vs := range m.Header {
			for _, v := range vs {
				hdr += len(k) + len(": ") + len(v) + len("\r\n")
			}
		}
		size += 4 + hdr
	}
	return int64(size)
}
