// Package isolate runs a function version's JavaScript in goja.
//
// A version is compiled once into a Program. Each Program keeps a pool of
// warm instances: goja runtimes that have run the Web API prelude and the
// function's bundle and hold its default export. An instance serves one
// invocation at a time, is never shared between versions (so never between
// functions), and is thrown away after it threw, was interrupted or ran
// over a limit, because goja cannot be trusted to be clean afterwards.
package isolate
