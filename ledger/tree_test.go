package ledger

import (
	"fmt"
	"testing"
)

func TestTreeRootMatchesRFC6962(t *testing.T) {
	var tree Tree
	var leaves [][]byte
	if got := tree.Root(); string(got[:]) != string(mth(nil)) {
		t.Fatal("empty tree root")
	}
	for i := range 300 {
		leaf := fmt.Appendf(nil, "record %d", i)
		tree.Add(leaf)
		leaves = append(leaves, leaf)
		if got := tree.Root(); string(got[:]) != string(mth(leaves)) {
			t.Fatalf("root after %d records differs from the RFC's MTH", i+1)
		}
	}
	if tree.Size() != 300 {
		t.Fatalf("size %d", tree.Size())
	}
}
