package integration

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vault-runtime/vault/cli/registry/testimage"
	"github.com/vault-runtime/vault/edge/testenv"
)

// BenchmarkImages pulls test images from a real registry (the
// distribution registry on loopback, htpasswd auth) into a node, and
// reports for each the pull's wall time (vault image pull, every blob
// through the node into the artifact store, the record appended) and the
// node's unpack time (from its log), and what a second image sharing the
// first's base layer adds to the store. It needs the registry and
// busybox-static; `make bench-images` runs it.
func BenchmarkImages(b *testing.B) {
	if os.Getenv("VAULT_BENCH_IMAGES") == "" {
		b.Skip("image benchmark: set VAULT_BENCH_IMAGES=1 or run make bench-images")
	}
	reg := startRegistry(b, "bench", "pw")
	auth := remote.WithAuth(&authn.Basic{Username: "bench", Password: "pw"})
	images := []struct {
		name string
		opts testimage.Options
	}{
		{"busybox", testimage.Options{Page: "one\n"}},
		{"busybox-shared-base", testimage.Options{Page: "two\n"}},
		{"filler-200mb", testimage.Options{Page: "big\n", Filler: 200 << 20}},
	}
	for _, im := range images {
		img, err := testimage.Build(im.opts)
		if errors.Is(err, testimage.ErrNoBusybox) {
			testenv.Missing(b, "%v", err)
		}
		if err != nil {
			b.Fatal(err)
		}
		ref, err := name.ParseReference(reg.addr + "/bench/" + im.name + ":1")
		if err != nil {
			b.Fatal(err)
		}
		if err := remote.Write(ref, img, auth); err != nil {
			b.Fatal(err)
		}
	}
	e := newEnv(b)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	if _, stderr, code := e.vaultStdin(srv, "pw\n", "registry", "login", reg.addr, "-u", "bench", "--password-stdin"); code != 0 {
		b.Fatalf("login: %s", stderr)
	}
	stored := regexp.MustCompile(`is (sha256:[0-9a-f]+) .*: (\d+) blobs stored \(([^)]*)\), (\d+) already there`)
	for _, im := range images {
		b.Run(im.name, func(b *testing.B) {
			for b.Loop() {
				start := time.Now()
				out := e.mustVault(srv, "image", "pull", reg.addr+"/bench/"+im.name+":1")
				pull := time.Since(start)
				m := stored.FindStringSubmatch(out)
				if m == nil {
					b.Fatalf("vault image pull printed %q", out)
				}
				digest := m[1]
				var st imagesStatus
				waitFor(b, 5*time.Minute, "the node to unpack "+im.name, func() bool {
					if err := json.Unmarshal([]byte(e.mustVault(srv, "status", "--json")), &st); err != nil {
						b.Fatal(err)
					}
					return st.Images[digest].Unpacked || st.Images[digest].Err != ""
				})
				if msg := st.Images[digest].Err; msg != "" {
					b.Fatalf("unpack %s: %s", im.name, msg)
				}
				b.ReportMetric(float64(pull.Milliseconds()), "pull-ms")
				b.ReportMetric(unpackMillis(b, n.stderr.String(), digest), "unpack-ms")
				blobs, _ := strconv.Atoi(m[2])
				b.ReportMetric(float64(blobs), "blobs-stored")
				b.Logf("%s %s: %s blobs stored (%s), %s already there; pull %v", im.name, digest, m[2], m[3], m[4], pull)
			}
		})
	}
}

// unpackMillis reads how long the node took to unpack digest from its
// "image unpacked" log line.
func unpackMillis(b *testing.B, log, digest string) float64 {
	b.Helper()
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `msg="image unpacked"`) || !strings.Contains(line, "image="+digest) {
			continue
		}
		_, took, ok := strings.Cut(line, "took=")
		if !ok {
			break
		}
		d, err := time.ParseDuration(strings.Fields(took)[0])
		if err != nil {
			b.Fatal(err)
		}
		return float64(d.Milliseconds())
	}
	b.Fatalf("no unpack log line for %s", digest)
	return 0
}
