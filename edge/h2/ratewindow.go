package h2

import "time"

// rateWindow counts events in one-second windows, the first starting at the
// first event: a flood bound such as MaxResetsPerSecond. The zero value is
// ready to use.
type rateWindow struct {
	start int64 // unix nanoseconds
	count int
}

// add counts one event at now (unix nanoseconds) and reports whether the
// events in the current window are still no more than limit.
func (w *rateWindow) add(now int64, limit int) bool {
	if now-w.start >= int64(time.Second) {
		w.start, w.count = now, 0
	}
	w.count++
	return w.count <= limit
}
