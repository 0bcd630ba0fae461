package isolate

import "github.com/dop251/goja"

// expando holds the own properties a function puts on a Go-made Request or
// Response (itty-router's request.params, a middleware's marker): goja's
// dynamic objects have no storage of their own, and a Set that returns
// false drops the write without a word in sloppy code. Keys keep their
// insertion order, as an ordinary object's string keys do. A nil
// *expando reads as empty.
type expando struct {
	keys []string
	vals map[string]goja.Value
}

func (e *expando) get(k string) goja.Value {
	if e == nil || e.vals == nil {
		return nil
	}
	return e.vals[k]
}

func (e *expando) has(k string) bool {
	if e == nil {
		return false
	}
	_, ok := e.vals[k]
	return ok
}

func (e *expando) set(k string, v goja.Value) {
	if e.vals == nil {
		e.vals = map[string]goja.Value{}
	}
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

func (e *expando) delete(k string) {
	if e == nil {
		return
	}
	if _, ok := e.vals[k]; !ok {
		return
	}
	delete(e.vals, k)
	for i, key := range e.keys {
		if key == k {
			e.keys = append(e.keys[:i:i], e.keys[i+1:]...)
			break
		}
	}
}

// list is a copy of the keys: goja iterates it while the function may add
// or delete.
func (e *expando) list() []string {
	if e == nil || len(e.keys) == 0 {
		return nil
	}
	return append([]string(nil), e.keys...)
}
