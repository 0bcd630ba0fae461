package h2

import (
	"testing"
	"time"
)

func TestRateWindow(t *testing.T) {
	sec := int64(time.Second)
	t0 := int64(1_700_000_000) * sec
	var w rateWindow
	for i := 0; i < 3; i++ {
		if !w.add(t0+int64(i), 3) {
			t.Fatalf("event %d of 3 refused", i+1)
		}
	}
	if w.add(t0+sec-1, 3) {
		t.Fatal("4th event within the second allowed")
	}
	if w.add(t0+sec-1, 3) {
		t.Fatal("5th event within the second allowed")
	}
	// A new window starts a second after the first one's first event.
	if !w.add(t0+sec, 3) {
		t.Fatal("first event of the next second refused")
	}
	if w.count != 1 || w.start != t0+sec {
		t.Fatalf("window after reset: start %d count %d", w.start-t0, w.count)
	}
	// A gap of several seconds also starts afresh.
	w.add(t0+sec, 3)
	w.add(t0+sec, 3)
	if w.add(t0+sec, 3) {
		t.Fatal("4th event in the second window allowed")
	}
	if !w.add(t0+10*sec, 3) {
		t.Fatal("event after a gap refused")
	}
}

func TestRateWindowZeroLimit(t *testing.T) {
	var w rateWindow
	if w.add(time.Now().UnixNano(), 0) {
		t.Fatal("event allowed with limit 0")
	}
}
