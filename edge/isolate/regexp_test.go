package isolate

import (
	"errors"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// Catastrophic backtracking runs in Go, out of vm.Interrupt's reach: the
// match must end at the version's wall limit and the invocation fail with
// the limit error, as a JS loop's does. Unbounded, 22 a's took 0.4 s here and each a doubles it: 30 take about 100 s.
func TestRegexpBacktrackingEndsAtTheLimit(t *testing.T) {
	tests := []struct {
		name, src string
		within    time.Duration
	}{
		// A literal: the version's wall limit (1 s) bounds the match.
		{"Literal", `return {default:{fetch(){ return new Response(String(/^(a+)+(?!x)$/.test("a".repeat(30) + "!"))) }}}`, 3 * time.Second},
		{"LiteralInNestedFunction", `const check = (s) => { const inner = () => /^(\w+\s?)*(?=z)$/.test(s); return inner() }; return {default:{fetch(){ return new Response(String(check("a".repeat(30) + "!"))) }}}`, 3 * time.Second},
		{"LiteralReplace", `return {default:{fetch(){ return new Response(("a".repeat(30) + "!").replace(/^(a+)+(?!x)$/, "b")) }}}`, 3 * time.Second},
		// Compiled at run time: regexp2's default (the default wall
		// limit, 5 s) bounds it.
		{"Constructed", `return {default:{fetch(){ return new Response(String(new RegExp("^(a+)+(?!x)$").test("a".repeat(30) + "!"))) }}}`, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.within > 5*time.Second {
				t.Skip("runs 5 s")
			}
			p := compile(t, tt.src, schemas.Limits{CPUMillis: 200, WallMillis: 1000})
			start := time.Now()
			_, err := invoke(t, p, "GET", "")
			took := time.Since(start)
			if !errors.Is(err, ErrCPUTime) && !errors.Is(err, ErrWallTime) {
				t.Fatalf("err = %v, want the CPU or wall limit", err)
			}
			if took > tt.within {
				t.Fatalf("took %v, want at most %v", took, tt.within)
			}
			t.Logf("ended after %v: %v", took.Round(time.Millisecond), err)
		})
	}
}

// Matches that finish keep their answers, and a version's patterns are all
// given its timeout.
func TestRegexpBoundKeepsMatches(t *testing.T) {
	p := compile(t, `const re = /(?<=a)b(?!c)/g; return {default:{fetch(){
		const out = [re.test("ab"), "abab abc".replace(re, "X"), /(\w)\1/.test("xx"), new RegExp("(?=y)y").test("y"), "a-b_c".split(/(?=[-_])/).length];
		return new Response(out.join("|")) }}}`, schemas.Limits{WallMillis: 1500})
	for range 2 {
		if got, want := body(t, p, "GET", ""), "true|aXaX abc|true|true|3"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if n := boundRegexps(p.prog, 1500*time.Millisecond); n < 3 {
		t.Fatalf("found %d patterns in the bundle, want at least 3", n)
	}
}
