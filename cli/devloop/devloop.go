// Package devloop is vault dev: a throwaway node in this process, the
// function of one directory deployed and activated on it, and again on
// every save, its requests and console lines printed as they happen.
//
// The node is a real one (node.Start), with a ledger of its own: a fresh
// genesis whose only operator key lives in memory, a temporary data
// directory and loopback ports picked at start. Nothing outlives Run: the
// node is closed, the key wiped and the directory removed when ctx ends.
//
// Requests reach the function through a front (front.go) that speaks
// HTTP/1.1 and h2c and prints each one; the node's own h2c address
// answers the same but prints nothing. A save that does not build or
// does not run is reported, with file:line:col, and the version before
// it keeps serving.
package devloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// DefaultDebounce is how long a burst of file events must be quiet
// before the directory is deployed again: an editor's save is often
// several writes and renames.
const DefaultDebounce = 150 * time.Millisecond

// Config is what Run runs.
type Config struct {
	// Dir is the function's directory, with its vault.yaml.
	Dir string
	// Listen is the front's address (HTTP/1.1 and h2c); "" picks a free
	// loopback port.
	Listen string
	// Debounce is DefaultDebounce when 0.
	Debounce time.Duration
	// TempDir is where the data directory is made; "" is the system's.
	TempDir string
	// Out receives what the developer reads: addresses, deploys, errors,
	// requests and console lines. It is written from several goroutines,
	// one line at a time, under a lock.
	Out io.Writer
	// Log is the node's logger; nil logs its warnings and errors to Out,
	// but for those about the function, which its console lines tell.
	Log *slog.Logger
}

// Validate refuses a config Run cannot start.
func (cfg Config) Validate() error {
	if cfg.Dir == "" {
		return errors.New("devloop: no function directory")
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, schemas.ManifestFile)); err != nil {
		return fmt.Errorf("devloop: %s is not a function directory (no %s; 'vault new' makes one): %w", cfg.Dir, schemas.ManifestFile, err)
	}
	if cfg.Debounce < 0 {
		return fmt.Errorf("devloop: debounce %v: want 0 or more", cfg.Debounce)
	}
	return nil
}

// Run starts the node and the front, deploys cfg.Dir and deploys it
// again on every change until ctx ends; then it stops everything and
// removes the data directory. It returns nil when ctx ended it, and an
// error if something could not start or the node stopped by itself.
func Run(ctx context.Context, cfg Config) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	out := &printer{w: cfg.Out}
	if cfg.Log == nil {
		cfg.Log = nodeLog(out)
	}
	changes, stopWatch, err := watch(cfg.Dir, cfg.Debounce, out)
	if err != nil {
		return err
	}
	defer stopWatch()
	dn, err := startNode(ctx, cfg.TempDir, cfg.Log)
	if err != nil {
		return err
	}
	defer func() {
		cerr := dn.close()
		if cerr == nil {
			out.printf("stopped the node; removed %s\n", dn.data)
		} else if err == nil {
			err = cerr
		}
	}()
	front, err := startFront(cfg.Listen, dn.h2c, out)
	if err != nil {
		return err
	}
	defer front.close()
	out.printf("vault dev: %s on a throwaway node\n", cfg.Dir)
	out.printf("  data  %s (removed when you stop)\n", dn.data)
	out.printf("  nats  %s\n", dn.natsURL)
	out.printf("  h2c   http://%s/ (the node itself)\n", dn.h2c)
	out.printf("  http  http://%s/ (HTTP/1.1 and h2c; every request is printed)\n", front.addr)

	d := &deployer{dir: cfg.Dir, c: dn.client, out: out, front: front.addr}
	logs := &console{c: dn.client, out: out}
	defer logs.stop()
	redeploy := func() {
		if name, ok := d.deploy(ctx); ok {
			logs.follow(ctx, name)
		}
	}
	redeploy()
	out.printf("watching %s for changes (Ctrl-C stops)\n", cfg.Dir)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-dn.node.Done():
			return fmt.Errorf("devloop: the node stopped: %v", dn.node.Err())
		case <-changes:
			redeploy()
		}
	}
}
