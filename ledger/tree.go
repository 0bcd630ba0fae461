package ledger

import (
	"crypto/sha256"

	"golang.org/x/mod/sumdb/tlog"
)

// emptyRoot is the RFC 6962 hash of the empty tree: SHA-256 of nothing.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// Tree computes RFC 6962 roots over records added one by one, keeping only
// the roots of the perfect subtrees along the right edge (a compact range):
// O(log n) memory, so an auditor can check a ledger of any length.
type Tree struct {
	size   uint64
	stack  []tlog.Hash // roots of perfect subtrees, largest first
	height []int
}

// Add appends a record.
func (t *Tree) Add(record []byte) {
	h, ht := tlog.RecordHash(record), 0
	for n := len(t.stack); n > 0 && t.height[n-1] == ht; n = len(t.stack) {
		h, ht = tlog.NodeHash(t.stack[n-1], h), ht+1
		t.stack, t.height = t.stack[:n-1], t.height[:n-1]
	}
	t.stack, t.height = append(t.stack, h), append(t.height, ht)
	t.size++
}

// Size is the number of records added.
func (t *Tree) Size() uint64 { return t.size }

// Root is the tree hash of the records added so far.
func (t *Tree) Root() tlog.Hash {
	if len(t.stack) == 0 {
		return emptyRoot
	}
	h := t.stack[len(t.stack)-1]
	for i := len(t.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(t.stack[i], h)
	}
	return h
}
