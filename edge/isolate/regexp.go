package isolate

import (
	"reflect"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/schemas"
)

// Regular expressions run in Go: goja hands every pattern its own engine
// cannot take (lookaround, backreferences, and any pattern matched from a
// lastIndex) to dlclark/regexp2, which backtracks, and vm.Interrupt does not
// reach a match in progress. /^(a+)+(?!x)$/ on 30 characters ran 82 s
// against a 200 ms CPU limit. regexp2 checks a deadline as it runs: each
// compiled pattern carries a MatchTimeout, and a match past it ends. goja
// turns that end into "no match", so a timeout must never come before the
// invocation is over its limits, or the function would read a wrong answer:
//
//   - the patterns in a version's code (literals, compiled with the
//     version) get the version's wall limit (boundRegexps). A match that
//     reaches it started after the invocation did, so the invocation is
//     over its wall limit: the watchdog has interrupted the VM, and the
//     invocation fails with the CPU or wall limit error the moment the
//     match returns, as a JS loop would;
//   - patterns compiled while a function runs (new RegExp(s); a literal
//     goja's own engine could take, which it hands to regexp2 only when
//     first matched from a lastIndex; the prelude's) get regexp2's
//     package default, set here once to the
//     default wall limit: under the default limits the same holds; a
//     version whose wall limit is longer has such matches cut at 5 s.
//
// regexp2 reads its clock every 100 ms, so a match ends up to 200 ms after
// its timeout.
func init() {
	regexp2.DefaultMatchTimeout = runtimeMatchTimeout
}

// runtimeMatchTimeout bounds each match of a pattern compiled at run time.
var runtimeMatchTimeout = time.Duration(schemas.DefaultLimits().WallMillis) * time.Millisecond

// boundRegexps sets the match timeout of every regexp2 pattern compiled
// into prog, its nested functions included, and returns how many it found.
// goja keeps them unexported (a literal's instruction holds the compiled
// pattern, shared by every runtime that runs prog), so this walks prog's
// object graph by reflection. It must run before prog runs anywhere.
func boundRegexps(prog *goja.Program, timeout time.Duration) int {
	w := regexpWalk{timeout: timeout, seen: map[visit]bool{}}
	w.walk(reflect.ValueOf(prog))
	return w.found
}

type regexpWalk struct {
	timeout time.Duration
	seen    map[visit]bool
	found   int
}

type visit struct {
	p uintptr
	t reflect.Type
}

var regexpType = reflect.TypeFor[regexp2.Regexp]()

func (w *regexpWalk) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		key := visit{v.Pointer(), v.Type()}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		if v.Type().Elem() == regexpType {
			// The field is exported; only the path to it is not.
			(*regexp2.Regexp)(v.UnsafePointer()).MatchTimeout = w.timeout
			w.found++
			return
		}
		w.walk(v.Elem())
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			w.walk(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if !mayPoint(v.Type().Elem()) {
			return
		}
		for i := range v.Len() {
			w.walk(v.Index(i))
		}
	case reflect.Map:
		if !mayPoint(v.Type().Elem()) {
			return
		}
		for it := v.MapRange(); it.Next(); {
			w.walk(it.Value())
		}
	}
}

// mayPoint reports whether a value of type t can lead to a pattern: the
// walk skips slices of plain numbers (source maps, positions) whole.
func mayPoint(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}
