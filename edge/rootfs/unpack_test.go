package rootfs

import (
	"archive/tar"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUnpackRefusesHostileLayers unpacks layers built to reach outside
// the tree or to exhaust the node; each must fail (or skip what it may
// not create) and leave everything beside the tree as it was.
func TestUnpackRefusesHostileLayers(t *testing.T) {
	// Paths relative to the tree that lead to the sandbox's secret.
	const up = "../outside"
	tests := []struct {
		name    string
		layers  func(t testing.TB) []Layer
		want    error // nil: the layer unpacks
		wantMsg string
		check   func(t *testing.T, s *sandbox, st Stats)
	}{
		{name: "dot-dot name", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("../outside/secret", "pwned"))}
		}},
		{name: "dot-dot inside a name", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("a/../../outside/evil", "pwned"))}
		}},
		{name: "absolute name lands inside", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("/etc/motd", "hi"))}
		}, check: func(t *testing.T, s *sandbox, _ Stats) {
			if got := s.read(t, "etc/motd"); got != "hi" {
				t.Errorf("etc/motd = %q", got)
			}
		}},
		{name: "write through a symlink to /", wantMsg: "escapes", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, symlink("l", "/"), file("l/tmp/vault-rootfs-escape", "pwned"))}
		}, check: func(t *testing.T, _ *sandbox, _ Stats) {
			if _, err := os.Lstat("/tmp/vault-rootfs-escape"); err == nil {
				os.Remove("/tmp/vault-rootfs-escape")
				t.Error("a layer wrote /tmp/vault-rootfs-escape on the host")
			}
		}},
		{name: "write through a symlink climbing out", wantMsg: "escapes", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, symlink("l", up), file("l/secret", "pwned"))}
		}},
		{name: "a symlink in a lower layer, written through in an upper one", wantMsg: "escapes", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, dir("etc"), symlink("etc/conf", "../../outside")), layerOf(t, file("etc/conf/secret", "pwned"))}
		}},
		{name: "chmod through a directory entry over a symlink", layers: func(t testing.TB) []Layer {
			// The dir entry replaces the link; it does not chmod its target.
			return []Layer{layerOf(t, symlink("d", up)), layerOf(t, ent{name: "d", typ: tar.TypeDir, mode: 0o777})}
		}, check: func(t *testing.T, s *sandbox, _ Stats) {
			if fi, err := os.Lstat(filepath.Join(s.tree, "d")); err != nil || !fi.IsDir() {
				t.Errorf("d is %v (%v), want a directory", fi.Mode(), err)
			}
		}},
		{name: "escaping symlinks are kept as text", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, symlink("abs", "/etc/shadow"), symlink("rel", "../../../../etc/shadow"))}
		}, check: func(t *testing.T, s *sandbox, st Stats) {
			for name, want := range map[string]string{"abs": "/etc/shadow", "rel": "../../../../etc/shadow"} {
				if got, err := os.Readlink(filepath.Join(s.tree, name)); err != nil || got != want {
					t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
				}
			}
			if st.Symlinks != 2 {
				t.Errorf("Symlinks = %d, want 2", st.Symlinks)
			}
		}},
		{name: "hard link out of the root", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, hardlink("h", "../outside/secret"))}
		}},
		{name: "hard link through a symlink", wantMsg: "escapes", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, symlink("l", up), hardlink("h", "l/secret"))}
		}},
		{name: "hard link to an absolute path is to the tree's file", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("etc/passwd", "root:x:0:0::/:/bin/sh\n"), hardlink("h", "/etc/passwd"))}
		}, check: func(t *testing.T, s *sandbox, st Stats) {
			a, _ := os.Stat(filepath.Join(s.tree, "etc/passwd"))
			b, _ := os.Stat(filepath.Join(s.tree, "h"))
			if !os.SameFile(a, b) || st.Hardlinks != 1 {
				t.Errorf("h is not etc/passwd of the tree (hardlinks %d)", st.Hardlinks)
			}
		}},
		{name: "hard link to a missing file", wantMsg: "hard link target", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, hardlink("h", "/etc/passwd"))}
		}},
		{name: "hard link to a directory", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, dir("d"), hardlink("h", "d"))}
		}},
		{name: "device nodes and fifos are skipped", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t,
				ent{name: "dev/null", typ: tar.TypeChar, mode: 0o666},
				ent{name: "dev/sda", typ: tar.TypeBlock, mode: 0o660},
				ent{name: "fifo", typ: tar.TypeFifo, mode: 0o644})}
		}, check: func(t *testing.T, s *sandbox, st Stats) {
			s.missing(t, "dev/null")
			s.missing(t, "dev/sda")
			s.missing(t, "fifo")
			if st.Skipped != 3 {
				t.Errorf("Skipped = %d, want 3", st.Skipped)
			}
		}},
		{name: "a 10 GB sparse file", want: ErrLimit, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, ent{name: "big", typ: tar.TypeReg, mode: 0o644, size: 10 << 30})}
		}, check: func(t *testing.T, s *sandbox, _ Stats) { s.missing(t, "big") }},
		{name: "whiteout of the root", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("keep", "k")), layerOf(t, file(".wh..", ""))}
		}},
		{name: "whiteout of the root, spelt ./", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("keep", "k")), layerOf(t, file("./.wh.", ""))}
		}},
		{name: "whiteout of a parent", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("a/keep", "k")), layerOf(t, file("a/.wh..", ""))}
		}},
		{name: "whiteout outside", want: ErrEntry, layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("../outside/.wh.secret", ""))}
		}},
		{name: "whiteout through a symlink", wantMsg: "escapes", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, symlink("l", up)), layerOf(t, file("l/.wh.secret", ""))}
		}},
		{name: "opaque root hides lower layers only", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("old", "o"), dir("d"), file("d/old", "o")),
				layerOf(t, file("new", "n"), file(".wh..wh..opq", ""))}
		}, check: func(t *testing.T, s *sandbox, _ Stats) {
			s.missing(t, "old")
			s.missing(t, "d")
			if s.read(t, "new") != "n" {
				t.Error("the opaque layer's own file is gone")
			}
		}},
		{name: "setuid and setgid are dropped", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, ent{name: "su", typ: tar.TypeReg, body: "x", mode: 0o6755})}
		}, check: func(t *testing.T, s *sandbox, _ Stats) {
			if fi, err := os.Stat(filepath.Join(s.tree, "su")); err != nil || fi.Mode() != 0o755 {
				t.Errorf("su mode %v (%v), want -rwxr-xr-x", fi.Mode(), err)
			}
		}},
		{name: "a file does not write through the link it replaces", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, file("target", "orig"), symlink("a", "target")), layerOf(t, file("a", "new"))}
		}, check: func(t *testing.T, s *sandbox, _ Stats) {
			if s.read(t, "target") != "orig" || s.read(t, "a") != "new" {
				t.Errorf("target %q, a %q; want orig and new", s.read(t, "target"), s.read(t, "a"))
			}
			if fi, _ := os.Lstat(filepath.Join(s.tree, "a")); !fi.Mode().IsRegular() {
				t.Errorf("a is %v, want a regular file", fi.Mode())
			}
		}},
		{name: "a truncated file", wantMsg: "unexpected EOF", layers: func(t testing.TB) []Layer {
			return []Layer{layerOf(t, ent{name: "short", typ: tar.TypeReg, mode: 0o644, size: 4096})}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			st, err := Unpack(context.Background(), s.tree, tt.layers(t), Limits{})
			switch {
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("Unpack: %v, want %v", err, tt.want)
			case tt.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), tt.wantMsg)):
				t.Errorf("Unpack: %v, want an error saying %q", err, tt.wantMsg)
			case tt.want == nil && tt.wantMsg == "" && err != nil:
				t.Errorf("Unpack: %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), "unpack layer ") {
				t.Errorf("the error %q does not name the layer", err)
			}
			s.untouched(t)
			if tt.check != nil {
				tt.check(t, s, st)
			}
		})
	}
}

// TestUnpackAppliesChangesets checks the OCI layer semantics: later
// layers replace, whiteouts remove, and an opaque directory hides what
// lower layers put in it but keeps what its own layer wrote, wherever the
// marker comes in the tar.
func TestUnpackAppliesChangesets(t *testing.T) {
	s := newSandbox(t)
	layers := []Layer{
		layerOf(t, dir("etc"), file("etc/a", "a1"), file("etc/b", "b1"), dir("d"), dir("d/x"), file("d/x/old", "o"),
			file("d/gone", "g"), file("keep/f", "k"), file("replaced", "r1")),
		gzipLayer(t, file("etc/.wh.a", ""), file("d/x/new", "n"), file("d/.wh..wh..opq", ""), file("d/after", "a"),
			file("replaced", "r2"), dir("etc/a2")),
		layerOf(t, file("etc/.wh.a2", ""), file("etc/c", "c3")),
	}
	st, err := Unpack(context.Background(), s.tree, layers, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"etc/b": "b1", "etc/c": "c3", "d/x/new": "n", "d/after": "a", "keep/f": "k", "replaced": "r2"} {
		if got := s.read(t, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"etc/a", "etc/a2", "d/x/old", "d/gone", "etc/.wh.a", "d/.wh..wh..opq"} {
		s.missing(t, name)
	}
	if st.Whiteouts != 4 { // etc/a, d/x/old, d/gone, etc/a2
		t.Errorf("Whiteouts = %d, want 4", st.Whiteouts)
	}
	s.untouched(t)
}

func TestUnpackChecksDigests(t *testing.T) {
	good := gzipLayer(t, file("f", "data"))
	wrongBlob := good
	wrongBlob.Digest = digestOf([]byte("something else"))
	wrongDiff := good
	wrongDiff.DiffID = digestOf([]byte("something else"))
	notSHA := good
	notSHA.Digest = "md5:0123"
	for name, tc := range map[string]struct {
		l    Layer
		want error
	}{
		"good": {l: good}, "blob": {l: wrongBlob, want: ErrDigest}, "diff": {l: wrongDiff, want: ErrDigest},
	} {
		s := newSandbox(t)
		_, err := Unpack(context.Background(), s.tree, []Layer{tc.l}, Limits{})
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: Unpack: %v, want %v", name, err, tc.want)
		}
	}
	s := newSandbox(t)
	if _, err := Unpack(context.Background(), s.tree, []Layer{notSHA}, Limits{}); err == nil || !strings.Contains(err.Error(), "not a sha256 digest") {
		t.Errorf("a non-sha256 digest: %v", err)
	}
}

func TestUnpackLimits(t *testing.T) {
	s := newSandbox(t)
	_, err := Unpack(context.Background(), s.tree, []Layer{layerOf(t, file("a", "12345")), layerOf(t, file("b", "123456"))}, Limits{MaxBytes: 10})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "unpack layer 2") {
		t.Errorf("10 bytes over two layers: %v, want ErrLimit in layer 2", err)
	}
	s = newSandbox(t)
	_, err = Unpack(context.Background(), s.tree, []Layer{layerOf(t, dir("a"), file("a/b", ""), symlink("c", "a"))}, Limits{MaxEntries: 2})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("3 entries, 2 allowed: %v", err)
	}
	s = newSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = Unpack(ctx, s.tree, []Layer{layerOf(t, file("a", "x"))}, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled unpack: %v", err)
	}
}

func TestUnpackKeepsSetuidWhenAllowed(t *testing.T) {
	s := newSandbox(t)
	l := layerOf(t, ent{name: "su", typ: tar.TypeReg, body: "x", mode: 0o4755})
	if _, err := Unpack(context.Background(), s.tree, []Layer{l}, Limits{KeepSetuid: true}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(s.tree, "su"))
	if err != nil || fi.Mode()&os.ModeSetuid == 0 {
		t.Errorf("su mode %v (%v), want setuid kept", fi.Mode(), err)
	}
}

func TestUnpackChown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	s := newSandbox(t)
	// tarOf writes uid 0: this layer names another owner.
	l := blobLayer(func() []byte {
		var b strings.Builder
		tw := tar.NewWriter(&b)
		tw.WriteHeader(&tar.Header{Name: "owned", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1, Uid: 1234, Gid: 4321})
		tw.Write([]byte("x"))
		tw.Close()
		return []byte(b.String())
	}(), MediaTypeTar)
	if _, err := Unpack(context.Background(), s.tree, []Layer{l}, Limits{Chown: true}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(s.tree, "owned"))
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 1234 || st.Gid != 4321 {
		t.Errorf("owner %d:%d, want 1234:4321", st.Uid, st.Gid)
	}
}
