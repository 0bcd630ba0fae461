package rootfs

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/vault-runtime/vault/edge/testenv"
)

// BenchmarkUnpack unpacks the test image's layers (busybox-static, as
// cli/registry/testimage builds it) and a 200 MB layer of incompressible
// bytes, gzip-compressed as a registry serves them.
func BenchmarkUnpack(b *testing.B) {
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		testenv.Missing(b, "busybox-static: %v", err)
	}
	busybox := []ent{dir("bin"), {name: "bin/busybox", typ: '0', body: string(bin), mode: 0o755}}
	for _, a := range []string{"sh", "ls", "cat", "httpd", "id", "echo"} {
		busybox = append(busybox, symlink("bin/"+a, "busybox"))
	}
	busybox = append(busybox, file("etc/passwd", "app:x:1000:1000::/home/app:/bin/sh\n"), file("www/index.html", "hi\n"))
	filler := make([]byte, 200<<20)
	rand.NewChaCha8([32]byte{'v'}).Read(filler)
	for _, bc := range []struct {
		name   string
		layers []Layer
		bytes  int64
	}{
		{"busybox", []Layer{gzipLayer(b, busybox...)}, int64(len(bin))},
		{"filler-200MB", []Layer{gzipLayer(b, file("filler", string(filler)))}, int64(len(filler))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(bc.bytes)
			for b.Loop() {
				dir := b.TempDir()
				if _, err := Unpack(context.Background(), dir, bc.layers, Limits{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}
