package devloop

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watch reports changes under dir on the channel it returns, one value
// per burst of events that stayed quiet for debounce. Directories made
// later are watched too; node_modules and dot directories are not (npm
// and git write there), nor are dot files and editors' backups.
func watch(dir string, debounce time.Duration, out *printer) (<-chan struct{}, func(), error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, nil, fmt.Errorf("devloop: watch %s: %w", dir, err)
	}
	if err := addTree(w, dir); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("devloop: watch %s: %w", dir, err)
	}
	changes := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ignored(dir, ev.Name) {
					continue
				}
				if ev.Has(fsnotify.Create) {
					if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
						if err := addTree(w, ev.Name); err != nil {
							out.printf("cannot watch %s: %v\n", ev.Name, err)
						}
					}
				}
				timer.Reset(debounce)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				out.printf("watching %s: %v\n", dir, err)
			case <-timer.C:
				select {
				case changes <- struct{}{}:
				default: // a deploy is pending already: it reads the files then
				}
			}
		}
	}()
	stop := func() {
		w.Close()
		<-done
	}
	return changes, stop, nil
}

// addTree watches dir and every directory under it but the ignored.
func addTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && skipName(d.Name()) {
			return filepath.SkipDir
		}
		return w.Add(p)
	})
}

// ignored reports whether path, under root, is in or is something a
// deploy does not read from the developer's hands.
func ignored(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return false
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if skipName(part) {
			return true
		}
	}
	return strings.HasSuffix(rel, "~")
}

// skipName: node_modules, and dot files and directories (.git, an
// editor's .index.ts.swp).
func skipName(name string) bool {
	return name == "node_modules" || (strings.HasPrefix(name, ".") && name != "." && name != "..")
}
