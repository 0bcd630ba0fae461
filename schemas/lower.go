package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"regexp"

	"github.com/dop251/goja/parser"
)

// gojaLacks is the syntax that goja, which runs the bundles, cannot
// compile, in the terms of esbuild's Supported map: esbuild rewrites each
// into code that goja runs. Everything else is left as written (the
// target is ESNext), so that what goja runs natively (classes with
// private and static members, async functions, optional chaining,
// logical assignment, BigInt) is not slowed by helpers. Each entry was
// found by compiling a sample in goja, and TestLoweredSyntaxRuns runs the
// lowered form of each in goja.
//
// Not here: what esbuild cannot lower either (regular expression
// modifiers such as (?i:x)), which goja refuses when the node compiles the
// bundle, so that vault deploy reports it; top-level await, which the
// IIFE format refuses at bundle time.
var gojaLacks = map[string]bool{
	// async function* and for await: "Async generators are not supported
	// yet". esbuild turns them into generators driven by promises.
	"async-generator": false,
	"for-await":       false,
	// import(): goja does not parse it. A bundled module's import()
	// becomes a promise of its lazily evaluated namespace whatever this
	// says; this covers a computed specifier (import(name)), which becomes
	// a call that rejects (see virtualModules for literal specifiers).
	"dynamic-import": false,
	// import.meta: not parsed; esbuild replaces it with an empty object.
	"import-meta": false,
	// @decorator syntax on classes (TC39 decorators).
	"decorators": false,
	// using and await using declarations (explicit resource management).
	"using": false,
	// RegExp flags d (match indices) and v (set notation): goja throws
	// "Invalid flags" when it compiles the literal, which would fail the
	// whole bundle. esbuild turns such a literal into new RegExp(...), so
	// only code that actually builds it fails.
	"regexp-match-indices": false,
	"regexp-set-notation":  false,
}

// gojaLacksInClasses adds class fields to gojaLacks. goja's parser takes
// a class field named get, set or async with an initializer for the start
// of an accessor or async method ("Unexpected token ="), and Hono's
// Context has set = (key, value) => ...; esbuild writes the field as it
// was written (set = ...). quoteKeywordFields mends that in the bundle;
// where it cannot, lowering the class fields moves every initializer into
// the constructors, which also turns private fields into WeakMaps, slower
// in every class (for Hono, esbuild's private-field helpers were 16% of
// the JS time). Bundle lowers only a bundle goja cannot parse otherwise.
func gojaLacksInClasses() map[string]bool {
	m := maps.Clone(gojaLacks)
	m["class-field"] = false
	m["class-static-field"] = false
	return m
}

// keywordField is a class field whose name goja's parser reads as the
// start of an accessor or async method, as esbuild prints a field with an
// initializer: on a line of its own, one space either side of the "=".
var keywordField = regexp.MustCompile(`^([ \t]*(?:static[ \t]+)?)(get|set|async|static) = `)

// maxKeywordFields bounds the parses quoteKeywordFields makes.
const maxKeywordFields = 64

// quoteKeywordFields mends the class fields goja's parser refuses (see
// gojaLacksInClasses): on each line where the parser reports its first
// error, a field written set = x becomes "set"= x, the same field (a
// string names a class field as an identifier does) in the same number of
// bytes, so that the source map still holds. Outside a class body the
// result is no valid statement (a string is no assignment target), so a
// line it misjudges makes the bundle fail to parse, and the caller lowers
// the classes instead. ok is false unless the result parses.
func quoteKeywordFields(code []byte) (mended []byte, ok bool) {
	mended, cloned := code, false
	for range maxKeywordFields {
		err := parsesInGoja(mended)
		if err == nil {
			return mended, true
		}
		var list parser.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			return nil, false
		}
		start, end := lineBounds(mended, list[0].Position.Line)
		m := keywordField.FindSubmatchIndex(mended[start:end])
		if m == nil {
			return nil, false
		}
		if !cloned {
			mended, cloned = bytes.Clone(code), true
		}
		name := mended[start+m[4] : start+m[5]]
		fixed := append(append([]byte{'"'}, name...), '"', '=')
		copy(mended[start+m[4]:start+m[1]], fixed)
	}
	return nil, false
}

// lineBounds are the byte offsets of line n (from 1) of code, without its
// newline; past the end, both are len(code).
func lineBounds(code []byte, n int) (start, end int) {
	for ; n > 1 && start < len(code); n-- {
		i := bytes.IndexByte(code[start:], '\n')
		if i < 0 {
			return len(code), len(code)
		}
		start += i + 1
	}
	end = start + bytes.IndexByte(code[start:], '\n')
	if end < start {
		end = len(code)
	}
	return start, end
}

// parsesInGoja reports goja's parse error on code, if any. Parsing is
// cheaper than the build; compiling and running the bundle is the deploy's
// check (isolate.Check).
func parsesInGoja(code []byte) (err error) {
	defer func() {
		if r := recover(); r != nil { // goja's parser panics on some inputs
			err = fmt.Errorf("goja's parser failed: %v", r)
		}
	}()
	_, err = parser.ParseFile(nil, "bundle.js", string(code), 0, parser.WithDisableSourceMaps)
	return err
}
