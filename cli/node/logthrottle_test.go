package node

import (
	"fmt"
	"testing"
	"time"
)

// TestLogThrottle: a subject is let through once per interval, and
// subjects that never come back (each redial's message names a new source
// port) are forgotten instead of piling up.
func TestLogThrottle(t *testing.T) {
	l := newLogThrottle(time.Hour)
	if !l.due("a") || l.due("a") {
		t.Fatal("a subject is due once per interval")
	}
	if !l.due("b") {
		t.Fatal("another subject is due on its own")
	}

	l = newLogThrottle(0) // every line's interval has passed at once
	for i := range 10 * throttleForgetAbove {
		if !l.due(fmt.Sprintf("redial from 10.0.0.2:%d", 40000+i)) {
			t.Fatalf("line %d held back", i)
		}
	}
	if n := len(l.last); n > throttleForgetAbove+1 {
		t.Fatalf("the throttle holds %d subjects, want at most %d", n, throttleForgetAbove+1)
	}
}
