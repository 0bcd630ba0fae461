package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
)

// witnessFixture is a node's ledger (real JetStream and pebble), a log
// key, a witness key and a keyring the test can change.
type witnessFixture struct {
	b       *backend
	s       *Store
	origin  string
	logKey  *events.Signer
	witness *events.Signer
	kr      atomic.Pointer[events.Keyring]
	logs    *logBuffer

	mu        sync.Mutex
	published map[string][]byte // subject → last message
}

func fixedSigner(t testing.TB, b byte) *events.Signer {
	t.Helper()
	s, err := events.NewSigner(bytes.Repeat([]byte{b}, ed25519.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newWitnessFixture(t *testing.T) *witnessFixture {
	t.Helper()
	b := newBackend(t)
	f := &witnessFixture{b: b, s: b.open(t), origin: Origin("ledger-1"), logKey: fixedSigner(t, 1), witness: fixedSigner(t, 2),
		logs: &logBuffer{}, published: map[string][]byte{}}
	f.setRoles(events.RoleWitness)
	return f
}

// setRoles makes the log key a log key and gives the witness key roles.
func (f *witnessFixture) setRoles(witnessRoles ...events.Role) {
	f.kr.Store(&events.Keyring{AdminThreshold: 1, Keys: map[string]*events.Key{
		f.logKey.ID:  {ID: f.logKey.ID, PublicKey: f.logKey.Public(), Roles: []events.Role{events.RoleLog}},
		f.witness.ID: {ID: f.witness.ID, PublicKey: f.witness.Public(), Roles: witnessRoles},
	}})
}

func (f *witnessFixture) keyring() *events.Keyring { return f.kr.Load() }

func (f *witnessFixture) log() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// appendTo appends records until the ledger holds n.
func (f *witnessFixture) appendTo(t *testing.T, n uint64) {
	t.Helper()
	for i := f.s.idx.size.Load() + 1; i <= n; i++ {
		if _, err := f.s.Append(context.Background(), envelope(int(i)), admitAll, AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// checkpoint is the log's signed checkpoint over the local tree of size.
func (f *witnessFixture) checkpoint(t *testing.T, size uint64) []byte {
	t.Helper()
	root, err := f.s.idx.treeHash(size)
	if err != nil {
		t.Fatal(err)
	}
	return f.sign(t, size, root)
}

// future is the log's checkpoint over the records appendTo will append,
// before the local ledger has them.
func (f *witnessFixture) future(t *testing.T, size uint64) []byte {
	t.Helper()
	var tr Tree
	for i := 1; i <= int(size); i++ {
		tr.Add(envelope(i))
	}
	return f.sign(t, size, tr.Root())
}

// fork is the log's signed checkpoint over other records, of size.
func (f *witnessFixture) fork(t *testing.T, size uint64) []byte {
	t.Helper()
	var tr Tree
	for i := range size {
		tr.Add(fmt.Appendf(nil, `{"fork":%d}`, i))
	}
	return f.sign(t, size, tr.Root())
}

func (f *witnessFixture) sign(t *testing.T, size uint64, root tlog.Hash) []byte {
	t.Helper()
	msg, err := SignCheckpoint(Checkpoint{Origin: f.origin, Size: size, Root: root}, NoteSigner(f.origin, f.logKey))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func (f *witnessFixture) publish(_ context.Context, subject string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published[subject] = bytes.Clone(data)
	return nil
}

func (f *witnessFixture) publishedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.published)
}

// reopen closes the store and pebble and opens them again, as a restart.
func (f *witnessFixture) reopen(t *testing.T) {
	t.Helper()
	f.s.Close()
	if err := f.b.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.b.openDB(t)
	f.s = f.b.open(t)
}

// eventually waits up to 10s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), substr)
}
