package node

import (
	"sync"
	"time"
)

// logThrottle lets a repeated log line through once per interval for
// each subject: a refused hub redials every second, and its refusal says
// nothing new the second time. Subjects it has not seen for an interval
// are forgotten once it holds more than throttleForgetAbove, so subjects
// that never repeat (a message naming the redial's source port) do not
// grow it for the life of the node.
type logThrottle struct {
	every time.Duration

	mu   sync.Mutex
	last map[string]time.Time
}

func newLogThrottle(every time.Duration) *logThrottle {
	return &logThrottle{every: every, last: map[string]time.Time{}}
}

// due says whether the line about subject should be logged now, and if
// so counts it as logged.
func (l *logThrottle) due(subject string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if t, ok := l.last[subject]; ok && now.Sub(t) < l.every {
		return false
	}
	l.last[subject] = now
	if len(l.last) > throttleForgetAbove {
		for k, t := range l.last {
			if now.Sub(t) >= l.every {
				delete(l.last, k)
			}
		}
	}
	return true
}

// throttleForgetAbove is how many subjects a logThrottle holds before it
// forgets those whose interval has passed.
const throttleForgetAbove = 256
