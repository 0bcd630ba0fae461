package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// event is one line of `go test -json` (see `go doc cmd/test2json`);
// build-output and build-fail events name an ImportPath instead of a
// Package.
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// A test collects its output until it ends. Plain go test shows a test's
// output only if it failed: its "--- FAIL" line, then its logs and the
// blocks of its failed subtests, indented under it, in the order they
// came.
type test struct {
	name   string
	parent *test // nil for a top-level test
	header string
	out    []string // output chunks, and failed subtests' blocks
	done   bool
}

// block is a failed test's text as plain go test prints it.
func (t *test) block() string {
	header := t.header
	if header == "" {
		header = "--- FAIL: " + t.name + " (did not finish)\n"
	}
	return strings.TrimLeft(header, " ") + strings.Join(t.out, "")
}

// pkg is one package's tests and its output outside them.
type pkg struct {
	tests map[string]*test
	order []*test  // in the order they started
	out   []string // package-level output and failed top-level tests' blocks
}

// summary turns a `go test -json` stream into plain go test's output and
// counts the outcomes.
type summary struct {
	w    io.Writer
	pkgs map[string]*pkg
	// Counts of tests and subtests.
	passed, failed, skipped int
	// failures are the failed tests ("pkg Test/sub") and the packages
	// that failed outside any test; skips are skipped tests with their
	// messages.
	failures, skips []string
}

func newSummary(w io.Writer) *summary {
	return &summary{w: w, pkgs: map[string]*pkg{}}
}

// line handles one line of input; a line that is not a test event is
// passed through as it is.
func (s *summary) line(raw string) {
	var e event
	if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Action == "" {
		io.WriteString(s.w, raw)
		return
	}
	switch {
	case e.Action == "build-output":
		io.WriteString(s.w, e.Output)
	case e.Package == "":
		// build-fail: the package's fail event follows.
	case e.Test == "":
		s.packageEvent(e)
	default:
		s.testEvent(e)
	}
}

func (s *summary) pkg(name string) *pkg {
	p := s.pkgs[name]
	if p == nil {
		p = &pkg{tests: map[string]*test{}}
		s.pkgs[name] = p
	}
	return p
}

func (s *summary) testEvent(e event) {
	p := s.pkg(e.Package)
	t := p.tests[e.Test]
	if t == nil {
		t = &test{name: e.Test}
		if i := strings.LastIndexByte(e.Test, '/'); i >= 0 {
			t.parent = p.tests[e.Test[:i]]
		}
		p.tests[e.Test] = t
		p.order = append(p.order, t)
	}
	switch e.Action {
	case "output":
		switch {
		case strings.HasPrefix(e.Output, "=== "): // RUN, PAUSE, CONT, NAME: -v framing
		case isResult(e.Output, t.name):
			t.header = e.Output
		default:
			t.out = append(t.out, e.Output)
		}
	case "pass":
		t.done = true
		s.passed++
	case "skip":
		t.done = true
		s.skipped++
		s.skips = append(s.skips, fmt.Sprintf("%s %s: %s", e.Package, t.name, message(t.out)))
	case "fail":
		t.done = true
		s.failed++
		s.failures = append(s.failures, e.Package+" "+t.name)
		p.fileBlock(t)
	}
}

// fileBlock puts failed test t's block where plain go test prints it:
// indented in its parent's output, or in the package's.
func (p *pkg) fileBlock(t *test) {
	if t.parent != nil {
		t.parent.out = append(t.parent.out, indent(t.block()))
	} else {
		p.out = append(p.out, t.block())
	}
}

// isResult reports whether out is test name's "--- PASS/FAIL/SKIP" line.
func isResult(out, name string) bool {
	out = strings.TrimLeft(out, " ")
	for _, verdict := range []string{"--- PASS: ", "--- FAIL: ", "--- SKIP: "} {
		if strings.HasPrefix(out, verdict+name+" (") {
			return true
		}
	}
	return false
}

// message is a skipped test's logs (its skip message among them) on one
// line.
func message(out []string) string {
	var lines []string
	for _, line := range strings.Split(strings.Join(out, ""), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return "(no message)"
	}
	return strings.Join(lines, " | ")
}

func indent(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		if line != "" {
			lines[i] = "    " + line
		}
	}
	return strings.Join(lines, "")
}

func (s *summary) packageEvent(e event) {
	p := s.pkg(e.Package)
	switch e.Action {
	case "output":
		p.out = append(p.out, e.Output)
	case "pass", "skip":
		// Plain go test prints only "ok  \tpkg\t0.1s" or
		// "?   \tpkg\t[no test files]" for a package that did not fail.
		for _, out := range p.out {
			if strings.HasPrefix(out, "ok  ") || strings.HasPrefix(out, "?   ") {
				io.WriteString(s.w, out)
			}
		}
		delete(s.pkgs, e.Package)
	case "fail":
		s.failPackage(e.Package, p)
	}
}

// failPackage prints a failed package's output. Tests that never ended
// (the binary crashed or timed out) count as failed, and their blocks go
// before the package's closing FAIL lines.
func (s *summary) failPackage(name string, p *pkg) {
	var unfinished []string
	for _, t := range p.order {
		if !t.done {
			s.failed++
			s.failures = append(s.failures, name+" "+t.name+" (did not finish)")
		}
	}
	// Subtests first (they started after their parents), so that each
	// block holds its unfinished subtests'.
	for _, t := range slices.Backward(p.order) {
		if t.done {
			continue
		}
		t.done = true
		if t.parent == nil {
			unfinished = slices.Insert(unfinished, 0, t.block())
		} else {
			t.parent.out = append(t.parent.out, indent(t.block()))
		}
	}
	tail := len(p.out)
	for tail > 0 && isClosing(p.out[tail-1]) {
		tail--
	}
	if !s.hasFailureIn(name) {
		s.failures = append(s.failures, name+" (the package failed outside any test: see its output)")
	}
	io.WriteString(s.w, strings.Join(p.out[:tail], "")+strings.Join(unfinished, "")+strings.Join(p.out[tail:], ""))
	delete(s.pkgs, name)
}

func (s *summary) hasFailureIn(pkgName string) bool {
	for _, f := range s.failures {
		if strings.HasPrefix(f, pkgName+" ") {
			return true
		}
	}
	return false
}

// isClosing reports whether out is one of the lines a failed test binary
// or go test ends a package with.
func isClosing(out string) bool {
	return out == "FAIL\n" || strings.HasPrefix(out, "FAIL\t") || strings.HasPrefix(out, "exit status ")
}

// finish handles packages whose stream was cut short, prints the failed
// tests, in CI the skipped ones, and the count line, and reports whether
// the run passed.
func (s *summary) finish(ci bool) bool {
	for _, name := range slices.Sorted(maps.Keys(s.pkgs)) {
		p := s.pkgs[name]
		p.out = append(p.out, "FAIL\t"+name+" (the go test -json stream ended before the package did)\n")
		s.failPackage(name, p)
	}
	ok := len(s.failures) == 0
	if !ok {
		fmt.Fprintf(s.w, "\nFailed (%d):\n", len(s.failures))
		for _, f := range s.failures {
			fmt.Fprintln(s.w, "    "+f)
		}
	}
	if ci && s.skipped > 0 {
		ok = false
		fmt.Fprintf(s.w, "\nSkipped in CI (%d), which fails the run: CI must run every test (see edge/testenv):\n", s.skipped)
		for _, sk := range s.skips {
			fmt.Fprintln(s.w, "    "+sk)
		}
	}
	fmt.Fprintf(s.w, "%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	return ok
}
