package integration

import (
	"strings"
	"testing"
	"time"
)

// TestLsWithThousandsOfVersions: the node's state grows with every version
// a function ever had; with 6000 versions it is several MiB of JSON, past
// NATS's 1 MiB message limit, and `vault ls` (like every command that
// reads the state) must still answer.
func TestLsWithThousandsOfVersions(t *testing.T) {
	e := newEnv(t)
	ln := startLedgerNode(t, e)
	srv := ln.server()
	top := appendAll(t, srv, sealRedeploys(t, e.operator(), ln.ledgerID, "fn", ln.artifact, 6000), 8)
	// Appended is not yet applied: the node projects the records after
	// their acks (under load, ls once listed 5989 of them).
	waitFor(t, time.Minute, "the node applied every record", func() bool { return e.status(srv).Applied >= top })
	s := e.snapshot(srv)
	if n := len(s.State.Functions["fn"].Versions); n != 6001 {
		t.Fatalf("vault ls --json lists %d versions of fn, want 6001", n)
	}
	if out := e.mustVault(srv, "ls"); !strings.Contains(out, "fn") {
		t.Fatalf("vault ls:\n%s", out)
	}
}
