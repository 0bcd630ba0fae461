package schemas

import (
	"fmt"
	"maps"

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
// was written (set = ...), and the only way to avoid it is to move all
// field initializers into the constructors, which also turns private
// fields into WeakMaps, slower in every class. Bundle does that only for
// a bundle goja cannot parse otherwise.
func gojaLacksInClasses() map[string]bool {
	m := maps.Clone(gojaLacks)
	m["class-field"] = false
	m["class-static-field"] = false
	return m
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
