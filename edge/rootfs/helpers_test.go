package rootfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// ent is one tar entry of a test layer.
type ent struct {
	name string
	typ  byte
	body string
	link string
	mode int64
	// size, when set, is the size claimed without the bytes to match.
	size int64
}

func file(name, body string) ent { return ent{name: name, typ: tar.TypeReg, body: body, mode: 0o644} }
func dir(name string) ent        { return ent{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, to string) ent {
	return ent{name: name, typ: tar.TypeSymlink, link: to, mode: 0o777}
}
func hardlink(name, to string) ent {
	return ent{name: name, typ: tar.TypeLink, link: to, mode: 0o644}
}

// tarOf writes entries as a tar stream. An entry with a claimed size
// ends the stream after its header.
func tarOf(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if e.size > 0 {
			hdr.Size = e.size
			if err := tw.WriteHeader(hdr); err != nil {
				t.Fatal(err)
			}
			tw.Flush()
			return buf.Bytes()
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func blobLayer(blob []byte, mediaType string) Layer {
	return Layer{Digest: digestOf(blob), MediaType: mediaType,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }}
}

// layerOf is an uncompressed layer of entries.
func layerOf(t testing.TB, entries ...ent) Layer {
	return blobLayer(tarOf(t, entries...), MediaTypeTar)
}

// gzipLayer is a gzip layer of entries, with its DiffID.
func gzipLayer(t testing.TB, entries ...ent) Layer {
	raw := tarOf(t, entries...)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	l := blobLayer(buf.Bytes(), MediaTypeTarGzip)
	l.DiffID = digestOf(raw)
	return l
}

// sandbox is a directory holding the tree to unpack into and, beside it,
// a directory with a secret no layer may reach.
type sandbox struct {
	top, tree, outside string
}

const secret = "the host's secret\n"

func newSandbox(t testing.TB) *sandbox {
	top := t.TempDir()
	s := &sandbox{top: top, tree: filepath.Join(top, "tree"), outside: filepath.Join(top, "outside")}
	for _, d := range []string{s.tree, s.outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.outside, "secret"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// untouched checks that nothing outside the tree changed.
func (s *sandbox) untouched(t testing.TB) {
	t.Helper()
	names, err := os.ReadDir(s.top)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Errorf("the sandbox holds %d entries beside the tree, want only outside/", len(names)-1)
	}
	got, err := os.ReadDir(s.outside)
	if err != nil || len(got) != 1 {
		t.Fatalf("outside/ holds %d entries (%v), want the secret only", len(got), err)
	}
	b, err := os.ReadFile(filepath.Join(s.outside, "secret"))
	if err != nil || string(b) != secret {
		t.Errorf("outside/secret is %q (%v), want it unchanged", b, err)
	}
	if fi, err := os.Lstat(filepath.Join(s.outside, "secret")); err != nil || fi.Mode() != 0o644 {
		t.Errorf("outside/secret mode changed: %v %v", fi.Mode(), err)
	}
}

func (s *sandbox) read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.tree, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

func (s *sandbox) missing(t testing.TB, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(s.tree, name)); !os.IsNotExist(err) {
		t.Errorf("%s exists (%v), want it gone", name, err)
	}
}
