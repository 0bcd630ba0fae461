package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// entryPath is name as a path relative to the tree's root. A leading "/"
// is dropped (layers written by some tools have one); a name that climbs
// out of the root is refused.
func entryPath(name string) (string, error) {
	p := path.Clean(strings.TrimLeft(name, "/"))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%w: the path leaves the root", ErrEntry)
	}
	return p, nil
}

// entry applies one tar entry; for an opaque marker it returns the
// directory to empty once the layer is read.
func (u *unpacker) entry(tr *tar.Reader, hdr *tar.Header) (string, error) {
	p, err := entryPath(hdr.Name)
	if err != nil {
		return "", err
	}
	dir, base := path.Split(p)
	dir = path.Clean(dir)
	if strings.HasPrefix(base, whiteoutPrefix) {
		return u.whiteout(dir, base)
	}
	if p == "." {
		// The root itself: keep the directory the node made.
		return "", nil
	}
	if u.stats.Files+u.stats.Dirs+u.stats.Symlinks+u.stats.Hardlinks >= u.lim.MaxEntries {
		return "", fmt.Errorf("%w: more than %d entries", ErrLimit, u.lim.MaxEntries)
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse:
		err = u.file(tr, hdr, p)
	case tar.TypeDir:
		err = u.dir(hdr, p)
	case tar.TypeSymlink:
		err = u.symlink(hdr, p)
	case tar.TypeLink:
		err = u.hardlink(hdr, p)
	default:
		// Device nodes, FIFOs and whatever else: a container gets its
		// devices from the runtime, never from an image.
		u.stats.Skipped++
		return "", nil
	}
	if err != nil {
		return "", err
	}
	// The entry and its parents are this layer's: an opaque marker keeps
	// them (and empties the parents of what lower layers left).
	for q := p; q != "." && !u.created[q]; q = path.Dir(q) {
		u.created[q] = true
	}
	if u.lim.Chown {
		if err := u.root.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return "", fmt.Errorf("set owner: %w", err)
		}
	}
	return "", nil
}

// whiteout removes what a lower layer put at dir/name[len(".wh."):], or
// returns dir for an opaque marker.
func (u *unpacker) whiteout(dir, base string) (string, error) {
	if base == opaqueMarker {
		return dir, nil
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, whiteoutPrefix) {
		return "", fmt.Errorf("%w: whiteout %q names no entry", ErrEntry, base)
	}
	if err := u.root.RemoveAll(path.Join(dir, name)); err != nil {
		return "", fmt.Errorf("whiteout: %w", err)
	}
	u.stats.Whiteouts++
	return "", nil
}

// makeOpaque removes everything under dir that this layer did not write.
func (u *unpacker) makeOpaque(dir string) error {
	if fi, err := u.root.Lstat(dir); err != nil || !fi.IsDir() {
		// Nothing below to hide (a missing parent is created by the
		// layer's entries, if it has any).
		return nil
	}
	var lower []string
	err := fs.WalkDir(u.root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir || u.created[p] {
			return nil
		}
		lower = append(lower, p)
		if d.IsDir() {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range lower {
		if err := u.root.RemoveAll(p); err != nil {
			return err
		}
		u.stats.Whiteouts++
	}
	return nil
}

// clear makes room for an entry at p: whatever stands there goes, unless
// keepDir and it is a directory. Parent directories are made as needed.
func (u *unpacker) clear(p string, keepDir bool) (exists bool, err error) {
	if err := u.root.MkdirAll(path.Dir(p), 0o755); err != nil {
		return false, fmt.Errorf("make parent: %w", err)
	}
	fi, err := u.root.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case keepDir && fi.IsDir():
		return true, nil
	}
	return false, u.root.RemoveAll(p)
}

func (u *unpacker) mode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode) & fs.ModePerm
	if hdr.Mode&04000 != 0 && u.lim.KeepSetuid {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&02000 != 0 && u.lim.KeepSetuid {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&01000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

func (u *unpacker) file(tr *tar.Reader, hdr *tar.Header, p string) error {
	if hdr.Size < 0 || hdr.Size > u.lim.MaxBytes-u.stats.Bytes {
		return fmt.Errorf("%w: a %d-byte file with %d bytes unpacked of %d", ErrLimit, hdr.Size, u.stats.Bytes, u.lim.MaxBytes)
	}
	if _, err := u.clear(p, false); err != nil {
		return err
	}
	f, err := u.root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(tr, hdr.Size))
	u.stats.Bytes += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if n != hdr.Size {
		return fmt.Errorf("write: %d of %d bytes: %w", n, hdr.Size, io.ErrUnexpectedEOF)
	}
	u.stats.Files++
	return u.root.Chmod(p, u.mode(hdr))
}

func (u *unpacker) dir(hdr *tar.Header, p string) error {
	exists, err := u.clear(p, true)
	if err != nil {
		return err
	}
	if !exists {
		if err := u.root.Mkdir(p, 0o700); err != nil {
			return err
		}
	}
	u.stats.Dirs++
	return u.root.Chmod(p, u.mode(hdr))
}

func (u *unpacker) symlink(hdr *tar.Header, p string) error {
	if hdr.Linkname == "" {
		return fmt.Errorf("%w: a symbolic link to nothing", ErrEntry)
	}
	if _, err := u.clear(p, false); err != nil {
		return err
	}
	u.stats.Symlinks++
	return u.root.Symlink(hdr.Linkname, p)
}

// hardlink links p to an entry already in the tree; the link's target is
// resolved inside the root like any entry name.
func (u *unpacker) hardlink(hdr *tar.Header, p string) error {
	target, err := entryPath(hdr.Linkname)
	if err != nil {
		return err
	}
	fi, err := u.root.Lstat(target)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("%w: a hard link to directory %q", ErrEntry, target)
	}
	if target == p {
		return nil
	}
	if _, err := u.clear(p, false); err != nil {
		return err
	}
	u.stats.Hardlinks++
	return u.root.Link(target, p)
}
