package devloop

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge/fnlog"
	"github.com/vault-runtime/vault/edge/isolate"
)

// console prints the function's console lines and runtime errors as the
// node publishes them (as vault logs -f reads them).
type console struct {
	c   *node.Client
	out *printer

	mu     sync.Mutex
	name   string
	cancel context.CancelFunc
	done   chan struct{}
}

// follow prints name's lines from now on; it stops following the
// function it followed before, if vault.yaml renamed it.
func (l *console) follow(ctx context.Context, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.name == name {
		return
	}
	l.stopLocked()
	js, err := l.c.JetStream()
	if err != nil {
		l.out.printf("cannot follow %s's console: %v\n", name, err)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	l.name, l.cancel, l.done = name, cancel, done
	since := time.Now().Add(-time.Second) // lines of the first requests, should one beat us
	go func() {
		defer close(done)
		err := fnlog.Read(ctx, js, name, fnlog.ReadOptions{Since: since, Follow: true}, func(e fnlog.Entry) error {
			l.print(e)
			return nil
		})
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			l.out.printf("stopped following %s's console: %v\n", name, err)
		}
	}()
}

func (l *console) print(e fnlog.Entry) {
	source := ""
	if e.Source != isolate.SourceConsole {
		source = " " + e.Source
	}
	msg := strings.ReplaceAll(strings.TrimRight(e.Message, "\n"), "\n", "\n    ")
	l.out.printf("%s %s@v%d %s%s: %s\n", clock(e.Time), e.Function, e.Version, e.Level, source, msg)
}

// stop ends the follower and waits for it.
func (l *console) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
}

func (l *console) stopLocked() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
	l.cancel, l.done, l.name = nil, nil, ""
}
