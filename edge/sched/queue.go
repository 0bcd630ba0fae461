package sched

// An entry is a task waiting in the scheduler. It copies what the scheduler
// needs from the Task so that the Task is read only at Submit and at Run.
type entry struct {
	task  *Task
	class *Class
	at    int64  // submit time, ns on the scheduler's clock
	key   int64  // priority: lower runs first (see priority)
	seq   uint64 // submit order; breaks ties so equal keys run FIFO
}

func (e *entry) before(o *entry) bool {
	if e.key != o.key {
		return e.key < o.key
	}
	return e.seq < o.seq
}

// runQueue is a binary min-heap of admitted entries by (key, seq). A key is
// fixed at submit (see priority), so the order of waiting entries never
// changes and a heap suffices.
type runQueue []entry

func (q *runQueue) push(e entry) {
	*q = append(*q, e)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].before(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *runQueue) pop() entry {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = entry{}
	h = h[:last]
	h.down(0)
	*q = h
	return top
}

func (h runQueue) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// removeIf removes the entries for which drop is true, appending them to
// out, and restores the heap order; it returns out.
func (q *runQueue) removeIf(drop func(*entry) bool, out []entry) []entry {
	h := *q
	kept := h[:0]
	for i := range h {
		if drop(&h[i]) {
			out = append(out, h[i])
		} else {
			kept = append(kept, h[i])
		}
	}
	clear(h[len(kept):])
	for i := len(kept)/2 - 1; i >= 0; i-- {
		kept.down(i)
	}
	*q = kept
	return out
}

// fifo is a ring of entries waiting for admission, in arrival order.
type fifo struct {
	buf  []entry
	head int
	n    int
}

func (f *fifo) len() int { return f.n }

func (f *fifo) push(e entry) {
	if f.n == len(f.buf) {
		buf := make([]entry, max(16, 2*len(f.buf)))
		for i := range f.n {
			buf[i] = f.buf[(f.head+i)%len(f.buf)]
		}
		f.buf, f.head = buf, 0
	}
	f.buf[(f.head+f.n)%len(f.buf)] = e
	f.n++
}

func (f *fifo) pop() entry {
	e := f.buf[f.head]
	f.buf[f.head] = entry{}
	f.head = (f.head + 1) % len(f.buf)
	f.n--
	return e
}
