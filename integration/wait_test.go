package integration

import (
	"strings"
	"testing"
	"time"
)

// Tests wait for what they can observe (a line in a node's log, a field of
// vault status, a metric, an answer), never for a fixed time: a loaded
// machine makes any fixed time too short. These helpers poll a condition
// until it holds or a deadline passes.

// pollEvery bounds the pause between two looks: short at first, so that a
// condition that holds soon is seen soon, and growing to this, so that a
// look that runs a vault command does not hog the machine.
const pollEvery = 100 * time.Millisecond

// eventually polls cond until it returns true, or until within has passed,
// and reports whether it did. For waits whose failure needs its own report;
// otherwise use waitFor.
func eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	pause := 5 * time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, pollEvery)
	}
}

// waitFor polls cond until it returns true, and fails the test if it has
// not within: "waited 10s for what". cond may itself fail the test, e.g.
// when a process it waits on has exited.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !eventually(within, cond) {
		t.Fatalf("waited %v for %s", within, what)
	}
}

// waitLog waits until n's log holds text.
func (n *node) waitLog(t testing.TB, text string) {
	t.Helper()
	n.waitLogCount(t, text, 1)
}

// waitLogCount waits until n's log holds text at least count times.
func (n *node) waitLogCount(t testing.TB, text string, count int) {
	t.Helper()
	if !eventually(20*time.Second, func() bool { return strings.Count(n.stderr.String(), text) >= count }) {
		t.Fatalf("node log never said %q %d times:\n%s", text, count, n.stderr)
	}
}
