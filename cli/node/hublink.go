package node

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/vault-runtime/vault/ledger"
)

// hubLink follows an edge's leaf connection to the hub. While it is down
// the edge serves its last verified state; when it returns, the mirrors
// catch up by themselves.
type hubLink struct {
	ns  *server.Server
	log *slog.Logger

	mu    sync.Mutex
	up    bool
	since time.Time // of the last change
}

func (l *hubLink) state() LinkState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LinkState{Connected: l.up, Since: l.since}
}

// words is "connected" or "disconnected".
func (l *hubLink) words() string {
	if l.state().Connected {
		return "connected"
	}
	return "disconnected"
}

func (l *hubLink) run(ctx context.Context, store *ledger.Store) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	l.mu.Lock()
	l.since = time.Now()
	l.mu.Unlock()
	for {
		up := l.ns.NumLeafNodes() > 0
		l.mu.Lock()
		changed := up != l.up
		if changed {
			l.up, l.since = up, time.Now()
		}
		l.mu.Unlock()
		switch {
		case changed && up:
			l.log.Info("connected to the hub; mirrors catch up", "applied", store.Head())
		case changed:
			l.log.Warn("lost the hub: serving the last verified state until it returns", "head", store.Head())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
