// Package weburl is the WHATWG URL Standard (https://url.spec.whatwg.org/)
// in Go: the basic URL parser, the URL serializer, the URL API's getters
// and setters, origins, and the application/x-www-form-urlencoded parser
// and serializer. It is what a function's new URL(), URLSearchParams and
// URLPattern run on (edge/isolate binds them to JavaScript), and it
// imports nothing of the JavaScript engine.
//
// # What it owns
//
//   - Parse, the basic URL parser: the standard's state machine step by
//     step (parse.go; the comments name the states), with hosts (host.go:
//     domains through UTS #46 IDNA, IPv4 in all its spellings, IPv6) and
//     the percent-encode sets (encode.go). Validation errors are not
//     reported: a URL parses or it does not (ErrInvalid).
//   - Serialize, the URL serializer, which notes where each component lies
//     in the href, so that every getter is a slice of it (serialize.go),
//     and Set, the setters: the parser again with a state override.
//   - ParseForm and SerializeForm, the urlencoded form (form.go).
//   - Canonicalize, the URL Pattern standard's canonicalization of a
//     component, which is the parser run on a dummy URL (pattern.go).
//
// # Invariants
//
// Parsing a serialized URL gives the same URL again, and so does each
// setter's result; an href is ASCII. A JS URL holds only its href and
// its components' offsets, and a setter sends the href back with the new
// value, which is sound only because of this. FuzzParse checks it, and
// that a form list survives serializing.
//
// Every function is linear in its input and none recurses per level of
// it: a native call cannot be interrupted (vm.Interrupt waits for it to
// return), so no input may hold a runtime for long, and none needs a
// depth bound (TestLongInput).
//
// # Why our own parser
//
// github.com/nlnwa/whatwg-url passes all of WPT's urltestdata.json, but a
// typical parse took ~10 µs with 88 allocations, and it serializes the
// path by repeated string concatenation, so a 100 KB URL of short
// segments took 6.5 s inside one native call. This one passes the same
// cases (TestWPT).
package weburl
