package ledger

import (
	"context"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func hashesOf(p []tlog.Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = append([]byte(nil), p[i][:]...)
	}
	return out
}

// TestProofsCheckWithIndependentRFC6962 appends 70 records and checks, for
// every tree size, the root against the RFC's recursive definition, every
// inclusion proof and every consistency proof with code written from the
// RFC rather than with tlog.
func TestProofsCheckWithIndependentRFC6962(t *testing.T) {
	b := newBackend(t)
	s := b.open(t)
	const n = 70
	var leaves [][]byte
	for i := range n {
		if _, err := s.Append(context.Background(), envelope(i), admitAll, AppendOptions{}); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, envelope(i))
	}
	roots := make([][]byte, n+1)
	for size := uint64(1); size <= n; size++ {
		got, err := s.idx.treeHash(size)
		if err != nil {
			t.Fatal(err)
		}
		roots[size] = mth(leaves[:size])
		if string(got[:]) != string(roots[size]) {
			t.Fatalf("root of %d records differs from RFC 6962's MTH", size)
		}
	}
	for size := uint64(1); size <= n; size++ {
		for seq := uint64(1); seq <= size; seq++ {
			p, err := s.ProveRecord(seq, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyInclusion(seq-1, size, leaves[seq-1], hashesOf(p), roots[size]); err != nil {
				t.Fatalf("inclusion of seq %d in %d: %v", seq, size, err)
			}
			if size > 1 {
				// A proof for the wrong leaf must not verify.
				other := leaves[seq%size]
				if verifyInclusion(seq-1, size, other, hashesOf(p), roots[size]) == nil {
					t.Fatalf("inclusion proof of seq %d verified another record", seq)
				}
			}
		}
		for old := uint64(1); old <= size; old++ {
			p, err := s.ProveTree(size, old)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyConsistency(old, size, roots[old], roots[size], hashesOf(p)); err != nil {
				t.Fatalf("consistency %d → %d: %v", old, size, err)
			}
			if old < size && verifyConsistency(old, size, roots[old], mth(append(leaves[:size-1:size-1], []byte("forged"))), hashesOf(p)) == nil {
				t.Fatalf("consistency %d → %d verified against a forged new root", old, size)
			}
		}
	}
	if _, err := s.ProveRecord(n+1, n); err == nil {
		t.Error("proof of a record beyond the tree")
	}
}
