package isolate

import (
	"container/heap"
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/dop251/goja"
)

// loop is an instance's event loop. goja runs promise jobs itself at the
// end of every call from Go; the loop adds what happens later: timers,
// and completions of Go work (fetch) that must run back on the VM.
type loop struct {
	timers  timerHeap
	byID    map[int64]*jsTimer
	nextID  int64
	clock   *time.Timer
	pending int // Go operations whose completion is still to come
	done    chan func()
	waiting []goja.Value // ctx.waitUntil promises
	// rejected holds promises rejected with no handler yet; what is left
	// at the end of the invocation is logged as uncaught.
	rejected []*goja.Promise
	// stop, while a response streams, is closed when its consumer has
	// gone: a wait for the function's next chunk ends with errConsumerGone.
	stop <-chan struct{}
}

type jsTimer struct {
	id       int64
	at       time.Time
	every    time.Duration // 0 for a one-shot timer
	fn       goja.Callable
	args     []goja.Value
	heapSlot int
}

var promiseType = reflect.TypeFor[*goja.Promise]()

// maxTimers caps the timers one invocation may have pending.
const maxTimers = 10000

func (l *loop) init() {
	l.byID = map[int64]*jsTimer{}
	l.done = make(chan func(), 16)
	l.clock = time.NewTimer(time.Hour)
	l.clock.Stop()
}

func (inst *instance) installLoop(host *goja.Object) {
	l := &inst.loop
	vm := inst.vm
	vm.SetPromiseRejectionTracker(func(p *goja.Promise, op goja.PromiseRejectionOperation) {
		if op == goja.PromiseRejectionReject {
			l.rejected = append(l.rejected, p)
			return
		}
		if i := slices.Index(l.rejected, p); i >= 0 {
			l.rejected = slices.Delete(l.rejected, i, i+1)
		}
	})
	_ = host.Set("setTimer", func(fn goja.Callable, ms float64, repeat bool, args []goja.Value) int64 {
		if len(l.byID) >= maxTimers {
			panic(vm.NewTypeError(fmt.Sprintf("more than %d timers pending", maxTimers)))
		}
		d := time.Duration(ms * float64(time.Millisecond))
		if repeat && d < time.Millisecond {
			d = time.Millisecond
		}
		l.nextID++
		t := &jsTimer{id: l.nextID, at: time.Now().Add(d), fn: fn, args: args}
		if repeat {
			t.every = d
		}
		l.byID[t.id] = t
		heap.Push(&l.timers, t)
		return t.id
	})
	_ = host.Set("clearTimer", func(id int64) {
		if t, ok := l.byID[id]; ok {
			delete(l.byID, id)
			heap.Remove(&l.timers, t.heapSlot)
		}
	})
}

func (inst *instance) waitUntil(p goja.Value) {
	inst.loop.waiting = append(inst.loop.waiting, p)
}

// async registers Go work that will complete later and gives it the
// invocation's context; the returned function hands the completion to the
// loop, which runs it on the VM. It must be called exactly once. Once the
// invocation has ended, completions are dropped.
func (inst *instance) async() (context.Context, func(func())) {
	inst.loop.pending++
	ctx, done := inst.watch.invocationContext(), inst.loop.done
	return ctx, func(f func()) {
		select {
		case done <- f:
		case <-ctx.Done():
		}
	}
}

// settle runs the loop until v, if it is a promise, settles, and returns
// its value. An interrupt (limit, cancellation) ends the wait.
func (inst *instance) settle(v goja.Value) (goja.Value, error) {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ExportType() != promiseType {
		return v, nil
	}
	prom, _ := obj.Export().(*goja.Promise)
	if prom == nil {
		return v, nil
	}
	for {
		switch prom.State() {
		case goja.PromiseStateFulfilled:
			return prom.Result(), nil
		case goja.PromiseStateRejected:
			// Reported here as the invocation's error, not again as an
			// unhandled rejection.
			if i := slices.Index(inst.loop.rejected, prom); i >= 0 {
				inst.loop.rejected = slices.Delete(inst.loop.rejected, i, i+1)
			}
			return nil, fmt.Errorf("%w: uncaught (in promise) %s", ErrThrew, describe(prom.Result()))
		}
		if err := inst.turn(); err != nil {
			return nil, err
		}
	}
}

// turn waits for and runs one timer or completion.
func (inst *instance) turn() error {
	l := &inst.loop
	if err := inst.watch.err(); err != nil {
		return err
	}
	if len(l.timers) == 0 && l.pending == 0 {
		return ErrUnsettled
	}
	var clock <-chan time.Time
	if len(l.timers) > 0 {
		wait := time.Until(l.timers[0].at)
		if wait <= 0 {
			return inst.fire(heap.Pop(&l.timers).(*jsTimer))
		}
		l.clock.Reset(wait)
		clock = l.clock.C
	}
	inst.watch.suspend()
	caller := inst.watch.callerContext()
	var gone <-chan struct{}
	if caller != nil {
		gone = caller.Done()
	}
	select {
	case f := <-l.done:
		inst.watch.resume()
		l.clock.Stop()
		l.pending--
		return inst.call(func() error { f(); return nil })
	case <-clock:
		inst.watch.resume()
		return nil // the next turn runs the due timer
	case <-inst.watch.wake:
		inst.watch.resume()
		l.clock.Stop()
		return inst.watch.err()
	case <-gone:
		inst.watch.resume()
		l.clock.Stop()
		err := callerGone(caller)
		inst.watch.trip(err)
		return err
	case <-l.stop:
		inst.watch.resume()
		l.clock.Stop()
		return errConsumerGone
	}
}

func (inst *instance) fire(t *jsTimer) error {
	l := &inst.loop
	if t.every > 0 {
		t.at = time.Now().Add(t.every)
		heap.Push(&l.timers, t)
	} else {
		delete(l.byID, t.id)
	}
	return inst.call(func() error {
		_, err := t.fn(goja.Undefined(), t.args...)
		return err
	})
}

// call runs f, which calls into the VM, and turns what it threw into an
// invocation error.
func (inst *instance) call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = inst.failure(e)
				return
			}
			panic(r)
		}
	}()
	if err := f(); err != nil {
		return inst.failure(err)
	}
	return inst.watch.err()
}

// failure is the invocation's error for what the VM threw. A limit that
// tripped comes first: a built-in refused for the memory limit throws
// before the interrupt can end the invocation.
func (inst *instance) failure(err error) error {
	if tripped := inst.watch.err(); tripped != nil {
		return tripped
	}
	return classify(err)
}

// drain finishes the invocation's waitUntil promises, then drops its
// timers. It reports the first error.
func (inst *instance) drain() error {
	l := &inst.loop
	var err error
	for len(l.waiting) > 0 && err == nil {
		list := inst.vm.NewArray(asAny(l.waiting)...)
		l.waiting = l.waiting[:0]
		var all goja.Value
		all, err = inst.allSettled(goja.Undefined(), list)
		if err == nil {
			_, err = inst.settle(all)
		}
	}
	l.reset()
	return err
}

// reset forgets the invocation's timers and waitUntil promises. Pending Go
// work keeps its completion channel slot; its completion is dropped when it
// arrives, since the instance is discarded when work is still pending.
func (l *loop) reset() {
	clear(l.rejected)
	l.rejected = l.rejected[:0]
	clear(l.byID)
	l.timers = l.timers[:0]
	l.waiting = l.waiting[:0]
	l.clock.Stop()
}

func asAny(vs []goja.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// timerHeap orders timers by due time, then by creation.
type timerHeap []*jsTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].id < h[j].id
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapSlot, h[j].heapSlot = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*jsTimer)
	t.heapSlot = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
