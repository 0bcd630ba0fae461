// Package testimage builds small OCI images without the internet, for
// tests and examples: Debian's busybox-static (/bin/busybox, installed
// with `apt-get install busybox-static`) with its applets linked, an
// unprivileged user, and busybox httpd serving a page.
//
// Layers are reproducible (fixed times, owners and order), so two builds
// of the same base share its layer digest, as images built FROM one base
// do.
package testimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BusyboxPath is where Debian's busybox-static puts the binary.
const BusyboxPath = "/bin/busybox"

// ErrNoBusybox says busybox-static is not installed.
var ErrNoBusybox = errors.New("testimage: " + BusyboxPath + " is missing (apt-get install busybox-static)")

// Options shape a test image.
type Options struct {
	// Page is the body of /www/index.html (default "hello from busybox\n").
	Page string
	// Port is httpd's port (default 8080).
	Port int
	// Filler, if above 0, adds a layer with a file of that many
	// incompressible bytes, for measuring large pulls.
	Filler int64
}

// UID and GID of the image's user, "app".
const (
	UID = 1000
	GID = 1000
)

// applets are linked to /bin/busybox in the base layer.
var applets = []string{"sh", "ls", "cat", "echo", "id", "ps", "httpd", "wget", "sleep", "env", "mkdir", "rm", "touch", "true", "false", "uname", "hostname", "whoami"}

// Build returns the image: a base layer (busybox, applet links, /etc),
// a layer with the page, and the filler layer if asked for.
func Build(opts Options) (v1.Image, error) {
	if opts.Page == "" {
		opts.Page = "hello from busybox\n"
	}
	if opts.Port == 0 {
		opts.Port = 8080
	}
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoBusybox
		}
		return nil, fmt.Errorf("testimage: %w", err)
	}
	base, err := layer(func(w *tar.Writer) error { return writeBase(w, bin) })
	if err != nil {
		return nil, err
	}
	page, err := layer(func(w *tar.Writer) error {
		return writeAll(w, entry{name: "www/", dir: true, mode: 0o755}, entry{name: "www/index.html", body: []byte(opts.Page), mode: 0o644})
	})
	if err != nil {
		return nil, err
	}
	layers := []v1.Layer{base, page}
	if opts.Filler > 0 {
		filler, err := fillerLayer(opts.Filler)
		if err != nil {
			return nil, err
		}
		layers = append(layers, filler)
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layers...)
	if err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	port := strconv.Itoa(opts.Port)
	cfg.Config = v1.Config{
		Entrypoint:   []string{"/bin/busybox", "httpd", "-f", "-v", "-p", port, "-h", "/www"},
		User:         fmt.Sprintf("%d:%d", UID, GID),
		Env:          []string{"PATH=/bin"},
		WorkingDir:   "/www",
		ExposedPorts: map[string]struct{}{port + "/tcp": {}},
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	return img, nil
}

type entry struct {
	name, link string
	body       []byte
	mode       int64
	dir        bool
	size       int64 // for a streamed body
	stream     io.Reader
}

func writeAll(w *tar.Writer, entries ...entry) error {
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		switch {
		case e.dir:
			hdr.Typeflag = tar.TypeDir
		case e.link != "":
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.link
		case e.stream != nil:
			hdr.Typeflag, hdr.Size = tar.TypeReg, e.size
		default:
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := w.WriteHeader(hdr); err != nil {
			return err
		}
		body := e.stream
		if body == nil {
			body = bytes.NewReader(e.body)
		}
		if _, err := io.Copy(w, body); err != nil {
			return err
		}
	}
	return nil
}

func writeBase(w *tar.Writer, bin []byte) error {
	entries := []entry{
		{name: "bin/", dir: true, mode: 0o755},
		{name: "bin/busybox", body: bin, mode: 0o755},
	}
	for _, a := range applets {
		entries = append(entries, entry{name: "bin/" + a, link: "busybox", mode: 0o777})
	}
	entries = append(entries,
		entry{name: "etc/", dir: true, mode: 0o755},
		entry{name: "etc/passwd", mode: 0o644, body: fmt.Appendf(nil, "root:x:0:0:root:/root:/bin/sh\napp:x:%d:%d:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", UID, GID)},
		entry{name: "etc/group", mode: 0o644, body: fmt.Appendf(nil, "root:x:0:\napp:x:%d:\nnogroup:x:65534:\n", GID)},
		entry{name: "home/", dir: true, mode: 0o755},
		entry{name: "home/app/", dir: true, mode: 0o755},
		entry{name: "tmp/", dir: true, mode: 0o1777},
	)
	return writeAll(w, entries...)
}

// layer is a gzip layer of what write puts in a tar.
func layer(write func(*tar.Writer) error) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := write(tw); err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	return l, nil
}

// fillerLayer holds /filler, size pseudo-random bytes (the same for the
// same size), streamed rather than held in memory.
func fillerLayer(size int64) (v1.Layer, error) {
	open := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			tw := tar.NewWriter(pw)
			err := writeAll(tw, entry{name: "filler", mode: 0o644, size: size,
				stream: io.LimitReader(rand.NewChaCha8([32]byte{'v', 'a', 'u', 'l', 't'}), size)})
			if err == nil {
				err = tw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	l, err := tarball.LayerFromOpener(open, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	return l, nil
}

// Save writes img as an image tarball (what `docker save` writes, which
// `vault image load` reads), tagged tag.
func Save(img v1.Image, tag, path string) error {
	t, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("testimage: %w", err)
	}
	if err := tarball.WriteToFile(path, t, img); err != nil {
		return fmt.Errorf("testimage: save %s: %w", path, err)
	}
	return nil
}
