package rootfs

import (
	"context"
	"testing"
)

// FuzzUnpack feeds arbitrary bytes to Unpack as an uncompressed layer:
// it may fail, but it must not panic, and nothing beside the tree may
// change. The seeds in testdata/fuzz/FuzzUnpack are the hostile layers of
// TestUnpackRefusesHostileLayers.
func FuzzUnpack(f *testing.F) {
	f.Add(tarOf(f, file("a/b", "x"), symlink("l", "../outside"), file("l/secret", "pwned")))
	f.Add(tarOf(f, dir("d"), file("d/.wh..wh..opq", ""), file(".wh.d", ""), hardlink("h", "../outside/secret")))
	f.Fuzz(func(t *testing.T, blob []byte) {
		s := newSandbox(t)
		_, _ = Unpack(context.Background(), s.tree, []Layer{blobLayer(blob, MediaTypeTar)}, Limits{MaxBytes: 1 << 20, MaxEntries: 1000})
		s.untouched(t)
	})
}
